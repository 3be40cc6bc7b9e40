import { homedir } from "node:os";
import { isAbsolute, join } from "node:path";
import { sha256Hex } from "./sha256.js";

/**
 * One cached answer of `pocket config show` and what it was derived from
 * (docs/decisions.md#p25-config-show-cache). Values that may be secret (environment variables,
 * the .env file) are kept only as salted SHA-256 hashes; the pocket.toml text is kept as it is,
 * since the output (the settings, also kept) shows what it holds anyway.
 */
export interface ConfigShowEntry {
  /** The key the entry's file is named after, compared whole: a name collision is no answer. */
  material: string;
  salt: string;
  /** Every environment variable the run read, with the hash of its value (null: unset). */
  env: [name: string, hash: string | null][];
  /** The pocket.toml read, and the folder its search started from when no --config named it. */
  file: string;
  searchedFrom?: string;
  text: string;
  /** The hash of the .env beside pocket.toml (credentials may come from it; null: none). */
  dotEnv: string | null;
  /** What the run wrote, in order: file descriptor (1 stdout, 2 stderr) and text. */
  output: [fd: 1 | 2, text: string][];
}

/** Where one command line's entry lives, and the key it must carry. */
export interface CacheSlot {
  path: string;
  material: string;
}

/** Changes when an entry's shape or meaning changes: an older entry is then never read. */
const FORMAT = 1;

/**
 * The slot of this command line: the same arguments in the same folder, answered by the same
 * build of the config bundle (`bundleHash`, from dist/bundles.json), share one.
 */
export function cacheSlot(argv: readonly string[], bundleHash: string): CacheSlot {
  const material = JSON.stringify([FORMAT, bundleHash, process.cwd(), argv.slice(2)]);
  return { path: join(cacheDir(), `${fileName(material)}.json`), material };
}

/**
 * The entry's file name: two 32-bit FNV-1a hashes of the key (different offsets). Two keys with
 * one name would only share a slot, each replacing the other's entry, since the key inside is
 * compared whole; SHA-256 is kept for the values that may be secret.
 */
function fileName(material: string): string {
  let a = 0x811c9dc5;
  let b = 0x9e3779b9;
  for (let i = 0; i < material.length; i++) {
    const c = material.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193);
  }
  return (a >>> 0).toString(16).padStart(8, "0") + (b >>> 0).toString(16).padStart(8, "0");
}

/**
 * The user's cache folder for these entries: $XDG_CACHE_HOME or ~/.cache, as the upload
 * manifests'. A relative XDG_CACHE_HOME is ignored (the XDG rule): it would put the cache in
 * whichever folder pocket runs in, the project.
 */
export function cacheDir(): string {
  const xdg = process.env.XDG_CACHE_HOME;
  // homedir() is HOME when set; reading it first spares loading node:os.
  const base = xdg && isAbsolute(xdg) ? xdg : join(process.env.HOME || homedir(), ".cache");
  return join(base, "magic-pocket", "config-show");
}

/** A value that may be secret, as an entry keeps it (undefined, an unset variable: null). */
export function saltedHash(salt: string, value: string | Uint8Array | undefined): string | null {
  if (value === undefined) return null;
  return sha256Hex(Buffer.concat([Buffer.from(`${salt}\0`), Buffer.from(value)]));
}
