import type { Issue } from "../diagnostics.js";
import { isTable } from "../merge.js";
import type { TomlTable, TomlValue } from "../toml/parse.js";

/**
 * Which front door a file uses (docs/decisions.md#d11-two-spellings-one-schema): the seed's
 * `[awscontainer]` or the original's current `[container.<name>]`. A file with neither (a static
 * site, a database) is the original's current spelling when it writes a key only that spelling
 * has, else the seed's: both spellings mean the same there.
 */
export type Spelling = "seed" | "head";

export function spellingOf(doc: TomlTable): { spelling: Spelling } | { mixed: Issue } {
  const seed = Object.hasOwn(doc, "awscontainer");
  const head = Object.hasOwn(doc, "container");
  if (seed && head) {
    return {
      mixed: {
        code: "mixed-spelling",
        message:
          "pocket.toml mixes two spellings: [awscontainer] (the seed's) and [container.<name>] (the original's current one)",
        path: ["awscontainer"],
        hint: 'Use one spelling in the whole file: rename [awscontainer] to [container.main] (and routes type = "api", handler = "wsgi" to type = "lambda", handler = "main.wsgi"), or [container.main] back to [awscontainer].',
      },
    };
  }
  return { spelling: head || (!seed && writesHeadOnlyKey(doc)) ? "head" : "seed" };
}

const HEAD_ONLY_SECTIONS = ["upstash", "dsql", "backup"];
const HEAD_ONLY_RDS_KEYS = [
  "backup",
  "managed",
  "database",
  "snapshot_identifier",
  "secret_arn",
  "security_group_id",
];
const HEAD_ONLY_ROUTE_KEYS = ["versioning", "upload_dir"];

/** A key (or a value) that only the original's current spelling has, outside `[container]`. */
function writesHeadOnlyKey(doc: TomlTable): boolean {
  const has = (t: TomlValue | undefined, keys: string[]) =>
    isTable(t) && keys.some((k) => Object.hasOwn(t, k));
  if (HEAD_ONLY_SECTIONS.some((s) => Object.hasOwn(doc, s))) return true;
  if (
    has(doc.rds, HEAD_ONLY_RDS_KEYS) ||
    has(doc.neon, ["provisioning"]) ||
    has(doc.tidb, ["provisioning"])
  ) {
    return true;
  }
  if (isTable(doc.s3) && isTable(doc.s3.cors)) return true;
  const distributions = isTable(doc.cloudfront) ? Object.values(doc.cloudfront) : [];
  for (const d of distributions) {
    if (!isTable(d)) continue;
    if (has(d, ["managed_assets"]) || has(d.waf, ["enable_ip_set", "allow_rules"])) return true;
    const routes = Array.isArray(d.routes) ? d.routes : [];
    if (
      routes.some(
        (r) => has(r, HEAD_ONLY_ROUTE_KEYS) || (isTable(r) && (r.type === "lambda" || isTable(r.build))),
      )
    ) {
      return true;
    }
  }
  const schedules = isTable(doc.scheduler) && isTable(doc.scheduler.schedules) ? doc.scheduler.schedules : {};
  return Object.values(schedules).some(
    (s) =>
      isTable(s) &&
      (Object.hasOwn(s, "scheduler") || (typeof s.handler === "string" && s.handler.includes("."))),
  );
}
