import { createHash } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import type { AwsClients } from "../aws/clients.js";

/** One file's fate in a sync: upload (new or changed), keep (same MD5), delete (gone locally). */
export type SyncAction =
  | { kind: "upload"; key: string; file: string; reason: "new" | "changed" }
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
      else if (entry.isFile()) out.push(relative(dir, path).split(sep).join("/"));
    }
  };
  await walk(dir);
  return out.sort();
}

const keyFor = (target: SyncTarget, rel: string) => (target.prefix ? `${target.prefix}/${rel}` : rel);

/**
 * What a sync would do, comparing each file's MD5 with the object's ETag. Uploads are single-part
 * (see `applySync`), so an ETag is the MD5 of the content; a multipart ETag (with `-`) never
 * matches and the file is uploaded again, which is safe.
 */
export async function planSync(
  clients: AwsClients,
  dir: string,
  target: SyncTarget,
  options: {
    delete: boolean;
    /** Keys under the prefix that belong to something else (another route, a storage): never deleted. */
    protect?: (key: string) => boolean;
  },
): Promise<SyncAction[]> {
  const { ListObjectsV2Command } = await import("@aws-sdk/client-s3");
  const s3 = await clients.s3();
  const remote = new Map<string, string>();
  let token: string | undefined;
  do {
    const out = await s3.send(
      new ListObjectsV2Command({
        Bucket: target.bucket,
        Prefix: target.prefix ? `${target.prefix}/` : undefined,
        ContinuationToken: token,
      }),
    );
    for (const o of out.Contents ?? []) if (o.Key) remote.set(o.Key, (o.ETag ?? "").replaceAll('"', ""));
    token = out.IsTruncated ? out.NextContinuationToken : undefined;
  } while (token);

  const actions: SyncAction[] = [];
  const seen = new Set<string>();
  for (const rel of await localFiles(dir)) {
    const key = keyFor(target, rel);
    seen.add(key);
    const file = join(dir, rel);
    const etag = remote.get(key);
    if (etag === undefined) {
      actions.push({ kind: "upload", key, file, reason: "new" });
      continue;
    }
    const md5 = createHash("md5")
      .update(await readFile(file))
      .digest("hex");
    actions.push(etag === md5 ? { kind: "keep", key } : { kind: "upload", key, file, reason: "changed" });
  }
  if (options.delete) {
    for (const key of [...remote.keys()].sort()) {
      if (!seen.has(key) && !options.protect?.(key)) actions.push({ kind: "delete", key });
    }
  }
  return actions;
}

export type SyncProgress = (done: number, total: number, action: SyncAction) => void;

/** Carries out the uploads (8 at a time) and deletions of a plan. */
export async function applySync(
  clients: AwsClients,
  target: SyncTarget,
  actions: SyncAction[],
  progress: SyncProgress,
  options: { cacheControl?: (key: string) => string | undefined } = {},
): Promise<void> {
  const cacheControl = options.cacheControl ?? cacheControlFor;
  const { DeleteObjectsCommand, PutObjectCommand } = await import("@aws-sdk/client-s3");
  // mime-types is CommonJS: its functions are on the default export once bundled.
  const mime = await import("mime-types");
  const lookup = (mime.default ?? mime).lookup;
  const s3 = await clients.s3();
  const uploads = actions.filter((a): a is Extract<SyncAction, { kind: "upload" }> => a.kind === "upload");
  const deletes = actions.filter((a) => a.kind === "delete").map((a) => a.key);
  const total = uploads.length + deletes.length;
  let done = 0;
  let next = 0;
  const worker = async () => {
    for (;;) {
      const a = uploads[next++];
      if (!a) return;
      const body = await readFile(a.file);
      const type = lookup(a.key) || "application/octet-stream";
      await s3.send(
        new PutObjectCommand({
          Bucket: target.bucket,
          Key: a.key,
          Body: body,
          ContentLength: (await stat(a.file)).size,
          ContentType:
            type.startsWith("text/") || type.endsWith("javascript") ? `${type}; charset=utf-8` : type,
          CacheControl: cacheControl(a.key),
        }),
      );
      progress(++done, total, a);
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, uploads.length) }, worker));
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

/** `uploaded 3, unchanged 40, deleted 1` */
export function syncSummary(actions: SyncAction[]): string {
  const n = (kind: SyncAction["kind"]) => actions.filter((a) => a.kind === kind).length;
  const parts = [`uploaded ${n("upload")}`, `unchanged ${n("keep")}`];
  if (n("delete") > 0) parts.push(`deleted ${n("delete")}`);
  return parts.join(", ");
}
