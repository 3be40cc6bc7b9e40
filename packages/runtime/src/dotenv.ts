import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { PocketRuntimeError } from "./errors.js";

export const TOML_NAME = "pocket.toml";
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `pocket.toml` in `start` (default: the cwd) or the nearest parent folder holding one. */
export function findTomlPath(start: string = process.cwd()): string | undefined {
  let dir = resolve(start);
  for (;;) {
    const candidate = join(dir, TOML_NAME);
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * Parses the common `.env` dialect exactly as the Python runtime does (one file serves both):
 * `KEY=value` lines, `#` comments, optional `export`, single quotes (literal), double quotes
 * (`\n`, `\t`, `\r` and `\x` escapes), unquoted values cut at ` #`.
 *
 * A line that is not an assignment is an error naming the line rather than being skipped: a
 * silently ignored `SECRET_KEY` line is much harder to notice than a clear failure.
 */
export function parseDotenv(text: string, source = ".env"): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = text.split(/\r\n|\n|\r/);
  lines.forEach((raw, index) => {
    let line = raw.trim();
    if (!line || line.startsWith("#")) return;
    if (/^export[ \t]/.test(line)) line = line.slice("export".length).trimStart();
    const eq = line.indexOf("=");
    const key = (eq < 0 ? line : line.slice(0, eq)).trim();
    const where = `${source}:${index + 1}`;
    if (eq < 0 || !ENV_KEY.test(key)) {
      throw new PocketRuntimeError(
        "dotenv-syntax",
        `${where}: expected KEY=value, got ${JSON.stringify(raw.trim())}`,
        {
          location: where,
        },
      );
    }
    values[key] = dotenvValue(line.slice(eq + 1).trim(), where);
  });
  return values;
}

function dotenvValue(rest: string, where: string): string {
  const fail = (why: string) =>
    new PocketRuntimeError("dotenv-syntax", `${where}: ${why}`, { location: where });
  if (rest.startsWith("'")) {
    const end = rest.indexOf("'", 1);
    if (end < 0) throw fail("unterminated single-quoted value");
    onlyCommentAfter(rest.slice(end + 1), fail);
    return rest.slice(1, end);
  }
  if (rest.startsWith('"')) {
    let out = "";
    for (let i = 1; i < rest.length; i++) {
      const ch = rest[i]!;
      if (ch === "\\" && i + 1 < rest.length) {
        const next = rest[i + 1]!;
        out += next === "n" ? "\n" : next === "t" ? "\t" : next === "r" ? "\r" : next;
        i++;
        continue;
      }
      if (ch === '"') {
        onlyCommentAfter(rest.slice(i + 1), fail);
        return out;
      }
      out += ch;
    }
    throw fail("unterminated double-quoted value");
  }
  // Unquoted: an inline comment needs whitespace before '#', so URLs with fragments survive.
  const match = /\s#/.exec(rest);
  return (match ? rest.slice(0, match.index) : rest).trim();
}

function onlyCommentAfter(tail: string, fail: (why: string) => Error): void {
  const t = tail.trim();
  if (t && !t.startsWith("#")) throw fail(`unexpected text after the closing quote: ${JSON.stringify(t)}`);
}

/** The `.env` next to `pocket.toml`; `{}` when either file is missing. */
export function readDotenv(tomlPath: string | undefined): Record<string, string> {
  if (!tomlPath) return {};
  const envPath = join(dirname(tomlPath), ".env");
  if (!existsSync(envPath)) return {};
  return parseDotenv(readFileSync(envPath, "utf8"), envPath);
}
