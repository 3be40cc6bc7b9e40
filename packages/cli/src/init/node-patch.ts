/**
 * The smallest edit that makes an app's module loadable without opening a server, and hands its
 * app out: each statement that starts a server gets a main-module guard (it still runs with
 * `node server.js`), and an app that no statement exports gets one export line. The edit is shown
 * as a unified diff before it is made (with consent) or instead (without a terminal).
 */
import type { ModuleFormat, NodeApp, Reach } from "./node-app.js";

export interface AppPatch {
  /** The module's new text. */
  text: string;
  /** A unified diff of the edit, `a/<file>` to `b/<file>`. */
  diff: string;
  /** How the app is reachable once the edit is made. */
  reach: Reach;
}

interface LineEdit {
  /** 0-based first line replaced, and how many lines. */
  line: number;
  remove: number;
  add: string[];
}

/** The guard: true when the module is the program (`node server.js`), false when loaded. */
function guard(syntax: ModuleFormat): string {
  // import.meta.filename (Node >= 20.11) is the module's resolved path, as process.argv[1] is.
  return syntax === "esm" ? "import.meta.filename === process.argv[1]" : "require.main === module";
}

/** The edit for `app`, or the reasons it cannot be made by a program (then the user makes it). */
export function patchApp(app: NodeApp, text: string): AppPatch | { refused: string[] } {
  const refused = app.starters.flatMap((s) =>
    s.unpatchable ? [`line ${s.statement.firstLine + 1}: ${s.unpatchable}`] : [],
  );
  if (refused.length > 0) return { refused };
  const lines = text.split("\n");
  const edits: LineEdit[] = [];
  // TypeScript compiled to CommonJS has no import.meta: the guard follows the loaded module.
  const condition = guard(app.typescript ? app.format : app.sourceSyntax);
  for (const { statement: s } of app.starters) {
    const original = lines.slice(s.firstLine, s.lastLine + 1);
    const indent = /^\s*/.exec(original[0]!)![0];
    if (original.length === 1) {
      edits.push({
        line: s.firstLine,
        remove: 1,
        add: [`${indent}if (${condition}) ${original[0]!.trimStart()}`],
      });
    } else {
      edits.push({
        line: s.firstLine,
        remove: original.length,
        add: [`if (${condition}) {`, ...original, "}"],
      });
    }
  }
  let reach = app.reach;
  if (!reach) {
    const hasModuleExports = /module\.exports\s*=/.test(text);
    const line =
      app.sourceSyntax === "esm"
        ? `export default ${app.appName};`
        : hasModuleExports
          ? `module.exports.${app.appName} = ${app.appName};`
          : `module.exports = ${app.appName};`;
    reach =
      app.sourceSyntax === "esm"
        ? { kind: "default" }
        : hasModuleExports
          ? { kind: "named", name: app.appName }
          : { kind: "module" };
    const end = lines.at(-1) === "" ? lines.length - 1 : lines.length;
    edits.push({ line: end, remove: 0, add: [line] });
  }
  const next = apply(lines, edits);
  return { text: next.join("\n"), diff: unifiedDiff(app.source, lines, edits), reach };
}

function apply(lines: string[], edits: LineEdit[]): string[] {
  const out = [...lines];
  for (const e of [...edits].sort((a, b) => b.line - a.line)) out.splice(e.line, e.remove, ...e.add);
  return out;
}

const CONTEXT = 3;

/** `diff -u`'s format for line edits that do not overlap; `git apply` and `patch -p1` take it. */
export function unifiedDiff(file: string, lines: string[], edits: LineEdit[]): string {
  const sorted = [...edits].sort((a, b) => a.line - b.line);
  // Edits whose context windows touch go into one hunk.
  const groups: LineEdit[][] = [];
  for (const e of sorted) {
    const last = groups.at(-1)?.at(-1);
    if (last && e.line - (last.line + last.remove) <= 2 * CONTEXT) groups.at(-1)!.push(e);
    else groups.push([e]);
  }
  const body = lines.at(-1) === "" ? lines.slice(0, -1) : lines;
  let shift = 0;
  const out = [`--- a/${file}`, `+++ b/${file}`];
  for (const group of groups) {
    const first = group[0]!;
    const last = group.at(-1)!;
    const from = Math.max(0, first.line - CONTEXT);
    const to = Math.min(body.length, last.line + last.remove + CONTEXT);
    const hunk: string[] = [];
    let at = from;
    let added = 0;
    for (const e of group) {
      for (; at < e.line; at++) hunk.push(` ${body[at]}`);
      for (let i = 0; i < e.remove; i++) hunk.push(`-${body[at + i]}`);
      for (const a of e.add) hunk.push(`+${a}`);
      at += e.remove;
      added += e.add.length - e.remove;
    }
    for (; at < to; at++) hunk.push(` ${body[at]}`);
    const oldCount = to - from;
    const newCount = oldCount + added;
    out.push(`@@ -${from + 1},${oldCount} +${from + 1 + shift},${newCount} @@`, ...hunk);
    shift += added;
  }
  return `${out.join("\n")}\n`;
}
