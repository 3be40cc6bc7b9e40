// Bundles the CLI into dist/. Bundling is a speed decision: resolving zod's ~100 module files
// costs ~40 ms at every start, a single bundled file ~10 ms. Code splitting keeps every
// `await import()` (AWS SDK clients, deploy engine) in its own chunk, so `pocket config`
// commands never load them.
import { cpSync, existsSync, readdirSync, rmSync } from "node:fs";
import { build } from "esbuild";

const watch = process.argv.includes("--watch");
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

if (watch) {
  const { context } = await import("esbuild");
  const ctx = await context(options);
  await ctx.watch();
} else {
  await build(options);
}
