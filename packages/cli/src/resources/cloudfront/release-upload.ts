import type { CloudFrontContext, PocketContext, S3RouteContext } from "@magic-pocket/config";
import { isUnder } from "../../buckets/owners.js";
import { applySync, contentTypes, type SyncAction } from "../../buckets/sync.js";
import { runPool } from "../../buckets/upload-pool.js";
import { RELEASE_METADATA } from "../../cloudfront/functions/index.js";
import type { Progress, RunContext } from "../resource.js";
import { frontendCacheControl, type RoutePlan } from "./frontend-files.js";
import {
  keysUnder,
  newReleaseId,
  type Releases,
  releaseIds,
  releasePrefix,
  releasesRoot,
  releasesToKeep,
  switchRelease,
  writeKeptReleases,
} from "./releases.js";

/**
 * One front-end release (docs/decisions.md#e17-atomic-front-end-releases): every file of every
 * route goes to a new release folder, a file the current release already has with the same
 * content by a server-side copy, any other by an upload; then viewers are switched by one
 * KeyValueStore write; then releases beyond `kept_releases` and files left in place by uploads
 * before releases are deleted. Nothing viewers can reach changes before the switch, so the order
 * of the files does not matter and no viewer gets a mix of two releases. Every object carries
 * the release id as S3 metadata, which pins a viewer to the release of the page it loaded
 * (cloudfront/functions/release.ts).
 * `plans` compare each route's folder with `from` (the current release's folder, or the route's
 * files in place before the first release).
 */
export async function uploadRelease(
  ctx: PocketContext,
  cf: CloudFrontContext,
  run: RunContext,
  progress: Progress,
  releases: Releases,
  plans: { plan: RoutePlan; from: string }[],
): Promise<{ id: string; summary: string[] }> {
  const id = newReleaseId();
  const clients = run.aws(cf.bucketRegion);
  const total = plans.reduce((n, p) => n + p.plan.actions.filter((a) => a.kind !== "delete").length, 0);
  let done = 0;
  const tick = (verb: string, key: string) => progress.update(`${verb} ${++done}/${total} ${key}`);
  const summary: string[] = [];
  for (const { plan, from } of plans) {
    const to = releasePrefix(plan.route, releases, id);
    const moved = (key: string) => `${to}/${from ? key.slice(from.length + 1) : key}`;
    const copies = plan.actions
      .filter((a) => a.kind === "keep")
      .map((a) => ({
        from: a.key,
        to: moved(a.key),
        cacheControl: frontendCacheControl(plan.route, moved(a.key)),
      }));
    const uploads = plan.actions.flatMap((a) => (a.kind === "upload" ? [{ ...a, key: moved(a.key) }] : []));
    await copyObjects(run, cf, id, copies, (key) => tick("copying", key));
    await applySync(
      clients,
      { bucket: cf.bucketName, prefix: to },
      uploads,
      (_d, _t, a) => tick("uploading", a.key),
      {
        cacheControl: (key) => frontendCacheControl(plan.route, key),
        metadata: { [RELEASE_METADATA]: id },
      },
    );
    summary.push(`${plan.route.keyPrefix}/: uploaded ${uploads.length}, copied ${copies.length}`);
  }
  progress.update(`switching viewers to release ${id}`);
  await switchRelease(run, cf, releases, id);
  const pruned = await pruneReleases(ctx, cf, run, releases, id);
  if (pruned > 0) summary.push(`deleted ${pruned} file(s) of older releases`);
  return { id, summary };
}

/**
 * Server-side copies into release `id`. The metadata is replaced, not copied, so the copy names
 * its own release; replacing drops the source's type and cache headers, so they are given again
 * as an upload gives them.
 */
async function copyObjects(
  run: RunContext,
  cf: CloudFrontContext,
  id: string,
  copies: { from: string; to: string; cacheControl?: string }[],
  onCopied: (key: string) => void,
): Promise<void> {
  if (copies.length === 0) return;
  const { CopyObjectCommand } = await import("@aws-sdk/client-s3");
  const s3 = await run.aws(cf.bucketRegion).s3();
  const contentType = await contentTypes();
  const source = (key: string) => `${cf.bucketName}/${key.split("/").map(encodeURIComponent).join("/")}`;
  await runPool(copies, async (c) => {
    const out = await s3.send(
      new CopyObjectCommand({
        Bucket: cf.bucketName,
        Key: c.to,
        CopySource: source(c.from),
        MetadataDirective: "REPLACE",
        Metadata: { [RELEASE_METADATA]: id },
        ContentType: contentType(c.to),
        CacheControl: c.cacheControl,
      }),
    );
    onCopied(c.to);
    return { slowed: (out.$metadata.attempts ?? 1) > 1 };
  });
}

/**
 * After a switch: each route keeps the newest `kept_releases` releases (the current one always),
 * and loses the files an upload before releases left in place. The releases every route keeps
 * are listed in the store first, the list pinned viewers are served from. Keys of a Django storage or of
 * another route under the route's prefix are never deleted (`protect`). Returns how many files
 * were deleted.
 */
async function pruneReleases(
  ctx: PocketContext,
  cf: CloudFrontContext,
  run: RunContext,
  releases: Releases,
  current: string,
): Promise<number> {
  const { deletionForbidden } = await import("../../buckets/owners.js");
  const deletes: SyncAction[] = [];
  const kept: Set<string>[] = [];
  for (const route of uploadRoutes(cf)) {
    const keep = releasesToKeep(await releaseIds(run, cf, route, releases), releases.kept, current);
    kept.push(keep);
    const root = releasesRoot(route, releases);
    const protect = deletionForbidden(ctx, cf.bucketName, { prefix: route.keyPrefix });
    for (const key of await keysUnder(run, cf, route.keyPrefix ? `${route.keyPrefix}/` : "")) {
      const release = isUnder(key, root) ? key.slice(root.length + 1).split("/")[0]! : undefined;
      if (release !== undefined ? !keep.has(release) : !protect(key)) deletes.push({ kind: "delete", key });
    }
  }
  // Viewers pinned to a release about to go fall back to the current one before its files do.
  await writeKeptReleases(
    run,
    cf,
    [...kept[0]!].filter((id) => kept.every((k) => k.has(id))),
  );
  const unique = [...new Map(deletes.map((d) => [d.key, d])).values()];
  if (unique.length > 0)
    await applySync(run.aws(cf.bucketRegion), { bucket: cf.bucketName, prefix: "" }, unique, () => {});
  return unique.length;
}

function uploadRoutes(cf: CloudFrontContext): S3RouteContext[] {
  return cf.routes.filter((r): r is S3RouteContext => r.type === "s3" && r.buildDir !== undefined);
}
