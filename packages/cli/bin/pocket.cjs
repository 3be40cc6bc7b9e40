#!/usr/bin/env node
// Start-up speed: compiling JavaScript is a large part of a short command's time, so compiled
// code is kept on disk between runs (docs/decisions.md#p21-cli-bundle). Node 22+ does it for
// every module (enableCompileCache); on Node 20 the CLI bundle (dist/cli.cjs) is run with a V8
// code cache kept beside it.
// CommonJS, like the bundle: an ES module here would start Node's ES module loader for nothing.
// node:module and node:vm are loaded only once a bundle is (about 1 ms that a cached
// `pocket config show` does without).
const { readFileSync, renameSync, rmSync, writeFileSync } = require("node:fs");
const { dirname, join } = require("node:path");

// `pocket config ...` runs a bundle of that command alone (dist/cli-config.cjs), less code to
// load than the whole CLI; commandWords() finds the command word as the CLI does.
const words = commandWords();
const bundle = words[0] === "config" ? "config" : "cli";
const file = join(__dirname, bundle === "config" ? "../dist/cli-config.cjs" : "../dist/cli.cjs");
// `pocket config show` prints its cached answer while it is still valid, without loading the
// bundle; otherwise the run fills the cache's slot (docs/decisions.md#p25-config-show-cache).
const cached = words[0] === "config" && words[1] === "show" ? replayConfigShow() : undefined;
if (cached?.replayed) {
  process.exitCode = 0;
} else {
  const nodeModule = require("node:module");
  if (nodeModule.enableCompileCache) nodeModule.enableCompileCache();
  const cli = nodeModule.enableCompileCache ? require(file) : loadWithCodeCache(file, bundleHash(bundle));
  cli.run(process.argv, cached?.slot).then((status) => {
    process.exitCode = status;
  });
}

/**
 * dist/config-show-cache.cjs's answer for this line: { replayed: true } when it printed the
 * cached output, else the slot to fill. Without the file (an install copied in part) or the
 * config bundle's hash, which keys the cache, there is no cache.
 */
function replayConfigShow() {
  const hash = bundleHash("config");
  if (hash === undefined) return undefined;
  try {
    return require("../dist/config-show-cache.cjs").replay(process.argv, hash);
  } catch {
    // A missing file, or output that could not be written (a closed descriptor): the command
    // runs as without a cache, and reports the problem as it does.
    return undefined;
  }
}

/** A bundle's content hash, recorded by the build (undefined: run it without a cache). */
function bundleHash(key) {
  try {
    const hash = JSON.parse(readFileSync(join(__dirname, "../dist/bundles.json"), "utf8"))[key];
    return /^[0-9a-f]{16}$/.test(hash) ? hash : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs a CommonJS bundle as `require` would, with V8's code cache. V8 checks only the source's
 * length, so the cache file is named after the hash of the source the build recorded (and the
 * Node version): a rebuilt bundle never runs another build's code. The cache is written at exit,
 * so the functions this run compiled are in it too. A run that fails stops early and compiles
 * less, so its cache is kept as "partial", used until a run that succeeds replaces it: otherwise
 * a first `pocket config show` on a broken file would slow every later one. Only a cache beside
 * the bundle is used, never one in a shared folder: cached code runs as is.
 * Without a readable bundle or a hash, a plain require runs it (or reports what is missing).
 */
function loadWithCodeCache(file, hash) {
  const bundleRequire = require("node:module").createRequire(file);
  const vm = require("node:vm");
  let source;
  try {
    if (hash === undefined) return bundleRequire(file);
    // esbuild writes ASCII only (other characters as escapes), so no UTF-8 decoding is needed.
    source = readFileSync(file, "latin1");
  } catch {
    return bundleRequire(file);
  }
  // One cache per command: a cache holds the functions the run that wrote it compiled, so
  // `pocket --version` writing the only one would leave `pocket deploy` compiling its own.
  const base = `${file}.${hash}.${commandName()}.${process.version}-${process.arch}`;
  const full = `${base}.v8cache`;
  const partial = `${base}.partial.v8cache`;
  let used;
  let cachedData;
  for (const candidate of [full, partial]) {
    try {
      cachedData = readFileSync(candidate);
      used = candidate;
      break;
    } catch {
      // Not written yet.
    }
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
    return bundleRequire(file);
  }
  const mod = { exports: {} };
  script.runInThisContext()(mod.exports, bundleRequire, mod, file, dirname(file));
  const fresh = used === undefined || script.cachedDataRejected;
  process.once("exit", (status) => {
    const target = status === 0 ? full : partial;
    if (!(fresh || (used === partial && target === full))) return;
    try {
      const tmp = `${target}.${process.pid}`;
      writeFileSync(tmp, script.createCachedData());
      renameSync(tmp, target);
      if (target === full && used === partial) rmSync(partial, { force: true });
    } catch {
      // A read-only install: no cache, only a slower start.
    }
  });
  return mod.exports;
}

/**
 * The command's first two words, for the cache's name (`config-show`, `resource-vpc`; "none" for
 * `pocket --help` and the like): the code a run compiles depends on them.
 */
function commandName() {
  return commandWords().join("-") || "none";
}

/**
 * The command line's first two words ("other" for one that cannot be a command). The scan is
 * the one of src/commands/argv.ts (commandWord), which is inside the bundles this picks from.
 */
function commandWords() {
  const args = process.argv.slice(2);
  const words = [];
  const word = (arg) => (/^[a-z][a-z0-9-]{0,31}$/.test(arg) ? arg : "other");
  for (let i = 0; i < args.length && words.length < 2; i++) {
    if (args[i] === "-c" || args[i] === "--config") i++;
    else if (args[i] === "--") {
      // What follows `--` is a word whatever it looks like (commandWord does the same).
      if (i + 1 < args.length) words.push(word(args[i + 1]));
      break;
    } else if (!args[i].startsWith("-")) words.push(word(args[i]));
  }
  return words;
}
