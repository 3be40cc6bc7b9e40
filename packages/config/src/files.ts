import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  openSync,
  readFileSync,
  readSync,
  type Stats,
  statSync,
} from "node:fs";
import { dirname, join, resolve } from "node:path";

export const CONFIG_FILE_NAME = "pocket.toml";

/** pocket.toml in `cwd` or the nearest parent directory (docs/decisions.md#d4-project-root-and-name). */
export function findConfigFile(cwd: string): string | undefined {
  let dir = resolve(cwd);
  for (;;) {
    const candidate = join(dir, CONFIG_FILE_NAME);
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export type BoundedRead =
  | { ok: true; bytes: Buffer }
  | { ok: false; reason: "not-a-file"; kind: string }
  | { ok: false; reason: "too-large"; size: number };

/**
 * The bytes of a regular file of at most `maxBytes`. The size a path reports says nothing for a
 * device (`/dev/zero` reports 0 and never ends) and opening a FIFO waits for a writer, so the file
 * is opened without blocking, its descriptor (not its path) is checked, and at most
 * `maxBytes + 1` bytes are read. An error opening or reading it (ENOENT, EACCES) is thrown.
 */
export function readRegularFile(path: string, maxBytes: number): BoundedRead {
  const fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) return { ok: false, reason: "not-a-file", kind: fileKind(stats) };
    if (stats.size > maxBytes) return { ok: false, reason: "too-large", size: stats.size };
    const buffer = Buffer.allocUnsafe(maxBytes + 1);
    let length = 0;
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      // A file that grew after fstat (or a /proc file that reports 0 bytes) is still bounded.
      if (length > maxBytes) return { ok: false, reason: "too-large", size: Math.max(length, stats.size) };
    }
    return { ok: true, bytes: buffer.subarray(0, length) };
  } finally {
    closeSync(fd);
  }
}

function fileKind(stats: Stats): string {
  if (stats.isDirectory()) return "a folder";
  if (stats.isFIFO()) return "a named pipe (FIFO)";
  if (stats.isCharacterDevice()) return "a character device";
  if (stats.isBlockDevice()) return "a block device";
  if (stats.isSocket()) return "a socket";
  return "not a regular file";
}

/**
 * Reads a `.env` file: `KEY=value` lines, `export KEY=value`, `#` comments, single or double
 * quotes (double quotes understand \n, \", \\). Missing file → empty map.
 */
export function readDotEnv(path: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!existsSync(path)) return out;
  for (const raw of readFileSync(path, "utf8").split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    const key = m[1]!;
    let value = m[2]!;
    if (value.startsWith('"')) {
      const end = findClosingQuote(value);
      value = value
        .slice(1, end)
        .replace(/\\n/g, "\n")
        .replace(/\\(["\\])/g, "$1");
    } else if (value.startsWith("'")) {
      const end = value.indexOf("'", 1);
      value = value.slice(1, end === -1 ? undefined : end);
    } else {
      value = value.replace(/\s+#.*$/, "").trim();
    }
    out.set(key, value);
  }
  return out;
}

function findClosingQuote(value: string): number {
  for (let i = 1; i < value.length; i++) {
    if (value[i] === "\\") i++;
    else if (value[i] === '"') return i;
  }
  return value.length;
}
