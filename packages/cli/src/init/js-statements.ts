/**
 * The top-level statements of a JavaScript or TypeScript module, found by tracking brackets,
 * strings and comments (no parser: the CLI is one bundle and a module's outline is all `pocket
 * init` needs to find what starts a server on import).
 */

export interface Statement {
  /** Offsets into the source: `text` is `source.slice(start, end)`. */
  start: number;
  end: number;
  text: string;
  /** 0-based lines of the first and the last character. */
  firstLine: number;
  lastLine: number;
}

const CONTINUES_NEXT = /^(\.|\?|:|\)|\]|\}|\+|-|\*|&&|\|\||,|=>|catch\b|else\b|finally\b)/;
const CONTINUES_PREVIOUS = /(=|,|\(|\[|\{|=>|\+|-|\*|&&|\|\||\?|:)$/;

/** Offset just past the string or comment that starts at `i`, or `i` when none does. */
function skipLiteral(src: string, i: number): number {
  const c = src[i];
  if (c === "/" && src[i + 1] === "/") {
    const nl = src.indexOf("\n", i);
    return nl < 0 ? src.length : nl;
  }
  if (c === "/" && src[i + 1] === "*") {
    const close = src.indexOf("*/", i + 2);
    return close < 0 ? src.length : close + 2;
  }
  if (c === '"' || c === "'" || c === "`") {
    let j = i + 1;
    while (j < src.length && src[j] !== c) {
      if (src[j] === "\\") j += 1;
      else if (c !== "`" && src[j] === "\n") break;
      j += 1;
    }
    return j + 1;
  }
  return i;
}

export function topLevelStatements(src: string): Statement[] {
  const out: Statement[] = [];
  let depth = 0;
  let start = -1;
  const close = (end: number) => {
    if (start < 0) return;
    const text = src.slice(start, end).trimEnd();
    out.push({
      start,
      end: start + text.length,
      text,
      firstLine: lineOf(src, start),
      lastLine: lineOf(src, start + text.length - 1),
    });
    start = -1;
  };
  for (let i = 0; i < src.length; i++) {
    const skipped = skipLiteral(src, i);
    if (skipped !== i) {
      // A comment alone at top level starts no statement.
      if (start < 0 && src[i] === "/") {
        i = skipped - 1;
        continue;
      }
      if (start < 0) start = i;
      i = skipped - 1;
      continue;
    }
    const c = src[i]!;
    if (start < 0) {
      if (/\s|;/.test(c)) continue;
      start = i;
    }
    if (c === "(" || c === "[" || c === "{") depth += 1;
    else if (c === ")" || c === "]" || c === "}") depth = Math.max(0, depth - 1);
    else if (depth === 0 && c === ";") close(i + 1);
    else if (depth === 0 && c === "\n") {
      const sofar = withoutTrailingComment(src.slice(start, i)).trimEnd();
      const next = src.slice(i + 1).trimStart();
      if (!CONTINUES_PREVIOUS.test(sofar) && !CONTINUES_NEXT.test(next)) close(i);
    }
  }
  close(src.length);
  return out;
}

function withoutTrailingComment(line: string): string {
  const at = line.lastIndexOf("//");
  return at >= 0 && !/["'`]/.test(line.slice(at)) ? line.slice(0, at) : line;
}

export function lineOf(src: string, offset: number): number {
  let n = 0;
  for (let i = 0; i < offset && i < src.length; i++) if (src[i] === "\n") n += 1;
  return n;
}
