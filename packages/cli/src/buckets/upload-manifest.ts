import { createHash } from "node:crypto";
import type { Stats } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";

/**
 * What a sync learnt about each local file it compared or uploaded: the file's stamp (size,
 * mtime, ctime, inode) and the MD5 of its content then. On the next sync a file whose stamp is
 * unchanged, and whose object still has that MD5 as its ETag and the same size, is kept without
 * reading it; any other file is read and hashed as before, so a rebuilt file with the same bytes
 * (new stamp, same MD5) is still not uploaded. ctime cannot be set back by a tool that copies
 * mtimes (`cp -p`, `rsync -t`), so content written under an old mtime is still read.
 * The manifest is a cache on this machine (~/.cache/magic-pocket/uploads/, or $XDG_CACHE_HOME):
 * losing it, or a stale one, only costs reading the files again.
 */
export interface FileStamp {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
}

export interface ManifestEntry extends FileStamp {
  md5: string;
}

/** Entries by path relative to the synced folder. */
export type UploadManifest = Record<string, ManifestEntry>;

const VERSION = 1;

export function stampOf(stats: Stats): FileStamp {
  return { size: stats.size, mtimeMs: stats.mtimeMs, ctimeMs: stats.ctimeMs, ino: stats.ino };
}

export function sameStamp(a: FileStamp, b: FileStamp): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs && a.ino === b.ino;
}

/** The cache file of one folder synced to one bucket and prefix. */
export function manifestPath(dir: string, bucket: string, prefix: string): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  const id = createHash("sha256")
    .update(`${resolve(dir)}\0${bucket}\0${prefix}`)
    .digest("hex")
    .slice(0, 32);
  return join(base, "magic-pocket", "uploads", `${id}.json`);
}

/** The manifest, or an empty one when there is none or it cannot be read. */
export async function readManifest(path: string): Promise<UploadManifest> {
  try {
    const data = JSON.parse(await readFile(path, "utf8")) as { version?: number; files?: UploadManifest };
    return data.version === VERSION && data.files && typeof data.files === "object" ? data.files : {};
  } catch {
    return {};
  }
}

/**
 * Drops `removed` from the manifest at `path`, then adds `entries` (replacing those of the same
 * paths). Best effort: a cache that cannot be written costs only a slower next sync.
 */
export async function updateManifest(
  path: string,
  entries: UploadManifest,
  removed: readonly string[] = [],
): Promise<void> {
  try {
    const files = await readManifest(path);
    for (const rel of removed) delete files[rel];
    Object.assign(files, entries);
    await mkdir(dirname(path), { recursive: true });
    const temp = `${path}.${process.pid}.tmp`;
    await writeFile(temp, JSON.stringify({ version: VERSION, files }));
    await rename(temp, path);
  } catch {
    // A read-only home or a full disk: the next sync reads the files instead.
  }
}
