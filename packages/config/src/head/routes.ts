import type { Issue, PathSegment } from "../diagnostics.js";
import { isTable } from "../merge.js";
import type { TomlTable, TomlValue } from "../toml/parse.js";
import type { Ref } from "./handler-ref.js";
import { oldSpelling, type Renamed, without } from "./renamed.js";

/**
 * One distribution. `order` receives, for each rewritten route, the index the file wrote it at:
 * routes of several containers are put back in the file's order (head/names.ts).
 */
export function rewriteDistribution(
  d: TomlTable,
  at: PathSegment[],
  renamed: Renamed[],
  ref: Ref,
  issues: Issue[],
  order: number[],
  bare: number[],
): TomlTable {
  const out = without(d, "routes", "waf");
  if (Array.isArray(d.routes)) {
    const routes: TomlValue[] = [];
    d.routes.forEach((r, i) => {
      const written: PathSegment[] = [...at, "routes", i];
      if (!isTable(r)) {
        renamed.push([[...at, "routes", routes.length], written]);
        routes.push(r);
        order.push(i);
        return;
      }
      const route = rewriteRoute(r, written, renamed, ref, [...at, "routes", routes.length], issues);
      if (route) {
        if (keyedByPattern(r, d)) bare.push(routes.length);
        routes.push(route);
        order.push(i);
      }
    });
    out.routes = routes;
  }
  if (isTable(d.waf)) out.waf = rewriteWaf(d.waf, [...at, "waf"], renamed);
  return out;
}

/**
 * An S3 route with a folder in its path pattern and no `origin_path` (nor one on the
 * distribution): the original keys its objects by the pattern alone (`/media/*` → `media/`), with
 * no origin path; the seed's spelling would put it under the distribution's default `/spa`.
 */
function keyedByPattern(r: TomlTable, d: TomlTable): boolean {
  const prefixed = typeof r.path_pattern === "string" && r.path_pattern !== "" && r.path_pattern !== "/*";
  return (
    r.type !== "lambda" && prefixed && !Object.hasOwn(r, "origin_path") && !Object.hasOwn(d, "origin_path")
  );
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
): TomlTable | undefined {
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
  if (r.type === "lambda") {
    const target = ref(r.handler, [...written, "handler"]);
    // An API default route of another container: this view keeps an S3 stand-in so that its
    // routes still have their one default (names.ts drops it when the views are merged).
    if (r.is_default === true && (target === "other" || target === "invalid")) {
      renamed.push([at, written]);
      return { is_default: true };
    }
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
  uploadKeys(r, out, { at, written }, renamed, issues);
  renamed.push([at, written]);
  return out;
}

/** `versioning`, `build = { dir, cmd }` and `upload_dir`: the seed's `is_versioned`, `build` and `build_dir`. */
function uploadKeys(
  r: TomlTable,
  out: TomlTable,
  { at, written }: { at: PathSegment[]; written: PathSegment[] },
  renamed: Renamed[],
  issues: Issue[],
): void {
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
}

/** Route keys the original renamed, and what a file in its current spelling writes instead. */
const OLD_ROUTE_KEYS: Record<string, string> = {
  is_versioned: 'versioning = "content_hash"',
  build_dir: "build = { dir, cmd } or upload_dir",
};

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
      // A header rule also needs its secret (waf-allow.ts): never a plain allow path.
      isTable(rule) &&
      typeof rule.path === "string" &&
      rule.path.endsWith("*") &&
      !Object.hasOwn(rule, "header")
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
