import type { Issue } from "./diagnostics.js";
import { isTable } from "./merge.js";
import type { TomlTable } from "./toml/parse.js";

/** A section whose keys name tables of one kind: `[cloudfront.<name>]`, `[container.<name>]`. */
export interface NamedTablesSection {
  /** The section's key: `cloudfront`. */
  key: string;
  /** What each table is, in the singular: `distribution`. */
  what: string;
  /** A table as the file should write it: `[cloudfront.main] with routes = [...]`. */
  example: string;
  /** How to write the section when it is not a table at all. */
  hint: string;
}

/**
 * The section's named tables, in the file's order. A section that is not a table is one issue
 * (and no tables); a key whose value is not a table is one issue each (usually a setting written
 * one level too high), pushed as the iteration passes it, so that the caller's own issues about
 * each table stay in the file's order too.
 */
export function* namedTables(
  value: unknown,
  section: NamedTablesSection,
  issues: Issue[],
): Generator<[name: string, table: TomlTable]> {
  const { key, what } = section;
  if (!isTable(value)) {
    issues.push({
      code: "invalid-type",
      message: `${key} must be a table of named ${what}s`,
      path: [key],
      hint: section.hint,
    });
    return;
  }
  for (const [name, table] of Object.entries(value)) {
    if (isTable(table)) yield [name, table];
    else
      issues.push({
        code: "invalid-type",
        message: `${key}.${name} must be a table`,
        path: [key, name],
        hint: `${what[0]!.toUpperCase()}${what.slice(1)}s are named tables: ${section.example}. "${name}" looks like a ${what} setting written one level too high.`,
      });
  }
}
