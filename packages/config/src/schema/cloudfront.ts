import * as z from "zod/mini";
import type { Issue, PathSegment } from "../diagnostics.js";
import { isTable } from "../merge.js";
import type { TomlTable } from "../toml/parse.js";
import {
  bool,
  fail,
  int,
  lazy,
  listLazy,
  optionalLazy,
  optionalNonEmpty,
  optionalString,
  table,
} from "./base.js";
import { hostName, optionalHostName } from "./host-name.js";

type Ctx = z.core.$RefinementCtx;

function checkOriginPath(ctx: Ctx, value: string, path: PathSegment[]) {
  if (value === "") {
    fail(
      ctx,
      "origin-path-format",
      "origin_path must not be empty",
      path,
      'Use a folder of the bucket, e.g. "/spa".',
    );
  } else if (!value.startsWith("/")) {
    fail(ctx, "origin-path-format", `origin_path must start with "/" (got "${value}")`, path);
  } else if (value.endsWith("/")) {
    fail(ctx, "origin-path-format", `origin_path must not end with "/" (got "${value}")`, path);
  }
}

const emptyByDefault = z._default(z.string(), "");

const routeTable = table({
  type: z._default(z.enum(["s3", "api"]), "s3"),
  handler: optionalString,
  path_pattern: emptyByDefault,
  is_default: bool(false),
  is_spa: bool(false),
  is_versioned: bool(false),
  // The original's current spelling only (head/routes.ts turns "content_hash" into is_versioned):
  // the deploy's hash as the URL prefix (docs/decisions.md#e22-deploy-hash-versioning).
  versioning: z.optional(z.literal("deploy_hash")),
  spa_fallback_html: z._default(
    z
      .string()
      .check(
        z.regex(/^[^/\s][^\s]*$/, { error: 'must be a file name relative to the route, e.g. "index.html"' }),
      ),
    "index.html",
  ),
  versioned_max_age: z._default(int(0, 31_536_000 * 10), 31_536_000),
  ref: emptyByDefault,
  signed: bool(false),
  build: optionalNonEmpty,
  build_dir: optionalNonEmpty,
  require_token: bool(false),
  login_path: z._default(
    z
      .string()
      .check(
        z.regex(/^\/[^\s?#]*$/, { error: 'must be a path on this distribution, e.g. "/api/auth/login"' }),
      ),
    "/api/auth/login",
  ),
  origin_path: optionalString,
});
const route = routeTable.check(
  z.superRefine((r, ctx) => {
    if (r.type === "api") apiRouteRules(r, ctx);
    else bucketRouteRules(r, ctx);
    routePatternRules(r, ctx);
  }),
);
type RouteFields = z.output<typeof routeTable>;

/**
 * An `api` route written `is_default`: the seed's spelling refuses it, the original's current one
 * makes the API the default route (its configuration.md, CloudFront in front of Django alone).
 * validate.ts runs this for a file in the seed's spelling only.
 */
export function apiDefaultRouteIssues(doc: TomlTable): Issue[] {
  const issues: Issue[] = [];
  const cloudfront = isTable(doc.cloudfront) ? doc.cloudfront : {};
  for (const [name, d] of Object.entries(cloudfront)) {
    const routes = isTable(d) && Array.isArray(d.routes) ? d.routes : [];
    routes.forEach((r, i) => {
      if (isTable(r) && r.type === "api" && r.is_default === true) {
        issues.push({
          code: "route-api-default",
          message: 'type = "api" routes cannot use is_default',
          path: ["cloudfront", name, "routes", i, "is_default"],
          hint: "API routes are never the default route: keep an S3 default route and give the API a path_pattern.",
        });
      }
    });
  }
  return issues;
}

/** An `api` route goes to API Gateway: a handler, a path, none of the bucket's options. */
function apiRouteRules(r: RouteFields, ctx: Ctx) {
  if (r.originPath !== undefined) {
    fail(
      ctx,
      "route-api-origin-path",
      `type = "api" routes cannot use origin_path`,
      ["origin_path"],
      "API routes go to API Gateway, not to the bucket.",
    );
  }
  if (!r.handler) {
    fail(
      ctx,
      "route-api-handler",
      `type = "api" routes need a handler`,
      ["handler"],
      'Name an awscontainer handler that has apigateway, e.g. handler = "wsgi".',
    );
  }
  const flags = [
    ...(["is_spa", "is_versioned", "signed", "require_token"] as const).filter((f) => r[camelFlag(f)]),
    ...(r.versioning !== undefined ? (["versioning"] as const) : []),
  ];
  if (flags.length > 0) {
    fail(
      ctx,
      "route-api-flags",
      `type = "api" routes cannot use ${flags.join(", ")}`,
      [flags[0]!],
      "API routes are never cached, signed or token-protected at the edge.",
    );
  }
  if (r.build !== undefined || r.buildDir !== undefined) {
    fail(ctx, "route-api-build", `type = "api" routes cannot use build or build_dir`, [
      r.build !== undefined ? "build" : "build_dir",
    ]);
  }
  if (r.pathPattern === "" && !r.isDefault) {
    fail(ctx, "route-api-pattern", `type = "api" routes need a path_pattern, e.g. "/api/*"`, [
      "path_pattern",
    ]);
  }
}

/** A bucket route: no handler, options that go together, exactly the default with no pattern. */
function bucketRouteRules(r: RouteFields, ctx: Ctx) {
  if (r.originPath !== undefined) checkOriginPath(ctx, r.originPath, ["origin_path"]);
  if (r.handler !== undefined) {
    fail(
      ctx,
      "route-handler-type",
      `handler is only for type = "api" routes`,
      ["handler"],
      'Add type = "api" or remove handler.',
    );
  }
  if (r.requireToken && !r.isSpa) {
    fail(ctx, "route-require-token-spa", "require_token = true needs is_spa = true", ["require_token"]);
  }
  if (r.isSpa && r.isVersioned) {
    fail(ctx, "route-spa-versioned", "is_spa and is_versioned cannot both be true", ["is_versioned"]);
  }
  if (r.isSpa && r.versioning !== undefined) {
    fail(ctx, "route-spa-versioned", "is_spa and versioning cannot both be set", ["versioning"]);
  }
  if (r.isDefault && r.pathPattern !== "") {
    fail(
      ctx,
      "route-default-pattern",
      "the is_default route must have an empty path_pattern",
      ["path_pattern"],
      "The default route matches every path no other route matches.",
    );
  }
  if (!r.isDefault && r.pathPattern === "") {
    fail(
      ctx,
      "route-pattern-required",
      "a route that is not is_default needs a path_pattern",
      ["path_pattern"],
      'e.g. path_pattern = "/static/*", or set is_default = true.',
    );
  }
}

/** Every route: a build names its output folder; a pattern is a path; a ref names a folder. */
function routePatternRules(r: RouteFields, ctx: Ctx) {
  if (r.build !== undefined && r.buildDir === undefined) {
    fail(ctx, "route-build-dir", "build needs build_dir (the folder the build writes, which is uploaded)", [
      "build_dir",
    ]);
  }
  if (r.pathPattern !== "") {
    if (!r.pathPattern.startsWith("/")) {
      fail(ctx, "route-pattern-format", `path_pattern must start with "/" (got "${r.pathPattern}")`, [
        "path_pattern",
      ]);
    } else if (r.pathPattern.endsWith("/")) {
      fail(
        ctx,
        "route-pattern-format",
        `path_pattern must not end with "/" (got "${r.pathPattern}")`,
        ["path_pattern"],
        `Use "${r.pathPattern}*".`,
      );
    }
  }
  if (r.ref !== "" && !r.pathPattern.endsWith("/*")) {
    fail(
      ctx,
      "route-ref-pattern",
      `a route with ref needs a path_pattern ending in "/*"`,
      ["ref"],
      "Storages resolve their S3 location from the folder the pattern names.",
    );
  }
}
export type RouteSettings = z.output<typeof route>;

function camelFlag(f: "is_spa" | "is_versioned" | "signed" | "is_default" | "require_token") {
  return (
    {
      is_spa: "isSpa",
      is_versioned: "isVersioned",
      signed: "signed",
      is_default: "isDefault",
      require_token: "requireToken",
    } as const
  )[f];
}

/** A path prefix as CloudFront sees request paths: starting with "/". */
const pathPrefix = z.string().check(
  z.regex(/^\/[^\s?#*]*$/, {
    error: 'must be a path prefix starting with "/", e.g. "/health" (no *, ? or #)',
  }),
);
const pathPrefixes = z._default(z.array(pathPrefix), []);

/** A WAF managed rule group: AWS's by name, another vendor's as "Vendor:Name". */
const ruleGroup = z.string().check(
  z.regex(/^(?:[A-Za-z0-9 ._-]{1,128}:)?[A-Za-z0-9_-]{1,128}$/, {
    error: 'must be a managed rule group name, e.g. "AWSManagedRulesCommonRuleSet"',
  }),
);

const waf = lazy(() =>
  table({
    /** true: only listed addresses reach the distribution; a list: only these path prefixes are restricted. */
    ip_allow_list: z._default(z.union([z.boolean(), z.array(pathPrefix).check(z.minLength(1))]), false),
    managed_rule_groups: z._default(z.array(ruleGroup), []),
    /** Requests per client IP in any five minutes (WAF's minimum is 10). */
    rate_limit: z.optional(int(10, 2_000_000_000)),
    allow_paths: pathPrefixes,
  }).check(
    z.superRefine((w, ctx) => {
      const dup = w.managedRuleGroups.find((g, i) => w.managedRuleGroups.indexOf(g) !== i);
      if (dup)
        fail(ctx, "waf-rule-group-duplicate", `managed rule group ${dup} is listed twice`, [
          "managed_rule_groups",
        ]);
      if (!w.ipAllowList && w.managedRuleGroups.length === 0 && w.rateLimit === undefined) {
        fail(
          ctx,
          "waf-empty",
          "waf has no rule: set ip_allow_list, managed_rule_groups or rate_limit",
          [],
          'e.g. waf = { managed_rule_groups = ["AWSManagedRulesCommonRuleSet"], rate_limit = 2000 }',
        );
      }
    }),
  ),
);
const redirectFrom = lazy(() =>
  table({
    domain: hostName,
    hosted_zone_id_override: optionalNonEmpty,
  }),
);
export const distributionSchema = lazy(() =>
  distributionTable().check(
    z.superRefine((d, ctx) => {
      edgeRules(d, ctx);
      redirectRules(d, ctx);
      routeListRules(d, ctx);
    }),
  ),
);

function distributionTable() {
  return table({
    domain: optionalHostName,
    origin_path: z._default(z.string(), "/spa"),
    hosted_zone_id_override: optionalNonEmpty,
    redirect_from: listLazy(() => z.array(redirectFrom())),
    routes: z.array(route),
    signing_key: optionalNonEmpty,
    token_secret: optionalNonEmpty,
    enable_origin_verify: bool(false),
    basic_auth: optionalNonEmpty,
    basic_auth_exclude: pathPrefixes,
    waf: optionalLazy(waf),
    // Atomic front-end releases (docs/decisions.md#e17-atomic-front-end-releases).
    atomic_releases: bool(true),
    kept_releases: z._default(int(1, 100), 5),
    // Per-stage files served at the root (docs/decisions.md#e23-managed-assets).
    managed_assets: optionalNonEmpty,
  });
}
type DistributionFields = z.output<ReturnType<typeof distributionTable>>;

function edgeRules(d: DistributionFields, ctx: Ctx) {
  checkOriginPath(ctx, d.originPath, ["origin_path"]);
  if (d.enableOriginVerify && !d.routes.some((r) => r.type === "api")) {
    fail(
      ctx,
      "origin-verify-needs-api",
      'enable_origin_verify needs at least one route with type = "api": it protects the API origins',
      ["enable_origin_verify"],
      'Add { path_pattern = "/api/*", type = "api", handler = "wsgi" } to routes, or remove enable_origin_verify.',
    );
  }
  if (d.basicAuthExclude.length > 0 && d.basicAuth === undefined) {
    fail(ctx, "basic-auth-exclude-alone", "basic_auth_exclude needs basic_auth", ["basic_auth_exclude"]);
  }
}

function redirectRules(d: DistributionFields, ctx: Ctx) {
  if (d.redirectFrom.length > 0 && !d.domain) {
    fail(ctx, "redirect-needs-domain", "redirect_from needs domain (the domain to redirect to)", [
      "redirect_from",
    ]);
  }
  d.redirectFrom.forEach((r, i) => {
    if (r.domain === d.domain)
      fail(ctx, "redirect-to-self", `redirect_from lists the distribution's own domain ${r.domain}`, [
        "redirect_from",
        i,
        "domain",
      ]);
  });
}

/** The routes together: a token secret when one needs it, one default, distinct patterns and refs. */
function routeListRules(d: DistributionFields, ctx: Ctx) {
  const tokenRoute = d.routes.findIndex((r) => r.requireToken);
  if (tokenRoute >= 0 && !d.tokenSecret) {
    fail(
      ctx,
      "token-secret-required",
      "a route has require_token = true, so the distribution needs token_secret",
      ["routes", tokenRoute, "require_token"],
      'Add token_secret = "SPA_TOKEN_SECRET" and a managed secret of type "spa_token_secret" with that name.',
    );
  }
  if (d.routes.length === 0) {
    fail(
      ctx,
      "routes-required",
      "routes needs at least one route",
      ["routes"],
      "e.g. routes = [{ is_default = true, is_spa = true }]",
    );
  } else {
    const defaults = d.routes.filter((r) => r.isDefault).length;
    if (defaults !== 1) {
      fail(
        ctx,
        "routes-one-default",
        `routes must have exactly one is_default = true route (found ${defaults})`,
        ["routes"],
      );
    }
  }
  const seen = new Map<string, number>();
  d.routes.forEach((r, i) => {
    if (r.pathPattern !== "") {
      if (seen.has(r.pathPattern))
        fail(ctx, "route-pattern-duplicate", `path_pattern "${r.pathPattern}" is used by two routes`, [
          "routes",
          i,
          "path_pattern",
        ]);
      seen.set(r.pathPattern, i);
    }
  });
  const refs = new Set<string>();
  d.routes.forEach((r, i) => {
    if (r.ref === "") return;
    if (refs.has(r.ref))
      fail(ctx, "route-ref-duplicate", `ref "${r.ref}" is used by two routes`, ["routes", i, "ref"]);
    refs.add(r.ref);
  });
}
export type DistributionSettings = z.output<ReturnType<typeof distributionSchema>>;
