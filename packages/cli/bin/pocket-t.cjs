#!/usr/bin/env node
// Start-up speed: compiling JavaScript is a large part of a short command's time, so compiled
// code is kept on disk between runs (docs/decisions.md#p21-cli-bundle). Node 22+ does it for
// every module (enableCompileCache); on Node 20 the CLI bundle (dist/cli.cjs) is run with a V8
// code cache kept beside it.
// CommonJS, like the bundle: an ES module here would start Node's ES module loader for nothing.
const { readFileSync, renameSync, writeFileSync } = require("node:fs");
const nodeModule = require("node:module");
const { dirname, join } = require("node:path");
const vm = require("node:vm");

const __t0 = process.cpuUsage(); const __w0 = performance.now();
const file = join(__dirname, "../dist/cli.cjs");
let cli;
if (nodeModule.enableCompileCache) {
  nodeModule.enableCompileCache();
  cli = require(file);
} else {
  cli = loadWithCodeCache(file, bundleHash());
}
const __t1 = process.cpuUsage(__t0); const __w1 = performance.now(); process.on("exit", () => { const t = process.cpuUsage(__t0); process.stderr.write(`T boot=${(__w0).toFixed(1)} load=${((__t1.user+__t1.system)/1000).toFixed(1)} total=${((t.user+t.system)/1000).toFixed(1)} wall=${(performance.now()-__w0).toFixed(1)}\n`); });
cli.run(process.argv).then((status) => {
  process.exitCode = status;
});

/** The bundle's content hash, recorded by the build (undefined: run it without a cache). */
function bundleHash() {
  try {
    const { cli: hash } = JSON.parse(readFileSync(join(__dirname, "../dist/bundles.json"), "utf8"));
    return /^[0-9a-f]{16}$/.test(hash) ? hash : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs a CommonJS bundle as `require` would, with V8's code cache. V8 checks only the source's
 * length, so the cache file is named after the hash of the source the build recorded (and the
 * Node version): a rebuilt bundle never runs another build's code. The cache is written at exit,
 * so the functions this run compiled are in it too, when there was none or V8 rejected it. Only
 * a cache beside the bundle is used, never one in a shared folder: cached code runs as is.
 * Without a readable bundle or a hash, a plain require runs it (or reports what is missing).
 */
function loadWithCodeCache(file, hash) {
  const require = nodeModule.createRequire(file);
  let source;
  let cachedData;
  try {
    if (hash === undefined) return require(file);
    // esbuild writes ASCII only (other characters as escapes), so no UTF-8 decoding is needed.
    source = readFileSync(file, "latin1");
  } catch {
    return require(file);
  }
  // One cache per command: a cache holds the functions the run that wrote it compiled, so
  // `pocket --version` writing the only one would leave `pocket deploy` compiling its own.
  const cacheFile = `${file}.${hash}.${commandName()}.${process.version}-${process.arch}.v8cache`;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  // The bundle's `await import()`s of dist/vendor/ files come here: Node 20 loses a vm script's
  // own dynamic-import hook when its code comes from a cache.
  globalThis[Symbol.for("magic-pocket.import")] = (url) => import(url);
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

/**
 * The command's first two words, for the cache's name (`config-show`, `resource-vpc`; "none" for
 * `pocket --help` and the like): the code a run compiles depends on them. The scan is the one
 * of src/commands/argv.ts, which is inside the bundle this names the cache for.
 */
function commandName() {
  const args = process.argv.slice(2);
  const words = [];
  for (let i = 0; i < args.length && words.length < 2; i++) {
    if (args[i] === "-c" || args[i] === "--config") i++;
    else if (!args[i].startsWith("-")) words.push(/^[a-z][a-z0-9-]{0,31}$/.test(args[i]) ? args[i] : "other");
  }
  return words.join("-") || "none";
}
