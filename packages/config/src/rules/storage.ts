import type { PocketContext, S3RouteContext } from "../context/types.js";
import type { Issue, PathSegment } from "../diagnostics.js";
import type { Settings } from "../schema/settings.js";

/** `/media/` → `media`: a bucket key prefix as the front-end sync and the storages compare them. */
function normalize(prefix: string): string {
  return prefix.replace(/^\/+|\/+$/g, "");
}

/** Where `a` and `b` overlap: the same prefix, or one a folder inside the other. */
function overlap(storage: string, synced: string): "equals" | "inside" | "contains" | undefined {
  if (storage === synced) return "equals";
  if (storage.startsWith(`${synced}/`)) return "inside";
  if (synced.startsWith(`${storage}/`)) return "contains";
  return undefined;
}

/**
 * A front-end route with `build_dir` syncs its folder to its key prefix and deletes every key the
 * folder does not hold. A Django storage whose files live at that prefix, inside it or around it
 * would lose its uploads at every deploy, so the configuration is refused. The storages' prefixes
 * are read from the derived context (their `OPTIONS.location` in the stage's bucket), as the
 * front-end sync reads them.
 */
export function storageSyncIssues(settings: Settings, ctx: PocketContext): Issue[] {
  const bucket = ctx.s3?.bucketName;
  const storages = ctx.container?.django.storages;
  if (!bucket || !storages) return [];
  const base: PathSegment[] = settings.awscontainer?.django
    ? ["awscontainer", "django", "storages"]
    : ["general", "django_fallback", "storages"];
  const routes = Object.values(ctx.cloudfront ?? {}).flatMap((cf) =>
    cf.routes.flatMap((r) =>
      r.type === "s3" && r.syncPrefix !== undefined ? [{ cf: cf.name, route: r as S3RouteContext }] : [],
    ),
  );
  const issues: Issue[] = [];
  for (const [name, entry] of Object.entries(storages)) {
    const options = (entry.OPTIONS ?? {}) as { bucket_name?: unknown; location?: unknown };
    if (options.bucket_name !== bucket || typeof options.location !== "string") continue;
    const prefix = normalize(options.location);
    for (const { cf, route } of routes) {
      const synced = normalize(route.syncPrefix!);
      const how = overlap(prefix, synced);
      if (!how) continue;
      const where = how === "equals" ? "at" : how === "inside" ? "inside" : "around (it contains)";
      const what = route.pathPattern === "" ? "default route" : `route "${route.pathPattern}"`;
      issues.push({
        code: "storage-in-frontend-sync",
        message: `storage "${name}" keeps its files ${where} "${synced}/", which the ${what} of [cloudfront.${cf}] (build_dir = "${route.buildDir}") syncs with deletion: every deploy would delete the storage's files`,
        path: [...base, name],
        hint: `Give the storage a location outside "${synced}/" (e.g. location = "media" without distribution, or a route of its own with ref), or change the front-end route's origin_path / path_pattern.`,
      });
    }
  }
  return issues;
}

/**
 * A lifecycle rule that expires current objects under a prefix deletes whatever lives there: a
 * Django storage's uploads or static files, a front-end route's files. Allowed (a `tmp/` folder
 * of a storage may be meant to expire), with a warning naming what it reaches.
 */
export function lifecycleWarnings(ctx: PocketContext): Issue[] {
  const s3 = ctx.s3;
  if (!s3) return [];
  const owners: { what: string; prefix: string }[] = [];
  for (const [name, entry] of Object.entries(ctx.container?.django.storages ?? {})) {
    const o = (entry.OPTIONS ?? {}) as { bucket_name?: unknown; location?: unknown };
    if (o.bucket_name === s3.bucketName && typeof o.location === "string")
      owners.push({ what: `Django storage "${name}"`, prefix: normalize(o.location) });
  }
  for (const cf of Object.values(ctx.cloudfront ?? {})) {
    for (const r of cf.routes) {
      if (r.type !== "s3") continue;
      const route = r.pathPattern === "" ? "default route" : `route "${r.pathPattern}"`;
      owners.push({ what: `the ${route} of [cloudfront.${cf.name}]`, prefix: normalize(r.keyPrefix) });
    }
  }
  const issues: Issue[] = [];
  s3.lifecycleRules.forEach((rule, i) => {
    if (rule.expirationDays === undefined) return;
    const prefix = normalize(rule.prefix);
    const reached = owners.filter((o) => prefix === "" || overlap(o.prefix, prefix) !== undefined);
    if (reached.length === 0) return;
    issues.push({
      severity: "warning",
      code: "lifecycle-expires-files",
      message: `lifecycle rule "${rule.id}" deletes objects under "${prefix === "" ? "(the whole bucket)" : `${prefix}/`}" after ${rule.expirationDays} days, which reaches ${reached.map((o) => o.what).join(", ")}`,
      path: ["s3", "lifecycle_rules", i, "prefix"],
      hint: 'Give the rule a prefix of its own (e.g. "tmp/"), unless these files are meant to expire.',
    });
  });
  return issues;
}
