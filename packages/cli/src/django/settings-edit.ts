/**
 * Wires a Django settings.py in place: the settings pocket provides go between marked comments,
 * the user's own assignments of those names become comments, everything else is kept. The scan
 * is a small Python lexer (strings, brackets, continuations): enough to find where a top-level
 * statement ends, never a guess about what it means. Anything it cannot be sure of makes the
 * edit refuse with a reason, and the file is left as it was.
 */

/** The settings the block assigns; the user's own top-level assignments of them are replaced. */
export const REPLACED_SETTINGS = [
  "SECRET_KEY",
  "DEBUG",
  "ALLOWED_HOSTS",
  "CSRF_TRUSTED_ORIGINS",
  "DATABASES",
  "STORAGES",
  "CACHES",
  "EMAIL_BACKEND",
] as const;

export const REPLACED_PREFIX = "# replaced by pocket: ";

export const SETTINGS_MARKERS = {
  begin: "# >>> pocket: settings >>>",
  end: "# <<< pocket: settings <<<",
} as const;
export const MIDDLEWARE_MARKERS = {
  begin: "# >>> pocket: middleware >>>",
  end: "# <<< pocket: middleware <<<",
} as const;

const NOTE = "# Written by `pocket django init`: each run rewrites the lines between these markers.";

/** The settings block, for a settings module `depth` packages below the project folder. */
export function settingsBlock(depth: number): string {
  return [
    SETTINGS_MARKERS.begin,
    NOTE,
    "import os",
    "from pathlib import Path",
    "",
    "from pocket.django.runtime import (",
    "    get_allowed_hosts,",
    "    get_caches,",
    "    get_csrf_trusted_origins,",
    "    get_databases,",
    "    get_email_settings,",
    "    get_storages,",
    "    set_envs,",
    ")",
    "",
    `POCKET_TOML = Path(__file__).resolve().parents[${depth}] / "pocket.toml"`,
    "# Deployed: the stage's secrets into os.environ. Locally: the .env next to pocket.toml.",
    "set_envs(toml_path=POCKET_TOML)",
    "# Django refuses to start with an empty key: `pocket django init` wrote one into .env.",
    'SECRET_KEY = os.environ.get("SECRET_KEY", "")',
    'DEBUG = os.environ.get("DEBUG", "").lower() in ("1", "true", "yes")',
    "# The stage's API and CloudFront hosts are added when deployed.",
    'ALLOWED_HOSTS = get_allowed_hosts(["localhost", "127.0.0.1", "[::1]"])',
    "CSRF_TRUSTED_ORIGINS = get_csrf_trusted_origins()",
    "# DATABASE_URL whatever set it; without one, SQLite next to pocket.toml.",
    "DATABASES = get_databases(toml_path=POCKET_TOML)",
    "STORAGES = get_storages(toml_path=POCKET_TOML)",
    "CACHES = get_caches(toml_path=POCKET_TOML)",
    "# SES when deployed with [ses]; the console backend locally.",
    "vars().update(get_email_settings())",
    SETTINGS_MARKERS.end,
  ].join("\n");
}

/** The middleware block: pocket's middleware in its place in the user's MIDDLEWARE. */
export function middlewareBlock(originVerify: boolean): string {
  return [
    MIDDLEWARE_MARKERS.begin,
    NOTE,
    "from pocket.django.static import pocket_middleware",
    "",
    originVerify
      ? "# OriginVerifyMiddleware first (a distribution has enable_origin_verify), then the static files."
      : "# Serves the static files collected into the image (pocket.django.static).",
    `MIDDLEWARE = pocket_middleware(MIDDLEWARE, origin_verify=${originVerify ? "True" : "False"})`,
    MIDDLEWARE_MARKERS.end,
  ].join("\n");
}

export type SettingsEdit =
  | { ok: true; text: string; changed: boolean; replaced: string[] }
  | { ok: false; reason: string };

interface Statement {
  /** First and last physical line (0-based, inclusive). */
  start: number;
  end: number;
  indented: boolean;
  first: string;
}

/** Splits Python source into logical lines (statements), or says why it cannot. */
export function statements(text: string): Statement[] | string {
  const lines = text.split("\n");
  const out: Statement[] = [];
  let depth = 0;
  let quote: string | undefined; // the open string's delimiter: ', ", ''' or """
  let start = -1;
  let continued = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (start === -1) {
      if (line.trim() === "" || line.trimStart().startsWith("#")) {
        if (quote === undefined && depth === 0) continue;
      }
      start = i;
    }
    let j = 0;
    while (j < line.length) {
      const ch = line[j]!;
      if (quote !== undefined) {
        if (ch === "\\") {
          j += 2;
          continue;
        }
        if (line.startsWith(quote, j)) {
          j += quote.length;
          quote = undefined;
          continue;
        }
        j++;
        continue;
      }
      if (ch === "#") break;
      if (ch === '"' || ch === "'") {
        quote = line.startsWith(ch.repeat(3), j) ? ch.repeat(3) : ch;
        j += quote.length;
        continue;
      }
      if ("([{".includes(ch)) depth++;
      else if (")]}".includes(ch)) depth--;
      if (depth < 0) return `unbalanced brackets at line ${i + 1}`;
      j++;
    }
    // A one-quote string cannot span lines without a backslash.
    if (quote === "'" || quote === '"') {
      if (!line.endsWith("\\")) return `unterminated string at line ${i + 1}`;
    }
    continued = line.endsWith("\\") && !line.trimStart().startsWith("#");
    if (depth === 0 && quote === undefined && !continued) {
      const first = lines[start]!;
      out.push({ start, end: i, indented: /^\s/.test(first), first });
      start = -1;
    }
  }
  if (start !== -1) return "the file ends inside a statement (an open bracket or string)";
  return out;
}

function assigns(first: string, name: string): boolean {
  // NAME = ..., NAME: type = ...; not NAME == ..., not NAME += ... (that keeps our value).
  return new RegExp(`^\\s*${name}\\s*(:[^=]*)?=(?!=)`).test(first);
}

/** Finds one marked block; "absent", or its line range, or a reason when malformed. */
function findBlock(
  lines: string[],
  markers: { begin: string; end: string },
): { begin: number; end: number } | "absent" | string {
  const begins = lines.flatMap((l, i) => (l.trim() === markers.begin ? [i] : []));
  const ends = lines.flatMap((l, i) => (l.trim() === markers.end ? [i] : []));
  if (begins.length === 0 && ends.length === 0) return "absent";
  if (begins.length !== 1 || ends.length !== 1 || ends[0]! < begins[0]!) {
    return `the markers "${markers.begin}" / "${markers.end}" are not one pair in order`;
  }
  return { begin: begins[0]!, end: ends[0]! };
}

/**
 * The settings file with pocket's blocks in place. Idempotent: run on its own output it returns
 * the same text with `changed: false`.
 */
export function editSettings(text: string, options: { depth: number; originVerify: boolean }): SettingsEdit {
  const settings = settingsBlock(options.depth);
  const middleware = middlewareBlock(options.originVerify);
  let lines = text.split("\n");
  const sBlock = findBlock(lines, SETTINGS_MARKERS);
  const mBlock = findBlock(lines, MIDDLEWARE_MARKERS);
  if (typeof sBlock === "string" && sBlock !== "absent") return { ok: false, reason: sBlock };
  if (typeof mBlock === "string" && mBlock !== "absent") return { ok: false, reason: mBlock };

  // Scan the file without our own blocks (their content is ours to rewrite).
  const ours = new Set<number>();
  for (const b of [sBlock, mBlock]) {
    if (typeof b !== "string") for (let i = b.begin; i <= b.end; i++) ours.add(i);
  }
  const scanned = lines.map((l, i) => (ours.has(i) ? "" : l)).join("\n");
  const parsed = statements(scanned);
  if (typeof parsed === "string") return { ok: false, reason: `cannot read the file safely: ${parsed}` };

  const replace: Statement[] = [];
  for (const name of REPLACED_SETTINGS) {
    const found = parsed.filter((s) => assigns(s.first, name));
    if (found.some((s) => s.indented)) {
      const s = found.find((x) => x.indented)!;
      return {
        ok: false,
        reason: `${name} is assigned inside a block at line ${s.start + 1} (under an if, try or def), so which value wins is decided at run time`,
      };
    }
    if (found.length > 1) {
      return {
        ok: false,
        reason: `${name} is assigned ${found.length} times (lines ${found.map((s) => s.start + 1).join(", ")})`,
      };
    }
    replace.push(...found);
  }
  const middlewareDefs = parsed.filter((s) => assigns(s.first, "MIDDLEWARE"));
  if (middlewareDefs.length !== 1 || middlewareDefs[0]!.indented) {
    return {
      ok: false,
      reason:
        middlewareDefs.length === 0
          ? "MIDDLEWARE is not assigned in this file"
          : "MIDDLEWARE is assigned more than once or inside a block",
    };
  }
  const middlewareEnd = middlewareDefs[0]!.end;

  // Edits from the bottom up, so earlier line numbers stay valid.
  type Edit = { at: number; remove: number; insert: string[] };
  const edits: Edit[] = [];
  for (const s of replace) {
    edits.push({
      at: s.start,
      remove: s.end - s.start + 1,
      insert: lines.slice(s.start, s.end + 1).map((l) => `${REPLACED_PREFIX}${l}`),
    });
  }
  const sLines = settings.split("\n");
  if (typeof sBlock !== "string") {
    edits.push({ at: sBlock.begin, remove: sBlock.end - sBlock.begin + 1, insert: sLines });
  } else {
    // Where the first replaced setting was, so later settings that read DEBUG and friends work;
    // without any, after the imports at the top.
    let first = replace.length > 0 ? Math.min(...replace.map((s) => s.start)) : afterImports(parsed);
    // Above the comment lines that belong to that statement (no blank line between).
    while (first > 0 && replace.length > 0 && /^#/.test(lines[first - 1]!) && !ours.has(first - 1)) first--;
    edits.push({ at: first, remove: 0, insert: [...sLines, ""] });
  }
  const mLines = middleware.split("\n");
  if (typeof mBlock !== "string") {
    if (mBlock.begin < middlewareEnd) {
      return { ok: false, reason: "the pocket middleware block comes before MIDDLEWARE is assigned" };
    }
    edits.push({ at: mBlock.begin, remove: mBlock.end - mBlock.begin + 1, insert: mLines });
  } else {
    edits.push({ at: middlewareEnd + 1, remove: 0, insert: ["", ...mLines] });
  }
  // Bottom up; at the same line the replacement (same line count) first, then the insertion
  // before it.
  edits.sort((a, b) => b.at - a.at || b.remove - a.remove);
  for (const e of edits) lines = [...lines.slice(0, e.at), ...e.insert, ...lines.slice(e.at + e.remove)];
  const out = lines.join("\n");
  return {
    ok: true,
    text: out,
    changed: out !== text,
    replaced: [...new Set(replace.map((s) => /^\s*([A-Z_]+)/.exec(s.first)![1]!))],
  };
}

function afterImports(parsed: Statement[]): number {
  let at = 0;
  for (const s of parsed) {
    if (s.indented) continue;
    if (/^(import|from)\s/.test(s.first) || /^("""|''')/.test(s.first)) at = s.end + 1;
    else break;
  }
  return at;
}
