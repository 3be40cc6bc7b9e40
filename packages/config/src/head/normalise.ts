import type { Issue, PathSegment } from "../diagnostics.js";
import { isTable } from "../merge.js";
import { newTable, type TomlTable, type TomlValue } from "../toml/parse.js";

/**
 * The original's current spelling (`[container.<name>]`, `type = "lambda"` routes, ...) rewritten
 * into the seed's, so that one set of schemas validates both and fills in the same settings
 * (docs/decisions.md#d11-two-spellings-one-schema). Keys that only the rewrite knows keep their
 * meaning: a renamed key's problems are reported at the key the file wrote (`toHeadPath`).
 */
export interface HeadRewrite {
  /** The container this document carries as `[awscontainer]` (none in a file without one). */
  container?: string;
  doc: TomlTable;
  /** Maps a path of `doc` to the path written in the file. */
  toHeadPath: (path: readonly PathSegment[]) => PathSegment[];
  /** Managed secrets declared `shared = true` (stored under the project's key, not the container's). */
  sharedSecrets: string[];
  /** `[rds] database`: the Aurora database name, when the file sets it. */
  rdsDatabase?: string;
}

/** Container names: the original's rule (they are part of function, repository and stack names). */
const CONTAINER_NAME = /^[a-z][a-z0-9]{0,31}$/;

/** The container tables of the file, and the problems of their names. */
export function containerTables(doc: TomlTable): { names: string[]; issues: Issue[] } {
  const issues: Issue[] = [];
  const value = doc.container;
  if (!isTable(value)) {
    issues.push({
      code: "invalid-type",
      message: "container must be a table of named containers",
      path: ["container"],
      hint: 'Write [container.main] with dockerfile_path = "Dockerfile".',
    });
    return { names: [], issues };
  }
  const names: string[] = [];
  for (const [name, c] of Object.entries(value)) {
    if (!isTable(c)) {
      issues.push({
        code: "invalid-type",
        message: `container.${name} must be a table`,
        path: ["container", name],
        hint: `Containers are named tables: [container.main] with dockerfile_path. "${name}" looks like a container setting written one level too high.`,
      });
    } else if (!CONTAINER_NAME.test(name)) {
      issues.push({
        code: "container-name",
        message: `container name "${name}" must be a lower case letter followed by up to 31 lower case letters or digits`,
        path: ["container", name],
        hint: "The name is part of function, repository and stack names (no - or _).",
      });
    } else {
      names.push(name);
    }
  }
  if (names.length === 0 && issues.length === 0) {
    issues.push({
      code: "container-empty",
      message: "[container] declares no container",
      path: ["container"],
      hint: 'Write [container.main] with dockerfile_path = "Dockerfile".',
    });
  }
  return { names, issues };
}

/** One renamed key: a path prefix of the rewritten document and where the file wrote it. */
type Renamed = [seed: PathSegment[], head: PathSegment[]];

/**
 * The document with `container` as `[awscontainer]`. Routes and schedules that start another
 * container's handler are left out (that container's own rewrite checks them); their problems
 * are the only ones of the file that need the other containers.
 */
/** What the rewrite needs from outside the file: names are formatted for the stage being read. */
export interface RewriteEnv {
  stage: string;
  /** The folder of pocket.toml: the project name when `general.project_name` is absent. */
  directoryName: string;
}

export function rewriteForContainer(
  doc: TomlTable,
  container: string | undefined,
  containers: string[],
  env: RewriteEnv,
): {
  rewrite: HeadRewrite;
  issues: Issue[];
} {
  const issues: Issue[] = [];
  const renamed: Renamed[] = container === undefined ? [] : [[["awscontainer"], ["container", container]]];
  const out = newTable();
  const shared: string[] = [];
  let rdsDatabase: string | undefined;
  for (const [key, value] of Object.entries(doc)) {
    if (key === "container") continue;
    out[key] = value;
  }
  const ref = (value: TomlValue | undefined, path: PathSegment[]) =>
    handlerRef(value, path, container, containers, issues);

  if (container !== undefined) {
    const c = (doc.container as TomlTable)[container] as TomlTable;
    out.awscontainer = rewriteContainer(c, container, shared, isTable(doc.rds), formatter(doc, env));
  }
  if (isTable(doc.rds)) {
    const { rds, database } = rewriteRds(doc.rds, renamed);
    out.rds = rds;
    rdsDatabase = database;
  }
  for (const section of ["neon", "tidb"] as const) {
    const t = doc[section];
    if (isTable(t) && t.provisioning === "deploy") out[section] = without(t, "provisioning");
  }
  if (isTable(doc.s3) && Object.hasOwn(doc.s3, "cors")) {
    out.s3 = rewriteS3Cors(doc.s3, doc.cloudfront, renamed, issues);
  }
  if (isTable(doc.cloudfront)) {
    const cloudfront = newTable();
    for (const [name, d] of Object.entries(doc.cloudfront)) {
      cloudfront[name] = isTable(d) ? rewriteDistribution(d, ["cloudfront", name], renamed, ref, issues) : d;
    }
    out.cloudfront = cloudfront;
  }
  if (isTable(doc.scheduler)) out.scheduler = rewriteScheduler(doc.scheduler, ref);
  return {
    rewrite: {
      container,
      doc: out,
      toHeadPath: (path) => toHeadPath(path, renamed),
      sharedSecrets: shared,
      rdsDatabase,
    },
    issues,
  };
}

function toHeadPath(path: readonly PathSegment[], renamed: Renamed[]): PathSegment[] {
  let best: Renamed | undefined;
  for (const r of renamed) {
    const [seed] = r;
    if (seed.length <= path.length && seed.every((s, i) => path[i] === s)) {
      if (!best || seed.length > best[0].length) best = r;
    }
  }
  return best ? [...best[1], ...path.slice(best[0].length)] : [...path];
}

/**
 * A handler named as the original names it, `<container>.<handler>`: the handler key if it is
 * this container's, `undefined` if it is another's (left to that container), or an issue.
 */
function handlerRef(
  value: TomlValue | undefined,
  path: PathSegment[],
  container: string | undefined,
  containers: string[],
  issues: Issue[],
): { handler: string } | "other" | "invalid" {
  if (typeof value !== "string") return "invalid";
  const dot = value.indexOf(".");
  if (dot < 0) {
    issues.push({
      code: "handler-reference",
      message: `handler "${value}" must name its container: "<container>.<handler>"`,
      path,
      hint: `e.g. handler = "${container ?? "main"}.${value}"`,
    });
    return "invalid";
  }
  const [owner, handler] = [value.slice(0, dot), value.slice(dot + 1)];
  if (owner === container) return { handler };
  if (containers.includes(owner)) return "other";
  issues.push({
    code: "handler-reference",
    message: `handler "${value}" names container "${owner}", which is not declared`,
    path,
    hint: containers.length
      ? `Declared containers: ${containers.join(", ")}.`
      : `Declare it: [container.${owner}] with dockerfile_path.`,
  });
  return "invalid";
}
type Ref = (value: TomlValue | undefined, path: PathSegment[]) => ReturnType<typeof handlerRef>;

function without(t: TomlTable, ...keys: string[]): TomlTable {
  const out = newTable();
  for (const [k, v] of Object.entries(t)) if (!keys.includes(k)) out[k] = v;
  return out;
}

/**
 * The container table. The original builds on CodeBuild unless told otherwise; `shared` moves a
 * managed secret to the project's key; `rds_database_url` is what [rds] does anyway.
 */
function rewriteContainer(
  c: TomlTable,
  name: string,
  shared: string[],
  hasRds: boolean,
  format: (t: string) => string,
): TomlTable {
  const out = without(c, "ecr_name");
  if (!Object.hasOwn(c, "build")) out.build = "codebuild";
  if (isTable(c.secrets)) {
    const secrets = without(c.secrets);
    if (isTable(c.secrets.managed)) {
      const managed = newTable();
      for (const [key, spec] of Object.entries(c.secrets.managed)) {
        if (!isTable(spec)) {
          managed[key] = spec;
          continue;
        }
        if (spec.shared === true) shared.push(key);
        // [rds] hands DATABASE_URL to the runtime itself (built from the cluster's secret).
        if (spec.type === "rds_database_url" && hasRds && key === "DATABASE_URL") continue;
        managed[key] = without(spec, "shared");
      }
      secrets.managed = managed;
    }
    // Managed secrets live in the container's store unless shared (unbuilt.ts refuses a mix).
    if (!Object.hasOwn(c.secrets, "pocket_key_format") && shared.length === 0) {
      secrets.pocket_key_format = `{stage}-{project}-${name}-{namespace}`;
    }
    if (isTable(c.secrets.user)) {
      const user = newTable();
      for (const [key, spec] of Object.entries(c.secrets.user)) {
        const stored =
          isTable(spec) && STORED_TYPES.includes(String(spec.type)) && !Object.hasOwn(spec, "name");
        const named = stored ? storedUrl(spec as TomlTable, c.secrets) : spec;
        user[key] =
          isTable(named) && typeof named.name === "string" ? { ...named, name: format(named.name) } : named;
      }
      secrets.user = user;
    }
    out.secrets = secrets;
  }
  if (isTable(c.django) && isTable(c.django.storages)) {
    const storages = newTable();
    for (const [key, s] of Object.entries(c.django.storages)) {
      storages[key] = isTable(s) ? without(s, "link", "publish") : s;
    }
    out.django = { ...without(c.django), storages };
  }
  return out;
}

/** `{stage}`, `{project}` and `{namespace}` in a user secret's name (the original formats them). */
function formatter(doc: TomlTable, env: RewriteEnv): (t: string) => string {
  const general = isTable(doc.general) ? doc.general : {};
  const values: Record<string, string> = {
    stage: env.stage,
    project: typeof general.project_name === "string" ? general.project_name : env.directoryName,
    namespace: typeof general.namespace === "string" ? general.namespace : "pocket",
  };
  return (t) => t.replace(/\{(stage|project|namespace)\}/g, (_, k: string) => values[k]!);
}

/**
 * A user secret of a database-URL `type` (the original's "stored mode"): a secret provisioned
 * before deploy under a name derived from the type, `/{pocket_key}-user/{type}` in SSM or
 * `{pocket_key}-user/{type}` in Secrets Manager, with the project's key.
 */
function storedUrl(spec: TomlTable, secrets: TomlTable): TomlTable {
  const out = without(spec, "type");
  const store = (spec.store ?? secrets.store) === "ssm" ? "/" : "";
  const key =
    typeof secrets.pocket_key_format === "string"
      ? secrets.pocket_key_format
      : "{stage}-{project}-{namespace}";
  out.name = `${store}${key}-user/${String(spec.type)}`;
  return out;
}

/**
 * The `type`s a user secret may have (anything else, or `type` beside `name`, stays in the table
 * to be reported as written).
 */
const STORED_TYPES = ["neon_database_url", "tidb_database_url"];

/** `[rds.backup] retention_days` (the original's default: 35 days) and `database`. */
function rewriteRds(rds: TomlTable, renamed: Renamed[]): { rds: TomlTable; database?: string } {
  const out = without(rds, "backup", "database", "managed");
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
  return { rds: out, database: typeof rds.database === "string" ? rds.database : undefined };
}

/**
 * `[s3] cors = { methods, cloudfront }`: browsers of the named distributions may upload with these
 * methods. Their origin is the distribution's domain, else any CloudFront domain (the original's
 * rule; headers `*`, one hour of preflight cache).
 */
function rewriteS3Cors(
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

function rewriteDistribution(
  d: TomlTable,
  at: PathSegment[],
  renamed: Renamed[],
  ref: Ref,
  issues: Issue[],
): TomlTable {
  const out = without(d, "routes", "waf");
  if (Array.isArray(d.routes)) {
    const routes: TomlValue[] = [];
    d.routes.forEach((r, i) => {
      const written: PathSegment[] = [...at, "routes", i];
      if (!isTable(r)) {
        renamed.push([[...at, "routes", routes.length], written]);
        routes.push(r);
        return;
      }
      const route = rewriteRoute(r, written, renamed, ref, [...at, "routes", routes.length], issues);
      if (Array.isArray(route)) {
        renamed.push([[...at, "routes", routes.length + 1], written]);
        routes.push(...route);
      } else if (route) {
        routes.push(route);
      }
    });
    out.routes = routes;
  }
  if (isTable(d.waf)) out.waf = rewriteWaf(d.waf, [...at, "waf"], renamed);
  return out;
}

/**
 * One route: `type = "lambda"` with `handler = "<container>.<handler>"` is the seed's api route;
 * `versioning = "content_hash"` its `is_versioned`; `build = { dir, cmd }` and `upload_dir` its
 * `build` and `build_dir`. `undefined` when the route is another container's.
 */
function rewriteRoute(
  r: TomlTable,
  written: PathSegment[],
  renamed: Renamed[],
  ref: Ref,
  at: PathSegment[],
  issues: Issue[],
): TomlTable | TomlTable[] | undefined {
  const out = without(
    r,
    "type",
    "handler",
    "versioning",
    "build",
    "upload_dir",
    ...Object.keys(OLD_ROUTE_KEYS),
  );
  for (const [key, now] of Object.entries(OLD_ROUTE_KEYS)) {
    if (Object.hasOwn(r, key)) oldSpelling(issues, [...written, key], `${key} is the seed's spelling`, now);
  }
  if (r.type === "lambda" && r.is_default === true) {
    // Refused (unbuilt.ts). In its place an S3 default and an API route for every path, so the
    // rest of the file is still checked without noise about this route.
    renamed.push([at, written]);
    const target = ref(r.handler, [...written, "handler"]);
    if (target === "other" || typeof target !== "object") return { is_default: true };
    return [{ is_default: true }, { type: "api", handler: target.handler, path_pattern: "/*" }];
  }
  if (r.type === "lambda") {
    const target = ref(r.handler, [...written, "handler"]);
    // Another container's route is checked with that container; a wrong reference is reported.
    if (target === "other" || target === "invalid") return undefined;
    out.type = "api";
    if (typeof target === "object") out.handler = target.handler;
  } else if (r.type === "api") {
    oldSpelling(
      issues,
      [...written, "type"],
      'type = "api" is the seed\'s spelling',
      'type = "lambda", handler = "<container>.<handler>"',
    );
  } else if (Object.hasOwn(r, "type")) {
    out.type = r.type!;
  }
  if (Object.hasOwn(r, "handler") && r.type !== "lambda") out.handler = r.handler!;
  if (r.versioning === "content_hash") out.is_versioned = true;
  else if (Object.hasOwn(r, "versioning")) out.versioning = r.versioning!;
  renamed.push([
    [...at, "is_versioned"],
    [...written, "versioning"],
  ]);
  if (isTable(r.build)) {
    if (Object.hasOwn(r.build, "cmd")) out.build = r.build.cmd!;
    if (Object.hasOwn(r.build, "dir")) out.build_dir = r.build.dir!;
    renamed.push([
      [...at, "build_dir"],
      [...written, "build", "dir"],
    ]);
    renamed.push([
      [...at, "build"],
      [...written, "build", "cmd"],
    ]);
  } else if (Object.hasOwn(r, "build")) {
    oldSpelling(
      issues,
      [...written, "build"],
      "build as a string is the seed's spelling",
      'build = { dir = "dist", cmd = "npm run build" }, or upload_dir',
    );
  }
  if (Object.hasOwn(r, "upload_dir")) {
    out.build_dir = r.upload_dir!;
    renamed.push([
      [...at, "build_dir"],
      [...written, "upload_dir"],
    ]);
  }
  renamed.push([at, written]);
  return out;
}

/** Route keys the original renamed, and what a file in its current spelling writes instead. */
const OLD_ROUTE_KEYS: Record<string, string> = {
  is_versioned: 'versioning = "content_hash"',
  build_dir: "build = { dir, cmd } or upload_dir",
};

/** A seed-spelled key in a file that uses the original's current spelling: one spelling per file. */
function oldSpelling(issues: Issue[], path: PathSegment[], what: string, now: string) {
  issues.push({
    code: "mixed-spelling",
    message: `${what}; this file uses the original's current spelling ([container.<name>])`,
    path,
    hint: `Write ${now}.`,
  });
}

/** `enable_ip_set` (default on) is the seed's `ip_allow_list`; path allow rules its `allow_paths`. */
function rewriteWaf(waf: TomlTable, at: PathSegment[], renamed: Renamed[]): TomlTable {
  const out = without(waf, "enable_ip_set", "allow_rules");
  out.ip_allow_list = waf.enable_ip_set ?? true;
  renamed.push([
    [...at, "ip_allow_list"],
    [...at, "enable_ip_set"],
  ]);
  if (Array.isArray(waf.allow_rules)) {
    out.allow_paths = waf.allow_rules.flatMap((rule) =>
      isTable(rule) && typeof rule.path === "string" && rule.path.endsWith("*")
        ? [rule.path.slice(0, -1)]
        : [],
    );
    renamed.push([
      [...at, "allow_paths"],
      [...at, "allow_rules"],
    ]);
  }
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
function rewriteScheduler(scheduler: TomlTable, ref: Ref): TomlTable {
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
