import { randomBytes } from "node:crypto";
import type { CloudFrontContext, S3RouteContext } from "@magic-pocket/config";
import { KVS_KEYS, RELEASE_ID } from "../../cloudfront/functions/index.js";
import { CliError } from "../../errors.js";
import type { RunContext } from "../resource.js";
import { distributionOutputs, readKvsKey, writeKvsKey } from "./kvs.js";

/**
 * Atomic front-end releases (docs/decisions.md#e17-atomic-front-end-releases): the layout of a
 * distribution's releases in the `[s3]` bucket and the one key that says which one viewers get.
 * Each route with `build_dir` keeps release `id` under `{keyPrefix}/_releases/{id}/`; the
 * distribution's KeyValueStore holds the current id under `release`, which its viewer-request
 * functions read on every request.
 */
export type Releases = NonNullable<CloudFrontContext["releases"]>;

/** `{keyPrefix}/_releases` (no slash at either end). */
export function releasesRoot(route: S3RouteContext, releases: Releases): string {
  return route.keyPrefix ? `${route.keyPrefix}/${releases.folder}` : releases.folder;
}

/** Where release `id` of a route lives: `{keyPrefix}/_releases/{id}`. */
export function releasePrefix(route: S3RouteContext, releases: Releases, id: string): string {
  return `${releasesRoot(route, releases)}/${id}`;
}

/** `20261207-130501-3fa9c2`: sorts by time, unique with its random tail. */
export function newReleaseId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return `${stamp}-${randomBytes(3).toString("hex")}`;
}

/** The KVS ARN the distribution's stack made for its functions. */
async function storeArn(run: RunContext, cf: CloudFrontContext): Promise<string> {
  const arn = (await distributionOutputs(cf, run)).TokenKvsArn;
  if (!arn) {
    throw new CliError("kvs-missing", `the CloudFront stack ${cf.stackName} has no KeyValueStore output.`, {
      hint: "Deploy the distribution again (`pocket deploy`): its template adds the store front-end releases need.",
    });
  }
  return arn;
}

/** The release viewers get now, or undefined before the first release (files in place). */
export async function currentRelease(run: RunContext, cf: CloudFrontContext, releases: Releases) {
  const id = await readKvsKey(run, await storeArn(run, cf), releases.kvsKey);
  return id && RELEASE_ID.test(id) ? id : undefined;
}

/** The switch: one key write, read by the edge within seconds. */
export async function switchRelease(run: RunContext, cf: CloudFrontContext, releases: Releases, id: string) {
  await writeKvsKey(run, await storeArn(run, cf), releases.kvsKey, id);
}

const KVS_VALUE_MAX_BYTES = 1024;

/** A KeyValueStore value holds at most 1 KB: the newest kept ids that fit, newest first. */
export function keptList(ids: Iterable<string>): string {
  const out: string[] = [];
  for (const id of [...ids].sort().reverse()) {
    if ([...out, id].join(" ").length > KVS_VALUE_MAX_BYTES) break;
    out.push(id);
  }
  return out.join(" ");
}

/**
 * The releases a viewer pinned to the release of its page may still get (its cookie,
 * cloudfront/functions/release.ts): written after the switch and before pruning deletes any.
 */
export async function writeKeptReleases(run: RunContext, cf: CloudFrontContext, ids: string[]) {
  await writeKvsKey(run, await storeArn(run, cf), KVS_KEYS.keptReleases, keptList(ids));
}

/** The release ids a route has in the bucket, oldest first. */
export async function releaseIds(
  run: RunContext,
  cf: CloudFrontContext,
  route: S3RouteContext,
  releases: Releases,
): Promise<string[]> {
  const root = `${releasesRoot(route, releases)}/`;
  const { folders } = await listBucket(run, cf, root, "/");
  return folders
    .map((p) => p.slice(root.length, -1))
    .filter((id) => RELEASE_ID.test(id))
    .sort();
}

/** The releases pruning keeps: the newest `kept` ones, and the current one whatever its age. */
export function releasesToKeep(ids: readonly string[], kept: number, current: string): Set<string> {
  return new Set([...[...ids].sort().slice(-kept), current]);
}

/** Every key under `prefix` (with a trailing slash) in the distribution's bucket. */
export async function keysUnder(run: RunContext, cf: CloudFrontContext, prefix: string): Promise<string[]> {
  return (await listBucket(run, cf, prefix)).keys;
}

/** The keys under `prefix`, and with a delimiter the folders below it, every page of them. */
async function listBucket(
  run: RunContext,
  cf: CloudFrontContext,
  prefix: string,
  delimiter?: string,
): Promise<{ keys: string[]; folders: string[] }> {
  const { ListObjectsV2Command } = await import("@aws-sdk/client-s3");
  const s3 = await run.aws(cf.bucketRegion).s3();
  const out = { keys: [] as string[], folders: [] as string[] };
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: cf.bucketName,
        Prefix: prefix || undefined,
        Delimiter: delimiter,
        ContinuationToken: token,
      }),
    );
    for (const o of page.Contents ?? []) if (o.Key) out.keys.push(o.Key);
    for (const p of page.CommonPrefixes ?? []) if (p.Prefix) out.folders.push(p.Prefix);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out;
}
