import type { PathSegment } from "../diagnostics.js";
import { redisUrlSecret } from "../schema/secrets.js";
import type { DjangoSettings, Settings } from "../schema/settings.js";
import { closest } from "../suggest.js";
import { type Add, type CheckedSettings, container, didYouMean, ok } from "./checked.js";

/**
 * A deployed stage's Django block: `[awscontainer.django]`, or without it the local storages
 * used with the stage's own bucket.
 */
export function stageDjangoReferences(s: CheckedSettings, add: Add): void {
  const c = container(s);
  if (!c) return;
  if (c.django) {
    const vpc = ok(s.vpc) ? s.vpc : undefined;
    djangoIssues(c.django, ["awscontainer", "django"], s, c.useVpc && !!vpc?.efs, add);
    return;
  }
  if (!ok(s.general) || s.s3 !== undefined) return;
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
    if (st.distribution) storageDistribution(name, st.distribution, st.route, at, s, add);
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
    if (cache.store === "redis" && redisUrlSecret(container(s)) === undefined) {
      add(
        "cache-redis-without-upstash",
        `cache "${name}" uses store = "redis", which reads its URL from a secret of type "upstash_redis_url"`,
        [...base, "caches", name, "store"],
        'Add [upstash] and REDIS_URL = { type = "upstash_redis_url" } to the container\'s managed secrets (or, with [upstash] provisioning = "command", to its user secrets).',
      );
    }
  }
}

/** Locally there is no Upstash database: a redis cache in the fallback would never connect. */
export function fallbackCachesLocal(s: CheckedSettings, add: Add): void {
  if (!ok(s.general)) return;
  for (const [name, cache] of Object.entries(s.general.djangoFallback.caches)) {
    if (cache.store !== "redis") continue;
    add(
      "cache-redis-local",
      `cache "${name}" of [general.django_fallback] uses store = "redis"; local runs have no Upstash database`,
      ["general", "django_fallback", "caches", name, "store"],
      'Use store = "locmem" in the fallback.',
    );
  }
}

/** A storage served by a distribution names an existing one, and a bucket route of it. */
function storageDistribution(
  name: string,
  distribution: string,
  ref: string | undefined,
  at: PathSegment[],
  s: CheckedSettings,
  add: Add,
) {
  const d = s.cloudfront[distribution];
  if (d === undefined) {
    const names = Object.keys(s.cloudfront);
    add(
      "storage-unknown-distribution",
      `storage "${name}": distribution "${distribution}" is not a [cloudfront.NAME] table`,
      [...at, "distribution"],
      didYouMean(closest(distribution, names), "Distributions", names),
    );
    return;
  }
  if (d === "failed") return;
  if (!ref) {
    // No route: the default one, which may be an API (the original's current spelling).
    if (d.routes.find((r) => r.isDefault)?.type === "api") {
      add(
        "storage-api-route",
        `storage "${name}": the default route of [cloudfront.${distribution}] is an API, not a bucket folder`,
        [...at, "distribution"],
        'Name a bucket route of it: route = "<ref>" and { path_pattern = "/static/*", ref = "<ref>" }.',
      );
    }
    return;
  }
  const route = d.routes.find((r) => r.ref === ref);
  if (!route) {
    const guess = closest(ref, d.routes.map((r) => r.ref).filter(Boolean));
    add(
      "storage-unknown-route",
      `storage "${name}": no route in [cloudfront.${distribution}] has ref = "${ref}"`,
      [...at, "route"],
      guess
        ? `Did you mean "${guess}"?`
        : 'Give the route a ref, e.g. { path_pattern = "/static/*", ref = "static" }.',
    );
  } else if (route.type === "api") {
    add("storage-api-route", `storage "${name}": route "${ref}" is an api route, not a bucket folder`, [
      ...at,
      "route",
    ]);
  }
}

/** `[general.django_fallback]` is for local runs: no CloudFront, no EFS, a named bucket for s3. */
export function localDjangoReferences(s: CheckedSettings, add: Add): void {
  if (ok(s.general)) fallbackIssues(s.general, add);
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
