import type { PocketContext } from "@magic-pocket/config";

/** A key prefix without slashes at either end ("" is the whole bucket). */
function trim(prefix: string): string {
  return prefix.replace(/^\/+|\/+$/g, "");
}

/** True when `key` lies under `prefix` (every key lies under ""). */
export function isUnder(key: string, prefix: string): boolean {
  return prefix === "" || key === prefix || key.startsWith(`${prefix}/`);
}

/** The key prefixes Django storages own in `bucket` (user uploads, static files), by storage name. */
export function storagePrefixes(ctx: PocketContext, bucket: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, entry] of Object.entries(ctx.container?.django.storages ?? {})) {
    const o = (entry.OPTIONS ?? {}) as { bucket_name?: string; location?: string };
    if (o.bucket_name === bucket) out.set(name, trim(o.location ?? ""));
  }
  return out;
}

/** The key prefixes CloudFront S3 routes serve from `bucket`. */
export function routePrefixes(ctx: PocketContext, bucket: string): string[] {
  return Object.values(ctx.cloudfront ?? {})
    .filter((cf) => cf.bucketName === bucket)
    .flatMap((cf) => cf.routes.flatMap((r) => (r.type === "s3" ? [trim(r.keyPrefix)] : [])));
}

/**
 * Whether a sync into `prefix` (for the storage named `storage`, if it is one) may delete `key`:
 * never under another Django storage's prefix (user uploads have no copy anywhere else), nor
 * under a route's prefix nested inside ours, nor under a distribution's `pocket_managed/` folder.
 * This holds whatever the configuration says, as a
 * second line behind `pocket config validate`.
 */
export function deletionForbidden(
  ctx: PocketContext,
  bucket: string,
  target: { prefix: string; storage?: string },
): (key: string) => boolean {
  const own = trim(target.prefix);
  const storages = [...storagePrefixes(ctx, bucket)]
    .filter(([name]) => name !== target.storage)
    .map(([, p]) => p);
  const nested = routePrefixes(ctx, bucket).filter((p) => p !== own && isUnder(p, own));
  // A distribution's managed_assets are synced by its own deploy only (docs/decisions.md#e23-managed-assets).
  const managed = Object.values(ctx.cloudfront ?? {}).flatMap((cf) =>
    cf.bucketName === bucket && cf.managedAssets ? [cf.managedAssets.keyPrefix] : [],
  );
  return (key) => [...storages, ...nested, ...managed].some((p) => isUnder(key, p));
}
