import type { Issue, PathSegment } from "../diagnostics.js";
import { isTable } from "../merge.js";
import type { TomlTable } from "../toml/parse.js";

/**
 * `type = "auto_database_url"`: the stage's one database section (`[neon]`, `[rds]` or `[tidb]`,
 * after the stage's tables are merged) picks the URL's type, so `[dev.neon]` and `[prod.rds]`
 * give each stage its own (docs/decisions.md#d11-two-spellings-one-schema).
 */
const DATABASE_SECTIONS = ["neon", "rds", "tidb"] as const;
export type AutoDatabase = (typeof DATABASE_SECTIONS)[number];

/** The stage's database section when there is exactly one; otherwise none. */
export function autoDatabaseOf(doc: TomlTable): AutoDatabase | undefined {
  const present = DATABASE_SECTIONS.filter((s) => isTable(doc[s]));
  return present.length === 1 ? present[0] : undefined;
}

/** The managed secret type `auto_database_url` stands for with that database. */
export function autoDatabaseType(database: AutoDatabase): string {
  return `${database}_database_url`;
}

/** An `auto_database_url` of a stage with no database section, or with several, is an error where it is written. */
export function autoDatabaseIssues(doc: TomlTable): Issue[] {
  const present = DATABASE_SECTIONS.filter((s) => isTable(doc[s]));
  if (present.length === 1 || !isTable(doc.container)) return [];
  const issues: Issue[] = [];
  for (const [name, c] of Object.entries(doc.container)) {
    const managed = isTable(c) && isTable(c.secrets) ? c.secrets.managed : undefined;
    if (!isTable(managed)) continue;
    for (const [key, spec] of Object.entries(managed)) {
      if (!isTable(spec) || spec.type !== "auto_database_url") continue;
      const path: PathSegment[] = ["container", name, "secrets", "managed", key, "type"];
      issues.push(
        present.length === 0
          ? {
              code: "auto-database-url-no-database",
              message: `${path.join(".")}: auto_database_url needs a database section for this stage, and there is none`,
              path,
              hint: "Add [neon], [rds] or [tidb] (or its [<stage>.*] table) for this stage.",
            }
          : {
              code: "auto-database-url-ambiguous",
              message: `${path.join(".")}: auto_database_url needs one database section for this stage, and there are ${present.length} (${present.map((s) => `[${s}]`).join(", ")})`,
              path,
              hint: 'Keep one database per stage, or name it: type = "neon_database_url" or "tidb_database_url".',
            },
      );
    }
  }
  return issues;
}
