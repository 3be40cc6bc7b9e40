// Fails when the TypeScript sources import each other in a circle (type-only imports included:
// a circle of types is still two modules that cannot be understood one without the other).
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

if (cycles.length > 0) {
  console.error(`import circles (${cycles.length}):`);
  for (const c of cycles) console.error(`  ${c.map((f) => relative(root, f)).join(" -> ")}`);
  console.error("Break each circle: move what both sides need into a module of its own.");
  process.exit(1);
}
console.log(`no import circles in ${files.length} files`);
