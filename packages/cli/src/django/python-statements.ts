/**
 * Python source split into logical lines (statements): a small lexer (strings, brackets,
 * continuations), enough to find where a statement ends and how far it is indented, never a
 * guess about what it means.
 */

export interface Statement {
  /** First and last physical line (0-based, inclusive). */
  start: number;
  end: number;
  /** The first line's leading whitespace ("" at the top level). */
  indent: string;
  first: string;
  /** The physical lines joined with "\n". */
  text: string;
}

/** Splits Python source into logical lines (statements), or says why it cannot. */
export function statements(text: string): Statement[] | string {
  const lines = text.split("\n");
  const out: Statement[] = [];
  let depth = 0;
  let quote: string | undefined; // the open string's delimiter: ', ", ''' or """
  let start = -1;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (start === -1) {
      if (line.trim() === "" || line.trimStart().startsWith("#")) {
        if (quote === undefined && depth === 0) continue;
      }
      start = i;
    }
    let j = 0;
    while (j < line.length) {
      const ch = line[j]!;
      if (quote !== undefined) {
        if (ch === "\\") {
          j += 2;
          continue;
        }
        if (line.startsWith(quote, j)) {
          j += quote.length;
          quote = undefined;
          continue;
        }
        j++;
        continue;
      }
      if (ch === "#") break;
      if (ch === '"' || ch === "'") {
        quote = line.startsWith(ch.repeat(3), j) ? ch.repeat(3) : ch;
        j += quote.length;
        continue;
      }
      if ("([{".includes(ch)) depth++;
      else if (")]}".includes(ch)) depth--;
      if (depth < 0) return `unbalanced brackets at line ${i + 1}`;
      j++;
    }
    // A one-quote string cannot span lines without a backslash.
    if (quote === "'" || quote === '"') {
      if (!line.endsWith("\\")) return `unterminated string at line ${i + 1}`;
    }
    const continued = line.endsWith("\\") && !line.trimStart().startsWith("#");
    if (depth === 0 && quote === undefined && !continued) {
      const first = lines[start]!;
      out.push({
        start,
        end: i,
        indent: /^\s*/.exec(first)![0],
        first,
        text: lines.slice(start, i + 1).join("\n"),
      });
      start = -1;
    }
  }
  if (start !== -1) return "the file ends inside a statement (an open bracket or string)";
  return out;
}

/** The compound statements (if, try, def, ...) whose body holds `parsed[index]`, outermost first. */
export function enclosing(parsed: Statement[], index: number): Statement[] {
  const out: Statement[] = [];
  let indent = parsed[index]!.indent.length;
  for (let k = index - 1; k >= 0 && indent > 0; k--) {
    const s = parsed[k]!;
    if (s.indent.length < indent) {
      out.unshift(s);
      indent = s.indent.length;
    }
  }
  return out;
}

/**
 * The last line of the top-level statement `parsed[index]` belongs to: a compound one ends with
 * its last body line, after its elif/else/except/finally clauses.
 */
export function topLevelEnd(parsed: Statement[], index: number): number {
  let k = index;
  while (k > 0 && parsed[k]!.indent !== "") k--;
  let end = parsed[k]!.end;
  for (let j = k + 1; j < parsed.length; j++) {
    const s = parsed[j]!;
    if (s.indent === "" && !/^(?:elif|else|except|finally)\b/.test(s.first)) break;
    end = s.end;
  }
  return end;
}
