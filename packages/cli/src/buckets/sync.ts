import { createHash } from "node:crypto";
import { closeSync, fstatSync, openSync, readFileSync } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { type AwsClients, callerIdentity, ownerCheckedLater } from "../aws/clients.js";
import { type BucketPut, bucketPut } from "../aws/s3-put.js";
import { CliError } from "../errors.js";
import {
  type FileStamp,
  type ManifestEntry,
  manifestPath,
  readManifest,
  sameStamp,
  stampOf,
  type UploadManifest,
  updateManifest,
} from "./upload-manifest.js";
import { runPool } from "./upload-pool.js";

/** Where an uploaded file's stamp and MD5 are recorded (upload-manifest.ts). */
export interface ManifestSlot {
  path: string;
  rel: string;
}

/** One file's fate in a sync: upload (new or changed), keep (same MD5), delete (gone locally). */
export type SyncAction =
  | { kind: "upload"; key: string; file: string; reason: "new" | "changed"; manifest?: ManifestSlot }
  | { kind: "keep"; key: string }
  | { kind: "delete"; key: string };

export interface SyncTarget {
  bucket: string;
  /** Key prefix without leading or trailing `/` ("" for the bucket root). */
  prefix: string;
}

/** Content-hashed names that collectstatic's manifest storage writes: `app.3f2a1b9c8d7e.css`. */
const HASHED = /\.[0-9a-f]{12}\.[A-Za-z0-9]+$/;

export function cacheControlFor(key: string): string {
  return HASHED.test(key) ? "public, max-age=31536000, immutable" : "public, max-age=3600";
}

/** Files under `dir`, as paths relative to it with `/`; dotfiles and dot-folders are skipped. */
export async function localFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (current: string): Promise<void> => {
    for (const entry of await readdir(current, { withFileTypes: true })) {
      if (entry.name.startsWith(".")) continue;
      const path = join(current, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile() || (entry.isSymbolicLink() && (await linkedFile(path)))) {
        out.push(relative(dir, path).split(sep).join("/"));
      }
    }
  };
  await walk(dir);
  return out.sort();
}

/**
 * A link `collectstatic --link` made: its file is uploaded (as `aws s3 sync` follows links). A link
 * whose file is gone is refused rather than skipped, so the stage never silently lacks a file
 * (docs/decisions.md#i3-static-files-for-django).
 */
async function linkedFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    throw new CliError("broken-link", `${path} is a link to a file that does not exist.`, {
      hint: "Remove the link (or restore its file), then upload again.",
    });
  }
}

const keyFor = (target: SyncTarget, rel: string) => (target.prefix ? `${target.prefix}/${rel}` : rel);

/** The MD5 of a file's content, hex: what a single-part upload's ETag is. */
export async function md5OfFile(file: string): Promise<string> {
  return createHash("md5")
    .update(await readFile(file))
    .digest("hex");
}

interface RemoteObject {
  etag: string;
  size: number;
}

/**
 * What a sync would do. A file is new when its key is absent, changed when its size differs from
 * the object's; otherwise its MD5 is compared with the object's ETag, read from the cached
 * manifest when the file's stamp has not changed since it was last hashed (upload-manifest.ts),
 * else by reading the file. Uploads are single-part (see `applySync`), so an ETag is the MD5 of
 * the content; a multipart or SSE-KMS ETag never matches and the file is uploaded again, which
 * is safe. `manifest: false` neither reads nor writes the cache; `hash` is the file reader (a
 * test counts its calls).
 */
export async function planSync(
  clients: AwsClients,
  dir: string,
  target: SyncTarget,
  options: {
    delete: boolean;
    /** Keys under the prefix that belong to something else (another route, a storage): never deleted. */
    protect?: (key: string) => boolean;
    manifest?: false;
    /**
     * The prefix the cached manifest is kept under, when not the target's: a front-end route's
     * releases share one (docs/decisions.md#e17-atomic-front-end-releases); an entry is still
     * used only when its MD5 is the object's ETag.
     */
    manifestPrefix?: string;
    hash?: (file: string) => Promise<string>;
    /**
     * The caller applies the plan next (applySync): when it uploads, its first PUT names the
     * bucket's owner, so the plan need not wait for that check. Any other caller (a dry run, a
     * status) gets a plan only once the bucket is known to be the account's.
     */
    appliedNext?: boolean;
  },
): Promise<SyncAction[]> {
  const hash = options.hash ?? md5OfFile;
  warmUploads(clients);
  const cachePath =
    options.manifest === false
      ? undefined
      : manifestPath(dir, target.bucket, options.manifestPrefix ?? target.prefix);
  const [{ remote, ownerChecked }, cached, locals] = await Promise.all([
    remoteObjects(clients, target),
    cachePath ? readManifest(cachePath) : Promise.resolve<UploadManifest>({}),
    localFiles(dir),
  ]);

  const actions: SyncAction[] = [];
  const verified: UploadManifest = {};
  const seen = new Set<string>();
  for (const rel of locals) {
    const key = keyFor(target, rel);
    seen.add(key);
    const file = join(dir, rel);
    const manifest = cachePath ? { path: cachePath, rel } : undefined;
    const object = remote.get(key);
    if (object === undefined) {
      actions.push({ kind: "upload", key, file, reason: "new", manifest });
      continue;
    }
    const stamp = stampOf(await stat(file));
    if (stamp.size !== object.size) {
      actions.push({ kind: "upload", key, file, reason: "changed", manifest });
      continue;
    }
    const entry = cached[rel];
    const md5 = entry && sameStamp(entry, stamp) && entry.md5 === object.etag ? entry.md5 : await hash(file);
    if (md5 === object.etag) {
      verified[rel] = { ...stamp, md5 };
      actions.push({ kind: "keep", key });
    } else {
      actions.push({ kind: "upload", key, file, reason: "changed", manifest });
    }
  }
  // Only what was just verified against the bucket is kept: the uploads add theirs (applySync).
  if (cachePath) await updateManifest(cachePath, verified, Object.keys(cached));
  if (options.delete) {
    for (const key of [...remote.keys()].sort()) {
      if (!seen.has(key) && !options.protect?.(key)) actions.push({ kind: "delete", key });
    }
  }
  // A plan applied next that uploads is checked by its first PUT, which names the owner
  // (aws/s3-put.ts) and comes before any other write of the sync; any other plan (nothing to
  // upload, a dry run, a status) by an owner-checked call now, before anyone reads it.
  const checkedByPut = options.appliedNext === true && actions.some((a) => a.kind === "upload");
  if (!ownerChecked && !checkedByPut) await confirmOwner(clients, target.bucket);
  return actions;
}

/**
 * Starts, beside the listing, what comes later on the way to the first upload: the account id
 * every S3 call names (aws/clients.ts; its round trip then overlaps the SDK's loading instead of
 * following it) and the MIME table the uploads read. Against a distant S3 this takes a round
 * trip and the table's loading off the critical path (docs/decisions.md#p7-front-end-upload). A failure
 * here is left to the call that needs the answer, which asks again.
 */
function warmUploads(clients: AwsClients): void {
  callerIdentity(clients).catch(() => undefined);
  import("mime-types").catch(() => undefined);
}

/**
 * The objects under the target's prefix. The first page is asked at once, beside the account id
 * (warmUploads), not after it: `ownerChecked` says whether it still named the bucket's owner
 * (later pages always do). When it did not, planSync sees that the bucket is ours before anything
 * acts on the listing (docs/decisions.md#p16-buckets-are-checked-for-their-owner).
 */
async function remoteObjects(
  clients: AwsClients,
  target: SyncTarget,
): Promise<{ remote: Map<string, RemoteObject>; ownerChecked: boolean }> {
  const { ListObjectsV2Command } = await import("@aws-sdk/client-s3");
  const s3 = await clients.s3();
  const remote = new Map<string, RemoteObject>();
  let token: string | undefined;
  let ownerChecked = true;
  do {
    const input = {
      Bucket: target.bucket,
      Prefix: target.prefix ? `${target.prefix}/` : undefined,
      ContinuationToken: token,
    };
    const out = await s3.send(new ListObjectsV2Command(token ? input : ownerCheckedLater(input)));
    // The middleware (aws/clients.ts) fills in the owner on the input it sends.
    if (!token) ownerChecked = (input as { ExpectedBucketOwner?: string }).ExpectedBucketOwner !== undefined;
    for (const o of out.Contents ?? []) {
      if (o.Key) remote.set(o.Key, { etag: (o.ETag ?? "").replaceAll('"', ""), size: o.Size ?? -1 });
    }
    token = out.IsTruncated ? out.NextContinuationToken : undefined;
  } while (token);
  return { remote, ownerChecked };
}

/**
 * Fails unless the bucket is the caller's account's: a one-key listing that names its owner (S3
 * answers AccessDenied otherwise, worded as the listing's own refusal was; a HeadBucket's 403 has
 * no code to word).
 */
async function confirmOwner(clients: AwsClients, bucket: string): Promise<void> {
  const { ListObjectsV2Command } = await import("@aws-sdk/client-s3");
  await (await clients.s3()).send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1 }));
}

/** The Content-Type an upload gives a key: by its extension, text and scripts in UTF-8. */
export async function contentTypes(): Promise<(key: string) => string> {
  // mime-types is CommonJS: its functions are on the default export once bundled.
  const mime = await import("mime-types");
  const lookup = (mime.default ?? mime).lookup;
  return (key) => {
    const type = lookup(key) || "application/octet-stream";
    return type.startsWith("text/") || type.endsWith("javascript") ? `${type}; charset=utf-8` : type;
  };
}

export type SyncProgress = (done: number, total: number, action: SyncAction) => void;

/**
 * Carries out the uploads and deletions of a plan. Uploads run as many at once as S3 allows
 * (upload-pool.ts: from 32 up to 48 on kept-alive connections, halved on SlowDown);
 * each uploaded file's stamp and MD5 go into its manifest, so the next sync need not read it.
 */
export async function applySync(
  clients: AwsClients,
  target: SyncTarget,
  actions: SyncAction[],
  progress: SyncProgress,
  options: {
    cacheControl?: (key: string) => string | undefined;
    /** S3 user metadata every uploaded object carries (a front-end release's id). */
    metadata?: Record<string, string>;
  } = {},
): Promise<void> {
  const cacheControl = options.cacheControl ?? cacheControlFor;
  const { DeleteObjectsCommand } = await import("@aws-sdk/client-s3");
  const contentType = await contentTypes();
  const s3 = await clients.s3();
  const uploads = actions.filter((a): a is Extract<SyncAction, { kind: "upload" }> => a.kind === "upload");
  const put = uploads.length > 0 ? await objectPut(clients, target.bucket) : undefined;
  const deletes = actions.filter((a) => a.kind === "delete").map((a) => a.key);
  const total = uploads.length + deletes.length;
  let done = 0;
  const recorded = new Map<string, Record<string, ManifestEntry>>();
  try {
    await runPool(uploads, async (a) => {
      const { stamp, body } = readStamped(a.file);
      const md5 = createHash("md5").update(body).digest();
      const { attempts } = await put!({
        key: a.key,
        body,
        md5,
        contentType: contentType(a.key),
        cacheControl: cacheControl(a.key),
        metadata: options.metadata,
      });
      if (a.manifest) {
        const entries = recorded.get(a.manifest.path) ?? {};
        entries[a.manifest.rel] = { ...stamp, md5: md5.toString("hex") };
        recorded.set(a.manifest.path, entries);
      }
      progress(++done, total, a);
      return { slowed: attempts > 1 };
    });
  } finally {
    for (const [path, entries] of recorded) await updateManifest(path, entries);
  }
  for (let i = 0; i < deletes.length; i += 1000) {
    const batch = deletes.slice(i, i + 1000);
    await s3.send(
      new DeleteObjectsCommand({
        Bucket: target.bucket,
        Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
      }),
    );
    for (const key of batch) progress(++done, total, { kind: "delete", key });
  }
}

/**
 * A file's stamp and bytes. The stamp is taken before the read: a file rewritten meanwhile has a
 * newer one and is read next time. Synchronous on purpose: for a front end's small files four
 * system calls cost less CPU than four thread-pool round trips of fs/promises, and the upload is
 * bound by CPU (docs/decisions.md#p7-front-end-upload).
 */
function readStamped(file: string): { stamp: FileStamp; body: Buffer } {
  const fd = openSync(file, "r");
  try {
    return { stamp: stampOf(fstatSync(fd)), body: readFileSync(fd) };
  } finally {
    closeSync(fd);
  }
}

/**
 * How a sync puts its files: the lean PUT (aws/s3-put.ts: the SDK's signer and endpoint rules
 * without its per-request middleware, the upload's CPU cost, docs/decisions.md#p7-front-end-upload),
 * or the SDK's PutObject for a bucket whose endpoint signs otherwise.
 */
async function objectPut(clients: AwsClients, bucket: string): Promise<BucketPut> {
  const lean = await bucketPut(clients, bucket);
  if (lean) return lean;
  const { PutObjectCommand } = await import("@aws-sdk/client-s3");
  const s3 = await clients.s3();
  return async (input) => {
    const out = await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: input.key,
        Body: input.body,
        ContentLength: input.body.byteLength,
        ContentType: input.contentType,
        CacheControl: input.cacheControl,
        Metadata: input.metadata,
      }),
    );
    return { attempts: out.$metadata.attempts ?? 1 };
  };
}

/** `uploaded 3, unchanged 40, deleted 1` */
export function syncSummary(actions: SyncAction[]): string {
  const n = (kind: SyncAction["kind"]) => actions.filter((a) => a.kind === kind).length;
  const parts = [`uploaded ${n("upload")}`, `unchanged ${n("keep")}`];
  if (n("delete") > 0) parts.push(`deleted ${n("delete")}`);
  return parts.join(", ");
}
