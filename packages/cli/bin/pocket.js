#!/usr/bin/env node
// Start-up speed: compiling JavaScript is a large part of a short command's time, so compiled
// code is kept on disk between runs. Node 22+ does it for every module (enableCompileCache);
// on older versions the configuration bundle (dist/config.cjs, the largest part of `pocket
// config` and the template commands) is loaded with a V8 code cache kept beside it.
import { createHash } from "node:crypto";
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import module, { createRequire } from "node:module";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import vm from "node:vm";

if (module.enableCompileCache) {
  module.enableCompileCache();
} else {
  // Loaded when a command first needs it (the CLI bundle reads it from here), so `pocket
  // --version`, `--help` and the commands without a pocket.toml never load it.
  const file = fileURLToPath(new URL("../dist/config.cjs", import.meta.url));
  let config;
  Object.defineProperty(globalThis, Symbol.for("magic-pocket.config"), {
    configurable: true,
    get: () => {
      config ??= loadWithCodeCache(file);
      return config;
    },
  });
}
const { run } = await import("../dist/main.js");
process.exitCode = await run(process.argv);

/**
 * Runs a CommonJS bundle as `require` would, with V8's code cache: the cache (beside the bundle)
 * is written after the first run, and again whenever V8 rejects it. V8 checks only the source's
 * length, so the cache file is named after a hash of the source (and the Node version): a rebuilt
 * bundle never runs another build's code. Only a cache beside the bundle is used, never one in a
 * shared folder: cached code runs as is. Without a readable bundle, a plain require reports it.
 */
function loadWithCodeCache(file) {
  const require = createRequire(file);
  let source;
  let cachedData;
  try {
    source = readFileSync(file, "utf8");
  } catch {
    return require(file);
  }
  const hash = createHash("sha256").update(source).digest("hex").slice(0, 16);
  const cacheFile = `${file}.${hash}.${process.version}-${process.arch}.v8cache`;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  let script;
  try {
    script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
      filename: file,
      cachedData,
    });
  } catch {
    return require(file);
  }
  const mod = { exports: {} };
  script.runInThisContext()(mod.exports, require, mod, file, dirname(file));
  if (cachedData !== undefined && !script.cachedDataRejected) return mod.exports;
  // Written at exit, so the functions this run compiled are in the cache too; and only by a run
  // that loaded a configuration (not `pocket --version`), so the cache holds that path.
  let loaded = false;
  const exports = { ...mod.exports };
  for (const name of ["loadConfig", "validateAllStages"]) {
    const original = exports[name];
    exports[name] = (...args) => {
      loaded = true;
      return original(...args);
    };
  }
  process.once("exit", () => {
    if (!loaded) return;
    try {
      const tmp = `${cacheFile}.${process.pid}`;
      writeFileSync(tmp, script.createCachedData());
      renameSync(tmp, cacheFile);
    } catch {
      // A read-only install: no cache, only a slower start.
    }
  });
  return exports;
}
