import { createHash } from "node:crypto";
import { lstat, readdir, readFile, realpath, stat } from "node:fs/promises";
import { isAbsolute, join, relative, sep } from "node:path";
import { CliError } from "../../errors.js";

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
  /**
   * `.env` files in the archive: only those that `.dockerignore` re-includes by name with a `!`
   * pattern (any other `.env*` file stops the build before anything is uploaded).
   */
  envFiles: string[];
  /** Symlinks left out because they point outside the build directory (or nowhere). */
  skippedLinks: string[];
}

/** Without a `.dockerignore`: the original's list (docs/decisions.md#i2-codebuild-builder). */
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
  const skippedLinks: string[] = [];
  await walk(await realpath(root), root, files, skippedLinks, (path, isDir) => {
    if (path === dockerfilePath || path === ".dockerignore") return true;
    if (isDir) return dockerfilePath.startsWith(`${path}/`) || !(canPrune && ig.ignores(path));
    return !ig.ignores(path);
  });
  files.sort();
  const unwanted = unwantedEnvFiles(files, patterns, ignore);
  if (unwanted.length > 0) throw envFileError(root, unwanted, patterns === DEFAULT_DOCKERIGNORE);
  const entries: Record<string, [Uint8Array, { mtime: Date; os: number; attrs: number }]> = {};
  for (const path of files) {
    const full = join(root, path);
    const info = await stat(full);
    // Unix mode bits travel in the external attributes, so entrypoint scripts stay executable.
    entries[path] = [await readFile(full), { mtime: FIXED_MTIME, os: 3, attrs: (info.mode & 0o777) << 16 }];
  }
  const zip = zipSync(entries, { level: 6 });
  const envFiles = files.filter((f) => ENV_FILE.test(f));
  return {
    zip,
    sha256: createHash("sha256").update(zip).digest("hex"),
    files: files.length,
    envFiles,
    skippedLinks: skippedLinks.sort(),
  };
}

/** `.env`, `.env.production`, `app/.env.local`: where frameworks keep local secrets. */
const ENV_FILE = /(^|\/)\.env(\.[^/]*)?$/;

function envFileError(root: string, files: string[], defaults: boolean): CliError {
  const one = files.length === 1;
  const lines = files.map((f) => `  ${f}`).join("\n");
  const where = defaults
    ? `Create ${join(root, ".dockerignore")} with the lines below (it replaces pocket's default excludes, so also list ${DEFAULT_DOCKERIGNORE.join(", ")})`
    : `Add ${one ? "this line" : "these lines"} to ${join(root, ".dockerignore")}`;
  return new CliError(
    "build-context-env-file",
    `${join(root, files[0]!)}: ${files.join(", ")} ${one ? "is" : "are"} in the build context, which is uploaded for the build (and ends up in the image if the Dockerfile copies the folder); .env files usually hold local secrets, so nothing was uploaded.`,
    {
      hint: `${where}:\n${lines}\nTo send ${one ? "it" : "them"} on purpose, re-include ${one ? "it" : "each"} by name in .dockerignore: ${files.map((f) => `!${f}`).join(", ")}`,
    },
  );
}

/**
 * `.env*` files that would be sent although no `!` pattern of `.dockerignore` names them: a
 * `.env` usually holds local secrets, and the archive travels to S3 and into CodeBuild (and into
 * the image if the Dockerfile copies the folder). A file the user re-includes on purpose
 * (`!.env.build`) is their decision and is sent.
 */
function unwantedEnvFiles(
  files: string[],
  patterns: string[],
  ignore: typeof import("@balena/dockerignore").default,
): string[] {
  const reincluded = ignore().add(patterns.filter((p) => p.startsWith("!")).map((p) => p.slice(1)));
  return files.filter((f) => ENV_FILE.test(f) && !reincluded.ignores(f));
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

/**
 * Regular files, and symlinks to files inside the build directory (by content); symlinked
 * directories are not followed. A symlink that leaves the directory is skipped and listed: it
 * would otherwise ship whatever it points at (`~/.aws/credentials`, another project), which
 * `docker build` itself never sends.
 */
async function walk(
  realRoot: string,
  dir: string,
  out: string[],
  skipped: string[],
  keep: (path: string, isDir: boolean) => boolean,
  root = dir,
): Promise<void> {
  const names = (await readdir(dir)).sort();
  for (const name of names) {
    const full = join(dir, name);
    const path = toPosix(relative(root, full));
    const info = await lstat(full);
    if (info.isDirectory()) {
      if (keep(path, true)) await walk(realRoot, full, out, skipped, keep, root);
    } else if (info.isFile()) {
      if (keep(path, false)) out.push(path);
    } else if (info.isSymbolicLink() && keep(path, false)) {
      const target = await linkedFile(full);
      if (target === undefined) continue;
      if (inside(realRoot, target)) out.push(path);
      else skipped.push(path);
    }
  }
}

/** The real path of the file a symlink points at; undefined for a directory or a dangling link. */
async function linkedFile(path: string): Promise<string | undefined> {
  try {
    if (!(await stat(path)).isFile()) return undefined;
    return await realpath(path);
  } catch {
    return undefined;
  }
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== "" && rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

function toPosix(path: string): string {
  return sep === "/" ? path : path.split(sep).join("/");
}
