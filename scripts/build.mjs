// Bundles the CLI into dist/. Bundling is a speed decision: resolving zod's ~100 module files
// costs ~40 ms at every start, a single bundled file ~10 ms. Code splitting keeps every
// `await import()` (AWS SDK clients, deploy engine) in its own chunk, so `pocket config`
// commands never load them.
import { cpSync, existsSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { build } from "esbuild";

const watch = process.argv.includes("--watch");

// @magic-pocket/config (zod, the TOML parser, the rules: most of what `pocket config` and the
// template commands run) is bundled on its own as CommonJS, so bin/pocket.js can load it with a
// V8 code cache on Node versions without module.enableCompileCache (Node 20): compiling it was
// about a third of `pocket config show`'s time. The CLI bundle reads it through a tiny module
// that takes what the bin loaded (configModule below).
const CONFIG_BUNDLE = "packages/cli/dist/config.cjs";
const configOptions = {
  entryPoints: ["packages/config/src/index.ts"],
  outfile: CONFIG_BUNDLE,
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  conditions: ["source"],
  sourcemap: "linked",
  logLevel: "warning",
};

/** The names @magic-pocket/config exports, read from the built bundle. */
function configExports() {
  const require = createRequire(import.meta.url);
  const file = resolve(CONFIG_BUNDLE);
  delete require.cache[file];
  return Object.keys(require(file)).filter((name) => name !== "__esModule");
}

/** Resolves `@magic-pocket/config` in the CLI bundle to the separately built, cached one. */
const configModule = {
  name: "pocket-config-bundle",
  setup(b) {
    b.onResolve({ filter: /^@magic-pocket\/config$/ }, () => ({
      path: "config",
      namespace: "pocket-config",
    }));
    b.onLoad({ filter: /.*/, namespace: "pocket-config" }, () => ({
      loader: "js",
      resolveDir: resolve("packages/cli/dist"),
      contents: [
        'import { createRequire } from "node:module";',
        // bin/pocket.js puts the loaded bundle here; a direct import of dist/main.js requires it.
        'const m = globalThis[Symbol.for("magic-pocket.config")] ?? findBundle();',
        "function findBundle() {",
        "  const require = createRequire(import.meta.url);",
        '  for (const path of ["./config.cjs", "../config.cjs"]) {',
        '    try { return require(path); } catch (error) { if (error.code !== "MODULE_NOT_FOUND") throw error; }',
        "  }",
        '  throw new Error("pocket: dist/config.cjs is missing; run the build again");',
        "}",
        `export const { ${configExports().join(", ")} } = m;`,
      ].join("\n"),
    }));
  },
};

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
  plugins: [configModule],
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
await build(configOptions);
if (watch) {
  const { context } = await import("esbuild");
  // Watches both; a change of the config package's exported names needs a full build.
  const configCtx = await context(configOptions);
  await configCtx.watch();
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
