import type { Issue, PathSegment } from "../diagnostics.js";
import { MANAGEMENT_COMMAND_HANDLER } from "../schema/awscontainer.js";
import type {
  DistributionSettings,
  DjangoSettings,
  SectionName,
  SectionSettings,
  Settings,
} from "../schema/settings.js";
import { closest } from "../suggest.js";

/** A section as far as it validated: `undefined` when absent, `"failed"` when it had errors. */
export type Checked<T> = T | undefined | "failed";
export type CheckedSettings = { [K in SectionName]: Checked<SectionSettings<K>> } & {
  cloudfront: Record<string, DistributionSettings | "failed">;
};

export const ok = <T>(v: Checked<T>): v is T => v !== undefined && v !== "failed";

/**
 * Rules that look at more than one section: the original's and those it left unchecked
 * (docs/decisions.md#d6-guide-rules-the-original-did-not-enforce), each a validation error
 * (docs/decisions.md#d5-every-failure-is-a-validation-error).
 * A rule whose inputs did not validate is skipped: its section already has an error.
 */
export function crossSectionIssues(s: CheckedSettings): Issue[] {
  const issues: Issue[] = [];
  const add = (code: string, message: string, path: PathSegment[], hint?: string) =>
    issues.push({ code, message, path, hint });
  const c = s.awscontainer;
  const vpc = ok(s.vpc) ? s.vpc : undefined;

  // VPC placement.
  if (ok(s.rds)) {
    if (!s.rds.useVpc) {
      add(
        "rds-needs-vpc",
        "[rds] needs a VPC: Aurora runs in private subnets",
        ["rds"],
        s.vpc === undefined
          ? 'Add a [vpc] table (ref = "main", zone_suffixes = ["a", "c"]).'
          : "Remove use_vpc = false from [rds].",
      );
    } else if (vpc?.manage && vpc.zoneSuffixes.length < 2) {
      add(
        "rds-vpc-zones",
        "[rds] needs a VPC with at least 2 zone_suffixes (a DB subnet group spans 2 or more availability zones)",
        ["vpc", "zone_suffixes"],
        'e.g. zone_suffixes = ["a", "c"]',
      );
    }
    if (s.rds.useVpc && c !== "failed" && (c === undefined || !c.useVpc)) {
      add(
        "rds-container-vpc",
        "[rds] needs [awscontainer] in the same VPC: the database is reachable only from inside it",
        c === undefined ? ["rds"] : ["awscontainer", "use_vpc"],
        c === undefined ? "Add an [awscontainer] section." : "Remove use_vpc = false from [awscontainer].",
      );
    }
  }

  // CloudFront.
  const distributions = Object.entries(s.cloudfront);
  if (distributions.length > 0 && s.s3 === undefined) {
    add(
      "cloudfront-needs-s3",
      "[cloudfront] needs an [s3] section: distributions serve files from the stage's bucket",
      ["cloudfront", distributions[0]![0]],
      "Add an empty [s3] table.",
    );
  }
  for (const [name, d] of distributions) {
    if (d === "failed") continue;
    const at = (...rest: PathSegment[]) => ["cloudfront", name, ...rest];
    d.routes.forEach((r, i) => {
      if (r.signed && !d.signingKey) {
        add(
          "route-signed-key",
          `route #${i + 1} is signed, so [cloudfront.${name}] needs signing_key`,
          at("routes", i, "signed"),
          'Add signing_key = "CF_KEY" and a managed secret of type "cloudfront_signing_key" named CF_KEY.',
        );
      }
      if (r.type !== "api" || !r.handler || c === "failed") return;
      if (c === undefined) {
        add(
          "route-api-container",
          `route #${i + 1} is type = "api", which needs [awscontainer]`,
          at("routes", i, "handler"),
        );
        return;
      }
      const h = c.handlers[r.handler];
      if (!h) {
        const guess = closest(r.handler, Object.keys(c.handlers));
        add(
          "route-api-unknown-handler",
          `handler "${r.handler}" is not in [awscontainer.handlers]`,
          at("routes", i, "handler"),
          guess ? `Did you mean "${guess}"?` : `Handlers: ${Object.keys(c.handlers).join(", ") || "(none)"}.`,
        );
      } else if (!h.apigateway) {
        add(
          "route-api-no-apigateway",
          `handler "${r.handler}" needs apigateway for an api route`,
          at("routes", i, "handler"),
          `Add apigateway = {} to [awscontainer.handlers.${r.handler}].`,
        );
      } else if (h.apigateway.domain) {
        add(
          "route-api-custom-domain",
          `handler "${r.handler}" is served through CloudFront, so its apigateway must not set domain ("${h.apigateway.domain}")`,
          ["awscontainer", "handlers", r.handler, "apigateway", "domain"],
          "CloudFront is the front door; use apigateway = {} and put the domain on the distribution.",
        );
      }
    });
    for (const [key, wanted] of [
      ["token_secret", "spa_token_secret"],
      ["signing_key", "cloudfront_signing_key"],
      ["basic_auth", "basic_auth_credential"],
    ] as const) {
      const secretName = { token_secret: d.tokenSecret, signing_key: d.signingKey, basic_auth: d.basicAuth }[
        key
      ];
      if (!secretName || c === "failed") continue;
      const example = `[awscontainer.secrets.managed]\n${secretName} = { type = "${wanted}"${wanted === "basic_auth_credential" ? ', options = { username = "staff" }' : ""} }`;
      if (c === undefined) {
        add(
          `${key.replace("_", "-")}-container`,
          `${key} needs [awscontainer] with a managed secret "${secretName}"`,
          at(key),
          `Add:\n${example}`,
        );
      } else if (!c.secrets) {
        add(
          `${key.replace("_", "-")}-secrets`,
          `${key} needs [awscontainer.secrets] with a managed secret "${secretName}"`,
          at(key),
          `Add:\n${example}`,
        );
      } else {
        const spec = c.secrets.managed[secretName];
        if (!spec) {
          const guess = closest(secretName, Object.keys(c.secrets.managed));
          add(
            `${key.replace("_", "-")}-unknown`,
            `${key} "${secretName}" is not in [awscontainer.secrets.managed]`,
            at(key),
            guess ? `Did you mean "${guess}"?` : `Add:\n${example}`,
          );
        } else if (spec.type !== wanted) {
          add(
            `${key.replace("_", "-")}-type`,
            `${key} "${secretName}" must be a managed secret of type "${wanted}", not "${spec.type}"`,
            ["awscontainer", "secrets", "managed", secretName, "type"],
          );
        }
      }
    }
  }
  if (ok(c)) {
    // Two distributions writing the same CloudFront key id variable would shadow each other.
    const idVars = new Map<string, string>();
    for (const [name, d] of distributions) {
      if (d === "failed" || !d.signingKey) continue;
      const spec = c.secrets?.managed[d.signingKey];
      const v =
        spec?.type === "cloudfront_signing_key"
          ? `${d.signingKey}${spec.options.idEnvironSuffix}`
          : undefined;
      if (!v) continue;
      const other = idVars.get(v);
      if (other)
        add(
          "signing-key-shared",
          `distributions "${other}" and "${name}" both set ${v}`,
          ["cloudfront", name, "signing_key"],
          "Give each distribution its own cloudfront_signing_key secret.",
        );
      idVars.set(v, name);
    }
    for (const [secret, spec] of Object.entries(c.secrets?.managed ?? {})) {
      if (spec.type === "neon_database_url" && s.neon === undefined) {
        add(
          "secret-needs-neon",
          `managed secret ${secret} is a neon_database_url, which needs a [neon] section`,
          ["awscontainer", "secrets", "managed", secret, "type"],
        );
      }
      if (spec.type === "tidb_database_url" && s.tidb === undefined) {
        add(
          "secret-needs-tidb",
          `managed secret ${secret} is a tidb_database_url, which needs a [tidb] section`,
          ["awscontainer", "secrets", "managed", secret, "type"],
        );
      }
    }
    if (c.django) djangoIssues(c.django, ["awscontainer", "django"], s, c.useVpc && !!vpc?.efs, add);
    else if (ok(s.general) && s.s3 === undefined) {
      // Without [awscontainer.django] a deployed stage uses the local storages with its own bucket.
      for (const [name, st] of Object.entries(s.general.djangoFallback.storages)) {
        if (st.store !== "s3") continue;
        add(
          "storage-needs-s3",
          `storage "${name}" uses store = "s3"; deployed stages use it with the stage's bucket, which needs an [s3] section`,
          ["general", "django_fallback", "storages", name, "store"],
          "Add an empty [s3] table, or an [awscontainer.django] table for deployed stages.",
        );
      }
    }
    for (const [key, h] of Object.entries(c.handlers)) {
      if (h.command === MANAGEMENT_COMMAND_HANDLER && h.apigateway) {
        add(
          "management-handler-apigateway",
          `handler "${key}" runs management commands; it must not be reachable over HTTP (apigateway)`,
          ["awscontainer", "handlers", key, "apigateway"],
        );
      }
    }
  }
  if (ok(s.general)) fallbackIssues(s.general, add);
  if (ok(s.scheduler)) scheduleIssues(s.scheduler, c, add);
  return issues;
}

/** What a schedule sends depends on the handler it starts: an event, a command line or a message. */
export function handlerKind(h: { command: string; sqs?: unknown }): "sqs" | "manage" | "plain" {
  if (h.sqs) return "sqs";
  return h.command === MANAGEMENT_COMMAND_HANDLER ? "manage" : "plain";
}

const PAYLOAD_KEY = { sqs: "message", manage: "manage", plain: "input" } as const;

function scheduleIssues(
  scheduler: SectionSettings<"scheduler">,
  c: Checked<SectionSettings<"awscontainer">>,
  add: Add,
) {
  for (const [key, sch] of Object.entries(scheduler.schedules)) {
    const at: PathSegment[] = ["scheduler", "schedules", key];
    if (c === "failed") return;
    if (c === undefined) {
      add("schedule-container", `schedule "${key}" starts a handler, which needs [awscontainer]`, [
        ...at,
        "handler",
      ]);
      continue;
    }
    const h = c.handlers[sch.handler];
    if (!h) {
      const guess = closest(sch.handler, Object.keys(c.handlers));
      add(
        "schedule-unknown-handler",
        `schedule "${key}": handler "${sch.handler}" is not in [awscontainer.handlers]`,
        [...at, "handler"],
        guess ? `Did you mean "${guess}"?` : `Handlers: ${Object.keys(c.handlers).join(", ") || "(none)"}.`,
      );
      continue;
    }
    const kind = handlerKind(h);
    const wanted = PAYLOAD_KEY[kind];
    const what = {
      sqs: "has sqs, so a schedule sends it a queue message",
      manage: "runs management commands, so a schedule sends it a command line",
      plain: "is a plain handler, so a schedule invokes it with an event",
    }[kind];
    for (const other of ["input", "manage", "message"] as const) {
      if (other === wanted || sch[other] === undefined) continue;
      add(
        "schedule-payload",
        `schedule "${key}": handler "${sch.handler}" ${what}; use ${wanted}, not ${other}`,
        [...at, other],
        kind === "manage"
          ? 'e.g. manage = "clearsessions"'
          : kind === "sqs"
            ? 'e.g. message = "clearsessions" or message = { command = "clearsessions" }'
            : 'e.g. input = { job = "nightly" }',
      );
    }
    if (kind !== "plain" && sch[wanted] === undefined) {
      add(
        "schedule-payload-missing",
        `schedule "${key}": handler "${sch.handler}" ${what}; add ${wanted}`,
        at,
        kind === "manage" ? 'e.g. manage = "clearsessions"' : 'e.g. message = "clearsessions"',
      );
    }
  }
}

type Add = (code: string, message: string, path: PathSegment[], hint?: string) => void;

function djangoIssues(
  django: DjangoSettings,
  base: PathSegment[],
  s: CheckedSettings,
  hasEfs: boolean,
  add: Add,
) {
  for (const [name, st] of Object.entries(django.storages)) {
    const at = [...base, "storages", name];
    if (st.store === "s3" && s.s3 === undefined) {
      add(
        "storage-needs-s3",
        `storage "${name}" uses store = "s3", which needs an [s3] section`,
        [...at, "store"],
        "Add an empty [s3] table.",
      );
    }
    if (!st.distribution) continue;
    const d = s.cloudfront[st.distribution];
    if (d === undefined) {
      const guess = closest(st.distribution, Object.keys(s.cloudfront));
      add(
        "storage-unknown-distribution",
        `storage "${name}": distribution "${st.distribution}" is not a [cloudfront.NAME] table`,
        [...at, "distribution"],
        guess
          ? `Did you mean "${guess}"?`
          : `Distributions: ${Object.keys(s.cloudfront).join(", ") || "(none)"}.`,
      );
      continue;
    }
    if (d === "failed" || !st.route) continue;
    const route = d.routes.find((r) => r.ref === st.route);
    if (!route) {
      const guess = closest(st.route, d.routes.map((r) => r.ref).filter(Boolean));
      add(
        "storage-unknown-route",
        `storage "${name}": no route in [cloudfront.${st.distribution}] has ref = "${st.route}"`,
        [...at, "route"],
        guess
          ? `Did you mean "${guess}"?`
          : 'Give the route a ref, e.g. { path_pattern = "/static/*", ref = "static" }.',
      );
    } else if (route.type === "api") {
      add(
        "storage-api-route",
        `storage "${name}": route "${st.route}" is an api route, not a bucket folder`,
        [...at, "route"],
      );
    }
  }
  for (const [name, cache] of Object.entries(django.caches)) {
    if (cache.store === "efs" && !hasEfs) {
      add(
        "cache-efs-without-efs",
        `cache "${name}" uses store = "efs", which needs [vpc] with efs = {} and awscontainer in that VPC`,
        [...base, "caches", name, "store"],
        'Use store = "locmem", or add efs = {} to [vpc].',
      );
    }
  }
}

function fallbackIssues(general: Settings["general"], add: Add) {
  const base: PathSegment[] = ["general", "django_fallback"];
  for (const [name, st] of Object.entries(general.djangoFallback.storages)) {
    if (st.distribution) {
      add(
        "fallback-distribution",
        `local storage "${name}" cannot use distribution: CloudFront exists only for deployed stages`,
        [...base, "storages", name, "distribution"],
      );
    }
    if (st.store === "s3" && !general.s3FallbackBucketName) {
      add(
        "fallback-s3-bucket",
        `local storage "${name}" uses store = "s3", but [general] has no s3_fallback_bucket_name`,
        [...base, "storages", name, "store"],
        "Add s3_fallback_bucket_name to [general] for local development, or run with POCKET_STAGE set to use the stage's bucket.",
      );
    }
  }
  for (const [name, cache] of Object.entries(general.djangoFallback.caches)) {
    if (cache.store === "efs") {
      add(
        "fallback-efs-cache",
        `local cache "${name}" cannot use store = "efs": EFS exists only inside the VPC`,
        [...base, "caches", name, "store"],
        'Use store = "locmem".',
      );
    }
  }
}
