// Bundles the CLI into dist/. Bundling is a speed decision: resolving zod's ~100 module files
// costs ~40 ms at every start, a single bundled file ~10 ms. Code splitting keeps every
// `await import()` (AWS SDK clients, deploy engine) in its own chunk, so `pocket config`
// commands never load them.
import { createHash } from "node:crypto";
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { build } from "esbuild";

const watch = process.argv.includes("--watch");

// Bundles loaded with a V8 code cache. Node 20 has no module.enableCompileCache, and compiling
// is a large part of a short command: @magic-pocket/config (zod, the TOML parsers, the rules:
// most of `pocket config` and the template commands) was about a third of `pocket config show`,
// and commander is needed by every command. Each is bundled on its own as CommonJS, which
// bin/pocket.js runs with a code cache kept beside it; the CLI bundle reads each through a tiny
// module that takes what the bin loaded (cachedBundles below). dist/bundles.json names each
// bundle's content hash, so the bin never hashes a bundle to name its cache.
const CACHED_BUNDLES = [
  { name: "config", specifier: "@magic-pocket/config", entry: "packages/config/src/index.ts" },
  {
    name: "commander",
    specifier: "commander",
    entry: createRequire(import.meta.url).resolve("commander"),
    // commander requires node:child_process when loaded, for executable sub-commands, which
    // pocket has none of; loading it (with net, dgram and streams) is start-up time for nothing.
    lazyBuiltins: ["child_process"],
  },
];

/** Replaces `require("node:NAME")` with an object that requires NAME on first use. */
const lazyBuiltins = (names) => ({
  name: "pocket-lazy-builtins",
  setup(b) {
    const filter = new RegExp(`^(node:)?(${names.join("|")})$`);
    // The stand-in's own require is the real module (left to Node, as every builtin is).
    b.onResolve({ filter }, ({ path, namespace }) =>
      namespace === "pocket-lazy-builtin"
        ? { path, external: true }
        : { path: path.replace(/^node:/, ""), namespace: "pocket-lazy-builtin" },
    );
    b.onLoad({ filter: /.*/, namespace: "pocket-lazy-builtin" }, ({ path }) => ({
      loader: "js",
      contents: `module.exports = new Proxy({}, { get: (_, key) => require("node:${path}")[key] });`,
    }));
  },
});

const bundleFile = (name) => `packages/cli/dist/${name}.cjs`;
const bundleOptions = (bundle) => ({
  entryPoints: [bundle.entry],
  outfile: bundleFile(bundle.name),
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  conditions: ["source"],
  sourcemap: "linked",
  logLevel: "warning",
  // After every build of it, watch mode included: the bin names the bundle's cache after this hash.
  plugins: [
    ...(bundle.lazyBuiltins ? [lazyBuiltins(bundle.lazyBuiltins)] : []),
    { name: "pocket-bundle-hash", setup: (b) => b.onEnd(() => recordHash(bundle.name)) },
  ],
});

/** Writes the bundle's content hash into dist/bundles.json (name → hash). */
function recordHash(name) {
  const manifest = "packages/cli/dist/bundles.json";
  const hashes = existsSync(manifest) ? JSON.parse(readFileSync(manifest, "utf8")) : {};
  hashes[name] = createHash("sha256")
    .update(readFileSync(bundleFile(name)))
    .digest("hex")
    .slice(0, 16);
  writeFileSync(manifest, `${JSON.stringify(hashes, null, 2)}\n`);
}

/** The names a cached bundle exports, read from the built bundle. */
function bundleExports(name) {
  const require = createRequire(import.meta.url);
  const file = resolve(bundleFile(name));
  delete require.cache[file];
  return Object.keys(require(file)).filter((key) => key !== "__esModule" && key !== "default");
}

/** Resolves each cached bundle's package in the CLI bundle to the separately built, cached one. */
const cachedBundles = {
  name: "pocket-cached-bundles",
  setup(b) {
    for (const { name, specifier } of CACHED_BUNDLES) {
      const filter = new RegExp(`^${specifier.replace(/[/.@-]/g, (c) => `\\${c}`)}$`);
      b.onResolve({ filter }, () => ({ path: name, namespace: "pocket-cached-bundle" }));
    }
    b.onLoad({ filter: /.*/, namespace: "pocket-cached-bundle" }, ({ path: name }) => ({
      loader: "js",
      resolveDir: resolve("packages/cli/dist"),
      contents: [
        'import { createRequire } from "node:module";',
        // bin/pocket.js puts the loaded bundle here; a direct import of dist/main.js requires it.
        `const m = globalThis[Symbol.for("magic-pocket.${name}")] ?? findBundle();`,
        "function findBundle() {",
        "  const require = createRequire(import.meta.url);",
        `  for (const path of ["./${name}.cjs", "../${name}.cjs"]) {`,
        '    try { return require(path); } catch (error) { if (error.code !== "MODULE_NOT_FOUND") throw error; }',
        "  }",
        `  throw new Error("pocket: dist/${name}.cjs is missing; run the build again");`,
        "}",
        `export const { ${bundleExports(name).join(", ")} } = m;`,
      ].join("\n"),
    }));
  },
};

async function buildCachedBundles() {
  for (const bundle of CACHED_BUNDLES) await build(bundleOptions(bundle));
}

const options = {
  entryPoints: { main: "packages/cli/src/main.ts" },
  outdir: "packages/cli/dist",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  conditions: ["source"],
  // The AWS SDK is bundled too, from its ES module builds ("module"; its CommonJS builds lose
  // their named exports when bundled): each client still lands in its own lazily loaded chunk,
  // and loading one bundled chunk instead of ~60 package files cut a no-op deploy from ~330 ms
  // to ~290 ms (bench/deploy-noop.mjs).
  mainFields: ["module", "main"],
  plugins: [cachedBundles],
  sourcemap: "linked",
  outExtension: { ".js": ".js" },
  chunkNames: "chunks/[name]-[hash]",
  logLevel: "warning",
  banner: {
    // Bundled CommonJS dependencies (toml-eslint-parser) call require(); give them one.
    js: "import { createRequire as __pocketCreateRequire } from 'node:module'; const require = __pocketCreateRequire(import.meta.url);",
  },
};
// `pocket django init` copies the Python runtime package into the user's project, so the image
// runs the runtime of the CLI that deploys it. Ship it next to the bundle (sources only).

const runtime = "packages/cli/dist/python-runtime";
rmSync(runtime, { recursive: true, force: true });
for (const part of ["pyproject.toml", "README.md", "src"]) {
  cpSync(`python/${part}`, `${runtime}/${part}`, {
    recursive: true,
    filter: (src) => !src.includes("__pycache__") && !src.endsWith(".pyc"),
  });
}

// @magic-pocket/runtime runs inside users' Lambda images, where every module file costs cold-start
// time: its two entry points are bundled (shared code in one chunk, so both see one loadEnv
// state), the AWS SDK stays an external dependency imported on first use. Its .d.ts files are
// written by `npm pack` (prepack), not here, to keep this build fast.
const runtimeBuild = await build({
  entryPoints: { index: "packages/runtime/src/index.ts", "env-entry": "packages/runtime/src/env-entry.ts" },
  outdir: "packages/runtime/dist",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external: ["@aws-sdk/*"],
  chunkNames: "chunks/[name]-[hash]",
  metafile: true,
  logLevel: "warning",
});
// Files are overwritten in place (a process importing dist/ meanwhile never finds it missing);
// chunks of earlier builds are removed afterwards.
const runtimeOutputs = new Set(Object.keys(runtimeBuild.metafile.outputs));
const runtimeChunks = "packages/runtime/dist/chunks";
for (const f of existsSync(runtimeChunks) ? readdirSync(runtimeChunks) : []) {
  if (!runtimeOutputs.has(`${runtimeChunks}/${f}`)) rmSync(`${runtimeChunks}/${f}`);
}

// Code caches of earlier builds (bin/pocket.js names each after its bundle's hash).
for (const f of existsSync("packages/cli/dist") ? readdirSync("packages/cli/dist") : []) {
  if (f.endsWith(".v8cache")) rmSync(`packages/cli/dist/${f}`, { force: true });
}
await buildCachedBundles();
if (watch) {
  const { context } = await import("esbuild");
  // Watches them all; a change of a cached bundle's exported names needs a full build.
  for (const bundle of CACHED_BUNDLES) await (await context(bundleOptions(bundle))).watch();
  const ctx = await context(options);
  await ctx.watch();
} else {
  // Same as for the runtime: overwrite in place, then remove the chunks no longer produced.
  const cliBuild = await build({ ...options, metafile: true });
  const cliOutputs = new Set(Object.keys(cliBuild.metafile.outputs));
  const cliChunks = "packages/cli/dist/chunks";
  for (const f of existsSync(cliChunks) ? readdirSync(cliChunks) : []) {
    if (!cliOutputs.has(`${cliChunks}/${f}`)) rmSync(`${cliChunks}/${f}`);
  }
}
