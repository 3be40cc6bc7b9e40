import { formatPath, type Issue, type PathSegment } from "../diagnostics.js";
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
  const headKey = head ? undefined : headOnlyKey(doc);
  if (seed && headKey) {
    return {
      mixed: {
        code: "mixed-spelling",
        message: `${formatPath(headKey)} is the original's current spelling, but this file uses [awscontainer] (the seed's)`,
        path: headKey,
        hint: 'Use one spelling in the whole file: write this key as the README\'s reference does (e.g. type = "api", handler = "wsgi"; is_versioned = true), or rename [awscontainer] to [container.main] (see "Coming from the original" in the README).',
      },
    };
  }
  return { spelling: head || headKey ? "head" : "seed" };
}

// [upstash] and [dsql] are built and mean the same in both spellings, so they say nothing about
// the file's.
const HEAD_ONLY_SECTIONS = ["backup"];
const HEAD_ONLY_RDS_KEYS = [
  "backup",
  "managed",
  "database",
  "snapshot_identifier",
  "secret_arn",
  "security_group_id",
];
const HEAD_ONLY_ROUTE_KEYS = ["versioning", "upload_dir"];

/** The first key (or value) that only the original's current spelling has, outside `[container]`. */
function headOnlyKey(doc: TomlTable): PathSegment[] | undefined {
  const first = (t: TomlValue | undefined, keys: string[]) =>
    isTable(t) ? keys.find((k) => Object.hasOwn(t, k)) : undefined;
  const section = first(doc, HEAD_ONLY_SECTIONS);
  if (section) return [section];
  const handlers = isTable(doc.awscontainer) ? doc.awscontainer.handlers : undefined;
  for (const [key, h] of Object.entries(isTable(handlers) ? handlers : {})) {
    if (isTable(h) && Object.hasOwn(h, "envs")) return ["awscontainer", "handlers", key, "envs"];
  }
  for (const [name, keys] of [
    ["rds", HEAD_ONLY_RDS_KEYS],
    ["neon", ["provisioning"]],
    ["tidb", ["provisioning"]],
  ] as const) {
    const key = first(doc[name], [...keys]);
    if (key) return [name, key];
  }
  if (isTable(doc.s3) && isTable(doc.s3.cors)) return ["s3", "cors"];
  for (const [name, d] of Object.entries(isTable(doc.cloudfront) ? doc.cloudfront : {})) {
    if (!isTable(d)) continue;
    const waf = first(d.waf, ["enable_ip_set", "allow_rules"]);
    if (waf) return ["cloudfront", name, "waf", waf];
    const routes = Array.isArray(d.routes) ? d.routes : [];
    for (const [i, r] of routes.entries()) {
      if (!isTable(r)) continue;
      const key =
        first(r, HEAD_ONLY_ROUTE_KEYS) ??
        (r.type === "lambda" ? "type" : isTable(r.build) ? "build" : undefined);
      if (key) return ["cloudfront", name, "routes", i, key];
    }
  }
  const schedules = isTable(doc.scheduler) && isTable(doc.scheduler.schedules) ? doc.scheduler.schedules : {};
  for (const [key, sch] of Object.entries(schedules)) {
    if (!isTable(sch)) continue;
    if (Object.hasOwn(sch, "scheduler")) return ["scheduler", "schedules", key, "scheduler"];
    if (typeof sch.handler === "string" && sch.handler.includes("."))
      return ["scheduler", "schedules", key, "handler"];
  }
  return undefined;
}
