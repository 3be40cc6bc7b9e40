// Bundles the CLI into dist/, for start-up speed (bench/config-show.mjs; docs/decisions.md#p21-cli-bundle).
// - dist/cli.cjs: pocket's own code with @magic-pocket/config, zod, the TOML parsers and commander,
//   one CommonJS file. bin/pocket.cjs runs it with a V8 code cache on Node 20, which has no
//   module.enableCompileCache (Node 22+ caches every module itself): compiling was a third of a
//   short command's time, and one cached file replaces ~40 ES module files each compiled anew.
//   Every `await import()` inside it stays lazy (esbuild runs such a module on first import), so
//   `pocket config` never runs the deploy engine.
// - dist/cli-config.cjs: the same for `pocket config ...` alone (src/main-config.ts), which
//   bin/pocket.cjs runs for those lines: 40 % of the full bundle's size, so an offline command
//   reads, and loads from its code cache, less code (bench/config-show.mjs).
// - dist/vendor/: the large packages pocket imports only when it needs them (the AWS SDK clients,
//   prompts, the YAML reader, MySQL, ...), bundled as ES modules with their shared code split
//   out: loading one bundled client is faster than loading its ~60 package files
//   (bench/deploy-noop.mjs).
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { build } from "esbuild";

const watch = process.argv.includes("--watch");
const DIST = "packages/cli/dist";

/** Packages loaded only on demand (always through `await import()`), from dist/vendor/. */
const VENDOR =
  /^(@aws-sdk\/|@smithy\/|@clack\/prompts$|yaml$|mysql2(\/|$)|fflate$|mime-types$|@balena\/dockerignore$)/;
const vendorFile = (specifier) => `${specifier.replace(/^@/, "").replace(/[^A-Za-z0-9.-]/g, "-")}.js`;

/** Points each vendor import of the CLI bundle at its file in dist/vendor/, and records them. */
function vendorImports(found) {
  return {
    name: "pocket-vendor-imports",
    setup(b) {
      b.onResolve({ filter: VENDOR }, ({ path, kind }) => {
        if (kind !== "dynamic-import") {
          return {
            errors: [{ text: `${path} is imported statically; pocket loads it with await import()` }],
          };
        }
        found.add(path);
        return { path: `./vendor/${vendorFile(path)}`, external: true };
      });
    },
  };
}

/**
 * Node's built-in modules that `node -e 0` does not load, made lazy in the CLI bundle: each
 * `require()` of one becomes `__pocketLazyRequire()` (the banner), a stand-in that loads the
 * module on first use. esbuild runs every module a command imports, and so their `require()`s:
 * commander requires child_process when loaded (for executable sub-commands, which pocket has
 * none of), and with it net, dgram and the streams; the resources' modules require crypto,
 * readline, http, ... Loading them was ~10 ms of `pocket config show` (bench/config-show.mjs).
 * The sources import these modules by name only (`import { x } from "node:crypto"`), which
 * esbuild compiles to a property read at each use, so the stand-in stays unloaded until then.
 */
const LAZY_BUILTINS = [
  "child_process",
  "crypto",
  "fs/promises",
  "http",
  "net",
  "os",
  "readline",
  "timers/promises",
];

function withLazyBuiltins(code) {
  const lazy = new RegExp(`\\brequire\\((?="(?:node:)?(?:${LAZY_BUILTINS.join("|")})"\\))`, "g");
  return code.replace(lazy, "__pocketLazyRequire(");
}

const vendorsFound = new Set();
/** The CLI bundles, by the key bin/pocket.cjs finds each one's hash under in dist/bundles.json. */
const CLI_BUNDLES = {
  cli: { entry: "packages/cli/src/main.ts", outfile: `${DIST}/cli.cjs` },
  config: { entry: "packages/cli/src/main-config.ts", outfile: `${DIST}/cli-config.cjs` },
  // `pocket config show`'s cached answers, checked and printed before cli-config.cjs loads.
  "config-show-cache": {
    entry: "packages/cli/src/main-config-cache.ts",
    outfile: `${DIST}/config-show-cache.cjs`,
  },
};
const cliOptions = {
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node22",
  conditions: ["source"],
  mainFields: ["module", "main"],
  plugins: [vendorImports(vendorsFound)],
  // Smaller source is less to read and scan at every start (~15 ms on `pocket config show`);
  // names are kept, so stack traces (POCKET_DEBUG=1) stay readable.
  minifyWhitespace: true,
  minifySyntax: true,
  // ASCII only: the bin reads the bundle without decoding UTF-8 (bin/pocket.cjs).
  charset: "ascii",
  // The sources are ES modules; in the CommonJS bundle, import.meta.url is the bundle's URL.
  define: { "import.meta.url": "__pocketBundleUrl" },
  banner: {
    js: [
      'const __pocketBundleUrl = require("node:url").pathToFileURL(__filename).href;',
      // Loads a dist/vendor/ file (see withVendorLoader). bin/pocket.cjs, which runs this bundle
      // from a code cache on Node 20, passes an import() of its own: Node 20 loses a vm
      // script's dynamic-import hook when its code comes from a cache.
      "const __pocketImport = (path) => {",
      "  const url = new URL(path, __pocketBundleUrl).href;",
      '  const load = globalThis[Symbol.for("magic-pocket.import")];',
      "  return load ? load(url) : import(url);",
      "};",
      // A built-in module loaded on first use (see withLazyBuiltins).
      "const __pocketLazyRequire = (name) => {",
      "  let loaded;",
      "  const load = () => (loaded ??= require(name));",
      "  return new Proxy({}, {",
      "    get: (_, key) => load()[key],",
      "    has: (_, key) => key in load(),",
      "    ownKeys: () => Reflect.ownKeys(load()),",
      "    getOwnPropertyDescriptor: (_, key) => ({ ...Reflect.getOwnPropertyDescriptor(load(), key), configurable: true }),",
      "  });",
      "};",
    ].join("\n"),
  },
  sourcemap: "linked",
  logLevel: "warning",
};

/**
 * Each vendor file re-exports its package's names as Node sees them (a CommonJS package's too:
 * bundled as the entry itself, it would export only `default`). The build runs from the
 * repository root, where the workspace's packages resolve.
 */
async function vendorEntries() {
  const entries = {};
  for (const specifier of vendorsFound) {
    const ns = await import(specifier);
    // `__esModule` and `__proto__` are CommonJS interop markers Node may list (an older SDK
    // package's, @aws-sdk/client-dsql), never names the package exports.
    const names = Object.keys(ns).filter(
      (n) => !["default", "__esModule", "__proto__"].includes(n) && /^[A-Za-z_$][\w$]*$/.test(n),
    );
    const lines = [`export { ${names.join(", ")} } from ${JSON.stringify(specifier)};`];
    // A default that is more than the CommonJS exports object again (a package that exports a
    // function, like @balena/dockerignore) is re-exported too.
    if (typeof ns.default === "function") lines.push(`export { default } from ${JSON.stringify(specifier)};`);
    entries[vendorFile(specifier).replace(/\.js$/, "")] = lines.join("\n");
  }
  return entries;
}

const vendorOptions = (entries) => ({
  entryPoints: Object.keys(entries).map((name) => ({ in: `vendor:${name}`, out: name })),
  outdir: `${DIST}/vendor`,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node22",
  // The SDK's ES module builds: its CommonJS builds lose their named exports when bundled.
  mainFields: ["module", "main"],
  chunkNames: "chunks/[name]-[hash]",
  logLevel: "warning",
  plugins: [
    {
      name: "pocket-vendor-entries",
      setup(b) {
        b.onResolve({ filter: /^vendor:/ }, ({ path }) => ({
          path: path.slice(7),
          namespace: "pocket-vendor",
        }));
        b.onLoad({ filter: /.*/, namespace: "pocket-vendor" }, ({ path }) => ({
          contents: entries[path],
          resolveDir: resolve("."),
          loader: "js",
        }));
      },
    },
  ],
  banner: {
    // Bundled CommonJS dependencies (mysql2, mime-types) call require(); give them one.
    js: "import { createRequire as __pocketCreateRequire } from 'node:module'; const require = __pocketCreateRequire(import.meta.url);",
  },
});

/** dist/bundles.json: each CLI bundle's content hash, which names its code cache (bin/pocket.cjs). */
const bundleHashes = {};
function recordHash(key, text) {
  bundleHashes[key] = createHash("sha256").update(text).digest("hex").slice(0, 16);
  writeFileSync(`${DIST}/bundles.json`, `${JSON.stringify(bundleHashes, null, 2)}\n`);
}

// The runtimes `pocket init` and `pocket django init` put into a project are packed by
// scripts/release/pack-runtimes.mjs (a tarball and a wheel in dist/runtimes), not here: packing
// takes seconds, and a checkout's CLI packs them on first use.
rmSync("packages/cli/dist/python-runtime", { recursive: true, force: true });

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
  target: "node22",
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

// Code caches of earlier builds (bin/pocket.cjs names each after its bundle's hash), and the
// layout of earlier versions (an ES module CLI in chunks, separately cached bundles).
for (const f of existsSync(DIST) ? readdirSync(DIST) : []) {
  if (f.endsWith(".v8cache") || /^(main\.js|config\.cjs|commander\.cjs)(\.map)?$/.test(f))
    rmSync(`${DIST}/${f}`);
}
rmSync(`${DIST}/chunks`, { recursive: true, force: true });

/**
 * The CLI bundle with every import of a dist/vendor/ file made through __pocketImport (the
 * banner): esbuild writes each as `import("./vendor/NAME.js")`, from vendorImports above.
 */
function withVendorLoader(key, code) {
  const vendor = /\bimport\((?="\.\/vendor\/[^"]+\.js"\))/g;
  const count = code.match(vendor)?.length ?? 0;
  if (count === 0 && key === "cli")
    throw new Error("build: no vendor import found in the CLI bundle; check vendorImports");
  return code.replace(vendor, "__pocketImport(");
}

/** Writes a CLI bundle as esbuild made it, with both rewrites above, and records its hash. */
function writeCliBundle(key, path, text) {
  const code = withLazyBuiltins(withVendorLoader(key, text));
  writeFileSync(path, code);
  recordHash(key, code);
}

// The CLI bundle is written by hand (write: false above), so its folder must exist on a fresh clone.
mkdirSync(DIST, { recursive: true });
const bundleOptions = ({ entry, outfile }) => ({ ...cliOptions, entryPoints: [entry], outfile });
for (const [key, bundle] of Object.entries(CLI_BUNDLES)) {
  const cli = await build({ ...bundleOptions(bundle), write: false });
  for (const out of cli.outputFiles) {
    if (out.path.endsWith(".cjs")) {
      writeCliBundle(key, out.path, out.text);
    } else {
      writeFileSync(out.path, out.contents);
    }
  }
}
// Same as for the runtime: overwrite in place, then remove the chunks no longer produced.
const vendor = await build({ ...vendorOptions(await vendorEntries()), metafile: true });
const vendorOutputs = new Set(Object.keys(vendor.metafile.outputs));
for (const dir of [`${DIST}/vendor`, `${DIST}/vendor/chunks`]) {
  for (const f of existsSync(dir) ? readdirSync(dir) : []) {
    if (f !== "chunks" && !vendorOutputs.has(`${dir}/${f}`)) rmSync(`${dir}/${f}`);
  }
}

if (watch) {
  // Rebuilds the CLI bundles on change; a new vendor import needs a full build.
  const { context } = await import("esbuild");
  for (const [key, bundle] of Object.entries(CLI_BUNDLES)) {
    const hash = {
      name: "pocket-bundle-hash",
      setup: (b) => b.onEnd(() => writeCliBundle(key, bundle.outfile, readFileSync(bundle.outfile, "utf8"))),
    };
    const options = bundleOptions(bundle);
    await (await context({ ...options, plugins: [...options.plugins, hash] })).watch();
  }
}
