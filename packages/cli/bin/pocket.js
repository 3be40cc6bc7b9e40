#!/usr/bin/env node
// Start-up speed: compiling JavaScript is a large part of a short command's time, so compiled
// code is kept on disk between runs. Node 22+ does it for every module (enableCompileCache);
// on older versions the bundles the build lists in dist/bundles.json (the configuration package
// and commander, the largest parts of a short command) are loaded with a V8 code cache kept
// beside them.
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import module, { createRequire } from "node:module";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import vm from "node:vm";

if (module.enableCompileCache) {
  module.enableCompileCache();
} else {
  let hashes = {};
  try {
    hashes = JSON.parse(readFileSync(new URL("../dist/bundles.json", import.meta.url), "utf8"));
  } catch {
    // No list: the CLI bundle requires each bundle itself, without a cache.
  }
  for (const [name, hash] of Object.entries(hashes)) {
    if (!/^[a-z-]+$/.test(name) || !/^[0-9a-f]{16}$/.test(hash)) continue;
    // Loaded when the CLI first reads it, so a command that never needs the configuration
    // (`pocket --version`, `--help`, `init`) never loads it.
    const file = fileURLToPath(new URL(`../dist/${name}.cjs`, import.meta.url));
    let exports;
    Object.defineProperty(globalThis, Symbol.for(`magic-pocket.${name}`), {
      configurable: true,
      get: () => {
        exports ??= loadWithCodeCache(file, hash);
        return exports;
      },
    });
  }
}
const { run } = await import("../dist/main.js");
process.exitCode = await run(process.argv);

/**
 * Runs a CommonJS bundle as `require` would, with V8's code cache. V8 checks only the source's
 * length, so the cache file is named after the hash of the source the build recorded (and the
 * Node version): a rebuilt bundle never runs another build's code. The cache is written at exit,
 * so the functions this run compiled are in it too, when there was none or V8 rejected it. Only
 * a cache beside the bundle is used, never one in a shared folder: cached code runs as is.
 * Without a readable bundle, a plain require reports it.
 */
function loadWithCodeCache(file, hash) {
  const require = createRequire(file);
  let source;
  let cachedData;
  try {
    source = readFileSync(file, "utf8");
  } catch {
    return require(file);
  }
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
  if (cachedData === undefined || script.cachedDataRejected) {
    process.once("exit", () => {
      try {
        const tmp = `${cacheFile}.${process.pid}`;
        writeFileSync(tmp, script.createCachedData());
        renameSync(tmp, cacheFile);
      } catch {
        // A read-only install: no cache, only a slower start.
      }
    });
  }
  return mod.exports;
}
