import type { Issue, PathSegment } from "../diagnostics.js";
import { isTable } from "../merge.js";
import { newTable, type TomlTable, type TomlValue } from "../toml/parse.js";
import type { Ref } from "./handler-ref.js";
import { type Renamed, without } from "./renamed.js";

/**
 * `[rds.backup] retention_days` (the original's default: 35 days) and `database`. An existing
 * cluster (`managed = false`) takes none of the keys that shape a cluster pocket makes.
 */
export function rewriteRds(
  rds: TomlTable,
  renamed: Renamed[],
  issues: Issue[],
): { rds: TomlTable; database?: string } {
  const database = typeof rds.database === "string" ? rds.database : undefined;
  if (rds.managed === false) {
    for (const key of ["min_capacity", "max_capacity", "backup", "snapshot_identifier"]) {
      if (!Object.hasOwn(rds, key)) continue;
      issues.push({
        code: "rds-existing-key",
        message: `rds.${key} shapes a cluster pocket makes; with managed = false the cluster is yours`,
        path: ["rds", key],
        hint: "Remove it (change the existing cluster in the RDS console), or remove managed = false.",
      });
    }
    return { rds: without(rds, "min_capacity", "max_capacity", "backup", "snapshot_identifier"), database };
  }
  const out = without(rds, "backup", "database");
  const backup = rds.backup;
  out.backup_retention_days = isTable(backup) ? (backup.retention_days ?? 35) : 35;
  renamed.push([
    ["rds", "backup_retention_days"],
    ["rds", "backup", "retention_days"],
  ]);
  // Other keys of [rds.backup] stay where they were written, to be reported as unknown there.
  const rest = isTable(backup) ? without(backup, "retention_days") : undefined;
  if (rest && Object.keys(rest).length > 0) out.backup = rest;
  else if (backup !== undefined && !isTable(backup)) out.backup = backup;
  return { rds: out, database };
}

/**
 * `[s3] cors = { methods, cloudfront }`: browsers of the named distributions may upload with these
 * methods. Their origin is the distribution's domain, else any CloudFront domain (the original's
 * rule; headers `*`, one hour of preflight cache).
 */
export function rewriteS3Cors(
  s3: TomlTable,
  cloudfront: TomlValue | undefined,
  renamed: Renamed[],
  issues: Issue[],
): TomlTable {
  const cors = s3.cors;
  if (!isTable(cors)) return s3;
  const names = typeof cors.cloudfront === "string" ? [cors.cloudfront] : cors.cloudfront;
  const origins: string[] = [];
  for (const name of Array.isArray(names) ? names : []) {
    const d = isTable(cloudfront) ? cloudfront[String(name)] : undefined;
    if (!isTable(d)) {
      issues.push({
        code: "cors-unknown-distribution",
        message: `s3.cors names distribution "${String(name)}", which is not in [cloudfront]`,
        path: ["s3", "cors", "cloudfront"],
      });
      continue;
    }
    origins.push(typeof d.domain === "string" ? `https://${d.domain}` : "https://*.cloudfront.net");
  }
  renamed.push([
    ["s3", "cors", 0, "allowed_methods"],
    ["s3", "cors", "methods"],
  ]);
  renamed.push([
    ["s3", "cors", 0, "allowed_origins"],
    ["s3", "cors", "cloudfront"],
  ]);
  renamed.push([
    ["s3", "cors", 0],
    ["s3", "cors"],
  ]);
  const out = without(s3);
  out.cors = [
    {
      allowed_origins: [...new Set(origins)],
      allowed_methods: cors.methods ?? [],
      allowed_headers: ["*"],
      max_age: 3600,
      ...Object.fromEntries(Object.entries(cors).filter(([k]) => k !== "methods" && k !== "cloudfront")),
    },
  ];
  return out;
}

/** The original's scheduler kinds, and the payload key each sends. */
const SCHEDULER_KINDS: Record<string, "input" | "manage" | "message"> = {
  "pocket.lambda_scheduler": "input",
  "pocket.django.management_lambda_scheduler": "manage",
  "pocket.sqs_scheduler": "message",
};

/**
 * `[scheduler.schedules.<key>]`: the handler is `<container>.<handler>`; the `scheduler` kind
 * names the payload (an empty `input` or `message` when none is written, as the original sends).
 */
export function rewriteScheduler(scheduler: TomlTable, ref: Ref): TomlTable {
  if (!isTable(scheduler.schedules)) return scheduler;
  const schedules = newTable();
  for (const [key, s] of Object.entries(scheduler.schedules)) {
    if (!isTable(s)) {
      schedules[key] = s;
      continue;
    }
    const at: PathSegment[] = ["scheduler", "schedules", key];
    const target = ref(s.handler, [...at, "handler"]);
    if (target === "other" || (target === "invalid" && typeof s.handler === "string")) continue;
    const out = without(s, "scheduler", "handler");
    if (typeof target === "object") out.handler = target.handler;
    const kind = typeof s.scheduler === "string" ? s.scheduler : "pocket.lambda_scheduler";
    const payload = SCHEDULER_KINDS[kind];
    if (payload === undefined) {
      out.scheduler = s.scheduler!;
    } else if (payload !== "manage" && !["input", "manage", "message"].some((p) => Object.hasOwn(s, p))) {
      out[payload] = newTable();
    }
    schedules[key] = out;
  }
  return { ...without(scheduler), schedules };
}
