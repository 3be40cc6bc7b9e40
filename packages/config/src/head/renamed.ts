import type { Issue, PathSegment } from "../diagnostics.js";
import { newTable, type TomlTable } from "../toml/parse.js";

/** One renamed key: a path prefix of the rewritten document and where the file wrote it. */
export type Renamed = [seed: PathSegment[], head: PathSegment[]];

/** The path the file wrote for a path of the rewritten document (the longest renamed prefix wins). */
export function toHeadPath(path: readonly PathSegment[], renamed: Renamed[]): PathSegment[] {
  let best: Renamed | undefined;
  for (const r of renamed) {
    const [seed] = r;
    if (seed.length <= path.length && seed.every((s, i) => path[i] === s)) {
      if (!best || seed.length > best[0].length) best = r;
    }
  }
  return best ? [...best[1], ...path.slice(best[0].length)] : [...path];
}

export function without(t: TomlTable, ...keys: string[]): TomlTable {
  const out = newTable();
  for (const [k, v] of Object.entries(t)) if (!keys.includes(k)) out[k] = v;
  return out;
}

/** A seed-spelled key in a file that uses the original's current spelling: one spelling per file. */
export function oldSpelling(issues: Issue[], path: PathSegment[], what: string, now: string) {
  issues.push({
    code: "mixed-spelling",
    message: `${what}; this file uses the original's current spelling ([container.<name>])`,
    path,
    hint: `Write ${now}.`,
  });
}
