import type { Issue, PathSegment } from "../diagnostics.js";
import { isTable } from "../merge.js";
import type { TomlTable } from "../toml/parse.js";

/**
 * Keys of the original's current spelling whose feature pocket has not built. Each is refused
 * with `unsupported-feature` where it is written: a key accepted and then ignored would deploy
 * something other than what the file says (docs/decisions.md#d11-two-spellings-one-schema).
 * A key written with the value that means "off" (the original's default) is no feature and is
 * accepted.
 */
export function unbuiltIssues(doc: TomlTable): Issue[] {
  const issues: Issue[] = [];
  const refuse = (path: PathSegment[], what: string, hint?: string) =>
    issues.push({
      code: "unsupported-feature",
      message: `${path.join(".")}: ${what} is not supported by pocket yet`,
      path,
      hint: hint ?? "Remove the key; pocket refuses it rather than deploying without it.",
    });

  // [dsql] is built (docs/decisions.md#b13-aurora-dsql); its AWS Backup plan not yet.
  if (isTable(doc.backup) && Object.hasOwn(doc.backup, "dsql")) {
    refuse(["backup", "dsql"], "[backup.dsql] (AWS Backup plans for Aurora DSQL)");
  }
  // provisioning = "command" of [neon], [tidb] and [upstash] is built
  // (docs/decisions.md#b12-provisioning-by-command).
  // managed_assets is built (docs/decisions.md#e23-managed-assets).
  return issues;
}
