import { type Dirent, readdirSync, readFileSync } from "node:fs";
import { extname, join, relative, sep } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * A maintainer has only this repository, so comments explain themselves or link to an entry of
 * docs/decisions.md; they never cite the design notes this project was started from (outside the
 * repository), nor the original tool's defect numbers and section marks. Code may still read the
 * configuration guide from its folder beside the checkout (a test fixture), so paths there are
 * only refused in comments. Every `docs/decisions.md#anchor` must name an existing heading.
 */

const ROOT = join(import.meta.dirname, "../../..");
const DECISIONS_FILE = "docs/decisions.md";
/** This file: its examples of what the check refuses are on purpose. */
const SELF = "packages/config/test/no-external-citations.test.ts";
const TREES = ["packages", "python", "scripts", "bench", "docs", "examples"];
const SKIP_DIRS = new Set([
  "node_modules",
  "dist",
  ".git",
  ".venv",
  ".deps",
  "__pycache__",
  ".pytest_cache",
  ".ruff_cache",
  ".mypy_cache",
  "coverage",
]);

type Syntax = "slash" | "python" | "hash" | "prose";
const SYNTAX: Record<string, Syntax> = {
  ".ts": "slash",
  ".mts": "slash",
  ".cts": "slash",
  ".js": "slash",
  ".mjs": "slash",
  ".cjs": "slash",
  ".py": "python",
  ".sh": "hash",
  ".toml": "hash",
  ".yml": "hash",
  ".yaml": "hash",
  ".md": "prose",
};

interface Line {
  number: number;
  /** The parts of the line that are comments (docstrings count as comments in Python). */
  comment: string;
  /** The whole line. */
  text: string;
}

/** Splits a file into lines, each with its comment text, tracking block comments and strings. */
function commentLines(source: string, syntax: Syntax): Line[] {
  const out: Line[] = [];
  let inBlock = false; // `/* ... */` or a Python triple-quoted string
  let blockQuote = "";
  source.split("\n").forEach((text, i) => {
    if (syntax === "prose") {
      out.push({ number: i + 1, comment: text, text });
      return;
    }
    let comment = "";
    let quote = "";
    let j = 0;
    while (j < text.length) {
      if (inBlock) {
        const end = syntax === "slash" ? "*/" : blockQuote;
        const k = text.indexOf(end, j);
        comment += text.slice(j, k === -1 ? undefined : k);
        if (k === -1) break;
        inBlock = false;
        j = k + end.length;
        continue;
      }
      const c = text[j]!;
      if (quote) {
        if (c === "\\") j++;
        else if (c === quote) quote = "";
        j++;
        continue;
      }
      const two = text.slice(j, j + 2);
      const three = text.slice(j, j + 3);
      if (syntax === "slash" && two === "//") {
        comment += text.slice(j + 2);
        break;
      }
      if (syntax === "slash" && two === "/*") {
        inBlock = true;
        j += 2;
        continue;
      }
      if (syntax === "python" && (three === '"""' || three === "'''")) {
        inBlock = true;
        blockQuote = three;
        j += 3;
        continue;
      }
      if (syntax !== "slash" && c === "#") {
        comment += text.slice(j + 1);
        break;
      }
      if (c === '"' || c === "'" || c === "`") quote = c;
      j++;
    }
    out.push({ number: i + 1, comment, text });
  });
  return out;
}

/** Why a line cites something outside the repository, or undefined when it does not. */
function citation(line: Line): string | undefined {
  // Anywhere, code included: nothing in the repository needs these names.
  if (/\bDECISIONS\b/.test(line.text)) return "cites DECISIONS.md";
  if (/reference-(?:config|deploy|runtime)\b/.test(line.text)) return "cites a reference-*.md note";
  if (/shared\/spec\b/.test(line.text)) return "cites ../shared/spec";
  // In comments only: code may read the guide beside the checkout.
  const c = line.comment;
  if (/(?:\.\.\/)+shared\b|shared\/seed\b/.test(c)) return "cites a file outside the repository";
  if (/§/.test(c.replace(/\bRFC\s*\d+\s*§/g, ""))) return "cites a section mark of an outside document";
  if (/\breference defect\b/i.test(c)) return "cites the original's defect list";
  if (/\bD\d{1,2}\b/.test(c) && !c.includes("decisions.md"))
    return "cites a defect or decision number without docs/decisions.md";
  return undefined;
}

/** GitHub's heading anchors: lower case, punctuation but `-` and `_` dropped, spaces as `-`. */
function anchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, "")
    .replace(/ /g, "-");
}

function decisionAnchors(markdown: string): Set<string> {
  return new Set([...markdown.matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchor(m[1]!)));
}

/** Links into docs/decisions.md (from anywhere) and in-page links of decisions.md itself. */
function brokenLinks(text: string, anchors: Set<string>, isDecisionsFile: boolean): string[] {
  const links = [...text.matchAll(/decisions\.md#([A-Za-z0-9_-]+)/g)].map((m) => m[1]!);
  if (isDecisionsFile) links.push(...[...text.matchAll(/\]\(#([A-Za-z0-9_-]+)\)/g)].map((m) => m[1]!));
  return links.filter((a) => !anchors.has(a));
}

function* files(dir: string): Generator<string> {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return; // a tree this checkout does not have
  }
  for (const e of entries) {
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name)) yield* files(join(dir, e.name));
    } else if (e.isFile() && SYNTAX[extname(e.name)]) {
      yield join(dir, e.name);
    }
  }
}

describe("comments cite only what is in the repository", () => {
  const anchors = decisionAnchors(readFileSync(join(ROOT, DECISIONS_FILE), "utf8"));
  const scanned = TREES.flatMap((t) => [...files(join(ROOT, t))])
    .map((f) => ({ path: relative(ROOT, f).split(sep).join("/"), file: f }))
    .filter((f) => f.path !== SELF)
    .map((f) => ({ path: f.path, text: readFileSync(f.file, "utf8") }));

  it("scans the source trees", () => {
    const paths = scanned.map((f) => f.path);
    for (const expected of ["packages/config/src/load.ts", "python/src/pocket/secrets.py", DECISIONS_FILE]) {
      expect(paths).toContain(expected);
    }
  });

  it("no comment cites DECISIONS.md, a reference-*.md note, ../shared or the original's numbering", () => {
    const found: string[] = [];
    for (const f of scanned) {
      if (f.path === DECISIONS_FILE) continue; // the document itself names the original's guide
      for (const line of commentLines(f.text, SYNTAX[extname(f.path)]!)) {
        const why = citation(line);
        if (why) found.push(`${f.path}:${line.number}: ${why}: ${line.text.trim()}`);
      }
    }
    expect(found).toEqual([]);
  });

  it("every link into docs/decisions.md names an existing heading", () => {
    const found: string[] = [];
    for (const f of scanned) {
      for (const a of brokenLinks(f.text, anchors, f.path === DECISIONS_FILE)) {
        found.push(`${f.path}: no heading for #${a}`);
      }
    }
    expect(found).toEqual([]);
  });
});

describe("the citation check", () => {
  const lines = (source: string, syntax: Syntax) =>
    commentLines(source, syntax)
      .map((l) => citation(l))
      .filter((w) => w !== undefined);

  it("finds citations in line comments, block comments and docstrings", () => {
    expect(lines("const a = 1; // see DECISIONS 4\n", "slash")).toHaveLength(1);
    expect(lines("/**\n * as reference-deploy §7.5 says\n */\n", "slash")).toHaveLength(1);
    expect(lines('def f():\n    """Fixes reference defect D5."""\n', "python")).toHaveLength(1);
    expect(lines('x = 1  # (sic) D18\n"""\nUnlike the original (D36).\n"""\n', "python")).toHaveLength(2);
    expect(lines("# read ../shared/spec/notes.md\n", "hash")).toHaveLength(1);
    expect(lines("// the guide is in ../shared/seed/configuration.ja.md\n", "slash")).toHaveLength(1);
  });

  it("lets code read the guide beside the checkout, RFC sections and links to decisions.md pass", () => {
    expect(lines('const SEED = join(root, "../shared/seed/configuration.ja.md");\n', "slash")).toEqual([]);
    expect(lines("// RFC 7616 §3.9.1: the worked example\n", "slash")).toEqual([]);
    expect(
      lines("// keys are checked (docs/decisions.md#d2-unknown-keys-are-errors-everywhere)\n", "slash"),
    ).toEqual([]);
    expect(lines('it("falls back (D8 in docs/decisions.md)", () => {});\n', "slash")).toEqual([]);
    expect(lines('const url = "https://example.com/a"; // plain comment\n', "slash")).toEqual([]);
  });

  it("reports links to headings that do not exist", () => {
    const anchors = decisionAnchors("# Title\n### D4 Project root and name\n### P6 Least-privilege IAM\n");
    expect([...anchors]).toEqual(["title", "d4-project-root-and-name", "p6-least-privilege-iam"]);
    expect(brokenLinks("see docs/decisions.md#d4-project-root-and-name.", anchors, false)).toEqual([]);
    expect(brokenLinks("see docs/decisions.md#d4-project-root", anchors, false)).toEqual(["d4-project-root"]);
    expect(brokenLinks("[P6](#p6-least-privilege-iam) [X](#x)", anchors, true)).toEqual(["x"]);
  });
});
