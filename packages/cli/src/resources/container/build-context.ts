import { createHash } from "node:crypto";
import { lstat, readdir, readFile, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";

/**
 * What `docker build .` would send, as a zip for CodeBuild's S3 source: every file under the
 * build directory that `.dockerignore` (Docker's own rules, via @balena/dockerignore) keeps.
 * The archive is deterministic (sorted paths, fixed timestamps), so its hash says whether the
 * sources changed since the last build.
 */
export interface BuildContextArchive {
  zip: Uint8Array;
  /** sha256 hex of the archive: equal archives mean equal sources. */
  sha256: string;
  files: number;
  /** `.env` files in the archive: secrets the user may not mean to ship (see .dockerignore). */
  envFiles: string[];
}

/** Used when the project has no `.dockerignore` (reference-deploy §7.5). */
export const DEFAULT_DOCKERIGNORE = [
  ".git",
  ".venv",
  "**/__pycache__",
  "**/node_modules",
  ".mypy_cache",
  ".pytest_cache",
  ".ruff_cache",
  "**/*.pyc",
  ".env",
  ".forge",
];

/** 1980-01-01, the earliest time a zip entry can hold: no clock leaks into the hash. */
const FIXED_MTIME = new Date(1980, 0, 1, 0, 0, 0);

export async function zipBuildContext(root: string, dockerfile: string): Promise<BuildContextArchive> {
  const [{ zipSync }, ignoreModule] = await Promise.all([import("fflate"), import("@balena/dockerignore")]);
  const ignore = (ignoreModule.default ?? ignoreModule) as unknown as typeof ignoreModule.default;
  const patterns = await dockerignorePatterns(root);
  const ig = ignore().add(patterns);
  // Docker lets a `!pattern` re-include files under an ignored directory, so a directory may only
  // be skipped whole when no pattern re-includes anything.
  const canPrune = !patterns.some((p) => p.startsWith("!"));
  const dockerfilePath = toPosix(relative(root, join(root, dockerfile)));
  const files: string[] = [];
  await walk(root, root, files, (path, isDir) => {
    if (path === dockerfilePath || path === ".dockerignore") return true;
    if (isDir) return dockerfilePath.startsWith(`${path}/`) || !(canPrune && ig.ignores(path));
    return !ig.ignores(path);
  });
  files.sort();
  const entries: Record<string, [Uint8Array, { mtime: Date; os: number; attrs: number }]> = {};
  for (const path of files) {
    const full = join(root, path);
    const info = await stat(full);
    // Unix mode bits travel in the external attributes, so entrypoint scripts stay executable.
    entries[path] = [await readFile(full), { mtime: FIXED_MTIME, os: 3, attrs: (info.mode & 0o777) << 16 }];
  }
  const zip = zipSync(entries, { level: 6 });
  const envFiles = files.filter((f) => /(^|\/)\.env(\.[^/]*)?$/.test(f));
  return { zip, sha256: createHash("sha256").update(zip).digest("hex"), files: files.length, envFiles };
}

async function dockerignorePatterns(root: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(join(root, ".dockerignore"), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return DEFAULT_DOCKERIGNORE;
    throw error;
  }
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
}

/** Regular files (and symlinks to files, by content); symlinked directories are not followed. */
async function walk(
  root: string,
  dir: string,
  out: string[],
  keep: (path: string, isDir: boolean) => boolean,
): Promise<void> {
  const names = (await readdir(dir)).sort();
  for (const name of names) {
    const full = join(dir, name);
    const path = toPosix(relative(root, full));
    const info = await lstat(full);
    if (info.isDirectory()) {
      if (keep(path, true)) await walk(root, full, out, keep);
    } else if (info.isFile() || (info.isSymbolicLink() && (await isFile(full)))) {
      if (keep(path, false)) out.push(path);
    }
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

function toPosix(path: string): string {
  return sep === "/" ? path : path.split(sep).join("/");
}
