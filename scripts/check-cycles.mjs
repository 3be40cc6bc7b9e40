// Fails when the TypeScript sources import each other in a circle (type-only imports included:
// a circle of types is still two modules that cannot be understood one without the other), or
// when a module imports from a layer above its own (LAYERS below, the one place the order is
// declared).
// Imports are read with the TypeScript compiler's own pre-processor; relative specifiers are
// resolved the way the build resolves them (`./x.js` -> `./x.ts`, a folder -> its index.ts).
// Usage: node scripts/check-cycles.mjs [root ...]   (default: packages/*/src)
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

const root = resolve(dirname(new URL(import.meta.url).pathname), "..");
const roots =
  process.argv.length > 2
    ? process.argv.slice(2).map((r) => resolve(r))
    : readdirSync(join(root, "packages"))
        .map((p) => join(root, "packages", p, "src"))
        .filter((p) => existsSync(p));

/**
 * The layers of a package's src/, lowest first. Each entry is a folder or a top-level file; a
 * module may import from its own entry and from entries on lower layers, never from a higher
 * layer nor from another entry on its own layer. Every folder and top-level file of a declared
 * package must be listed: a new one takes its place here.
 */
const LAYERS = {
  "packages/cli/src": [
    ["errors.ts", "version.ts", "cwd.ts", "status.ts"], // words every layer uses
    ["util"], // process runner, masking, polls, JSON
    ["stage.ts", "output.ts", "config-cache"], // config-cache: `pocket config show`'s answers kept
    ["config-loader.ts"],
    ["aws"], // the client factory and AWS error wording
    ["cloudfront"], // CloudFront Functions code
    ["templates"], // CloudFormation templates as plain objects
    ["stacks", "buckets"], // one stack; private buckets and objects
    ["init"],
    ["resources", "local", "django"], // the resource contract and kinds; the local harness; pocket django
    ["engine"], // order, lock, confirmation, progress, parameters
    ["takeover"], // a stage the original deployed: its shape read back, what a takeover changes
    ["commands"],
    ["program.ts"], // the top-level program both CLI bundles run
    ["main.ts", "main-config.ts", "main-config-cache.ts", "index.ts"],
  ],
};

const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (/\.tsx?$/.test(name) && !name.endsWith(".d.ts")) files.push(path);
  }
};
for (const r of roots) walk(r);

function resolveImport(from, specifier) {
  if (!specifier.startsWith(".")) return undefined;
  const base = resolve(dirname(from), specifier);
  for (const candidate of [
    base.replace(/\.js$/, ".ts"),
    base.replace(/\.js$/, ".tsx"),
    `${base}.ts`,
    join(base, "index.ts"),
  ]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

const graph = new Map();
for (const file of files) {
  const info = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
  graph.set(file, info.importedFiles.map((f) => resolveImport(file, f.fileName)).filter(Boolean));
}

const cycles = [];
const state = new Map();
const stack = [];
const visit = (file) => {
  state.set(file, "visiting");
  stack.push(file);
  for (const dep of graph.get(file) ?? []) {
    if (state.get(dep) === "visiting") cycles.push([...stack.slice(stack.indexOf(dep)), dep]);
    else if (!state.has(dep)) visit(dep);
  }
  stack.pop();
  state.set(file, "done");
};
for (const file of files) if (!state.has(file)) visit(file);

/** For a file under a declared root: its root, its entry (folder or top-level file) and layer. */
function layerOf(file) {
  for (const [dir, layers] of Object.entries(LAYERS)) {
    const rel = relative(join(root, dir), file);
    if (rel.startsWith("..")) continue;
    const entry = rel.split("/")[0];
    const layer = layers.findIndex((names) => names.includes(entry));
    return { dir, entry, layer };
  }
  return undefined;
}

const unplaced = new Set();
const upward = [];
for (const [file, deps] of graph) {
  const from = layerOf(file);
  if (!from) continue;
  if (from.layer < 0) unplaced.add(`${from.dir}/${from.entry}`);
  for (const dep of deps) {
    const to = layerOf(dep);
    if (!to || to.dir !== from.dir || to.entry === from.entry || from.layer < 0 || to.layer < 0) continue;
    if (to.layer >= from.layer) upward.push(`${relative(root, file)} -> ${relative(root, dep)}`);
  }
}
if (unplaced.size > 0 || upward.length > 0) {
  if (unplaced.size > 0) {
    console.error(`not placed in a layer (add each to LAYERS in scripts/check-cycles.mjs):`);
    for (const u of unplaced) console.error(`  ${u}`);
  }
  if (upward.length > 0) {
    console.error(`imports from a layer that is not lower (${upward.length}):`);
    for (const u of upward) console.error(`  ${u}`);
    console.error("Move what the lower module needs down, or the importing code up.");
  }
  process.exit(1);
}

if (cycles.length > 0) {
  console.error(`import circles (${cycles.length}):`);
  for (const c of cycles) console.error(`  ${c.map((f) => relative(root, f)).join(" -> ")}`);
  console.error("Break each circle: move what both sides need into a module of its own.");
  process.exit(1);
}
console.log(
  `no import circles in ${files.length} files; layer order holds in ${Object.keys(LAYERS).join(", ")}`,
);
