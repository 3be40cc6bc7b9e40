/**
 * Wires a Django settings.py in place: the settings pocket provides go between marked comments,
 * the project's own assignments of them (top level or inside if/try blocks, found by
 * settings-scan.ts) become comments, everything else is kept. Anything it cannot be sure of makes
 * the edit refuse with a reason and line numbers, and the file is left as it was.
 */
import type { Statement } from "./python-statements.js";
import { scanSettings, type Touch, WIRED_SETTINGS } from "./settings-scan.js";

export const REPLACED_PREFIX = "# replaced by pocket: ";

export const SETTINGS_MARKERS = {
  begin: "# >>> pocket: settings >>>",
  end: "# <<< pocket: settings <<<",
} as const;
export const MIDDLEWARE_MARKERS = {
  begin: "# >>> pocket: middleware >>>",
  end: "# <<< pocket: middleware <<<",
} as const;
export const EMAIL_MARKERS = {
  begin: "# >>> pocket: email >>>",
  end: "# <<< pocket: email <<<",
} as const;

const NOTE = "# Written by `pocket django init`: each run rewrites the lines between these markers.";

const EMAIL_LINES = [
  "# With [ses]: pocket's SES backend and sender. Deployed without [ses]: nothing, so the",
  "# project's own email settings stay in force. Locally: the console backend.",
  "vars().update(get_email_settings())",
];

/**
 * The settings block, for a settings module `depth` packages below the project folder; `email`
 * false when the project sets email later in the file (the email block follows those lines).
 */
export function settingsBlock(depth: number, email = true): string {
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
    ...(email ? EMAIL_LINES : []),
    SETTINGS_MARKERS.end,
  ].join("\n");
}

/** The email block, after the project's own email settings (so [ses] wins over them). */
export function emailBlock(): string {
  return [
    EMAIL_MARKERS.begin,
    NOTE,
    "from pocket.django.runtime import get_email_settings",
    "",
    ...EMAIL_LINES,
    EMAIL_MARKERS.end,
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
    "# WhiteNoise's middleware is taken out: this one serves the same files, compressed ones too.",
    `MIDDLEWARE = pocket_middleware(MIDDLEWARE, origin_verify=${originVerify ? "True" : "False"})`,
    MIDDLEWARE_MARKERS.end,
  ].join("\n");
}

/** A statement of the project's that init commented out, and why. */
export interface ReplacedLine {
  name: string;
  /** 1-based, in the file as it was. */
  line: number;
  nested: boolean;
  reason: string;
}

export type SettingsEdit =
  | {
      ok: true;
      text: string;
      changed: boolean;
      /** The settings replaced, each once, in the order they came. */
      replaced: string[];
      lines: ReplacedLine[];
      /** WhiteNoise's compressing storage was in use (the image keeps compressing). */
      compressed: boolean;
    }
  | { ok: false; reason: string };

type Block = { begin: number; end: number };

/** Finds one marked block; "absent", or its line range, or a reason when malformed. */
function findBlock(lines: string[], markers: { begin: string; end: string }): Block | "absent" | string {
  const begins = lines.flatMap((l, i) => (l.trim() === markers.begin ? [i] : []));
  const ends = lines.flatMap((l, i) => (l.trim() === markers.end ? [i] : []));
  if (begins.length === 0 && ends.length === 0) return "absent";
  if (begins.length !== 1 || ends.length !== 1 || ends[0]! < begins[0]!) {
    return `the markers "${markers.begin}" / "${markers.end}" are not one pair in order`;
  }
  return { begin: begins[0]!, end: ends[0]! };
}

/** The lines of a statement of the project's, as comments; `pass` keeps an if/try body valid. */
function commentedOut(lines: string[], s: Statement, names: string[]): string[] {
  const body = lines.slice(s.start, s.end + 1).map((l) => {
    const own = l.startsWith(s.indent) ? l.slice(s.indent.length) : l.trimStart();
    return `${s.indent}${REPLACED_PREFIX}${own}`;
  });
  if (s.indent === "") return body;
  return [
    `${s.indent}pass  # pocket: ${names.join(", ")} below commented out (pocket's block and pocket.toml decide)`,
    ...body,
  ];
}

/**
 * The settings file with pocket's blocks in place. Idempotent: run on its own output it returns
 * the same text with `changed: false`.
 */
export function editSettings(text: string, options: { depth: number; originVerify: boolean }): SettingsEdit {
  const lines = text.split("\n");
  const found = {
    settings: findBlock(lines, SETTINGS_MARKERS),
    middleware: findBlock(lines, MIDDLEWARE_MARKERS),
    email: findBlock(lines, EMAIL_MARKERS),
  };
  const blocks: Partial<Record<keyof typeof found, Block>> = {};
  for (const [key, b] of Object.entries(found) as [keyof typeof found, Block | string][]) {
    if (typeof b === "string" && b !== "absent") return { ok: false, reason: b };
    if (typeof b !== "string") blocks[key] = b;
  }

  // Scan the file without our own blocks (their content is ours to rewrite).
  const ours = new Set<number>();
  for (const b of Object.values(blocks)) for (let i = b.begin; i <= b.end; i++) ours.add(i);
  const scan = scanSettings(lines.map((l, i) => (ours.has(i) ? "" : l)).join("\n"));
  if (typeof scan === "string") return { ok: false, reason: scan };

  const out = new Output(lines);
  const byStatement = new Map<Statement, Touch[]>();
  for (const t of scan.touches) byStatement.set(t.statement, [...(byStatement.get(t.statement) ?? []), t]);
  for (const [s, touches] of byStatement) {
    out.replace(s.start, s.end, commentedOut(lines, s, [...new Set(touches.map((t) => t.name))]));
  }

  // Where the first replaced setting was (its top-level statement), so later settings that read
  // DEBUG and friends work; without any, after the imports at the top (a star import included).
  const topStarts = scan.touches.map((t) => topStart(scan.parsed, t.statement));
  let settingsAt =
    blocks.settings?.begin ?? (topStarts.length > 0 ? Math.min(...topStarts) : afterImports(scan.parsed));
  if (!blocks.settings) {
    // Above the comment lines that belong to that statement (no blank line between).
    while (
      settingsAt > 0 &&
      topStarts.length > 0 &&
      /^#/.test(lines[settingsAt - 1]!) &&
      !ours.has(settingsAt - 1)
    )
      settingsAt--;
  }
  const separateEmail = scan.emailEnd !== undefined && scan.emailEnd >= settingsAt;
  const settings = settingsBlock(options.depth, !separateEmail).split("\n");
  if (blocks.settings) out.replace(blocks.settings.begin, blocks.settings.end, settings);
  else out.insert(settingsAt, [...settings, ""]);

  if (scan.middlewareEnd === undefined && !scan.starImport) {
    return { ok: false, reason: "MIDDLEWARE is not assigned in this file" };
  }
  // After the last change to MIDDLEWARE; in a file that imports its settings (production.py over
  // base.py) and never changes MIDDLEWARE, at its end.
  const middlewareAfter = scan.middlewareEnd ?? scan.parsed.at(-1)?.end ?? lines.length - 1;
  const between = (i: number) => ours.has(i) || lines[i]!.trim() === "";
  place(out, between, blocks.middleware, middlewareAfter, middlewareBlock(options.originVerify).split("\n"));
  if (separateEmail) place(out, between, blocks.email, scan.emailEnd!, emailBlock().split("\n"));
  else if (blocks.email) out.replace(blocks.email.begin, blocks.email.end, []);

  const edited = out.text();
  return {
    ok: true,
    text: edited,
    changed: edited !== text,
    replaced: [...new Set(scan.touches.map((t) => t.name))],
    lines: scan.touches.map((t) => ({
      name: t.name,
      line: t.statement.start + 1,
      nested: t.nested,
      reason: WIRED_SETTINGS[t.name],
    })),
    compressed: scan.compressed,
  };
}

/** The first line of the top-level statement `s` belongs to. */
function topStart(parsed: Statement[], s: Statement): number {
  let start = s.start;
  for (const p of parsed) {
    if (p.start > s.start) break;
    if (p.indent === "") start = p.start;
  }
  return start;
}

/**
 * A block after line `after`: where it is when only blank lines and pocket's other blocks
 * (`between`) separate them (so a second run changes nothing), else moved there.
 */
function place(
  out: Output,
  between: (line: number) => boolean,
  existing: Block | undefined,
  after: number,
  block: string[],
): void {
  if (existing && existing.begin > after) {
    let i = after + 1;
    while (i < existing.begin && between(i)) i++;
    if (i === existing.begin) {
      out.replace(existing.begin, existing.end, block);
      return;
    }
  }
  if (existing) out.replace(existing.begin, existing.end, []);
  out.insert(after + 1, ["", ...block]);
}

/** The file's lines with statements replaced and blocks inserted, in the original numbering. */
class Output {
  private readonly before = new Map<number, string[]>();
  private readonly replaced = new Map<number, { end: number; with: string[] }>();
  constructor(private readonly lines: string[]) {}

  insert(at: number, add: string[]): void {
    this.before.set(at, [...(this.before.get(at) ?? []), ...add]);
  }

  replace(start: number, end: number, add: string[]): void {
    this.replaced.set(start, { end, with: add });
  }

  text(): string {
    const out: string[] = [];
    for (let i = 0; i <= this.lines.length; i++) {
      out.push(...(this.before.get(i) ?? []));
      if (i === this.lines.length) break;
      const r = this.replaced.get(i);
      if (r) {
        out.push(...r.with);
        i = r.end;
      } else out.push(this.lines[i]!);
    }
    return out.join("\n");
  }
}

function afterImports(parsed: Statement[]): number {
  let at = 0;
  for (const s of parsed) {
    if (s.indent !== "") continue;
    if (/^(import|from)\s/.test(s.first) || /^("""|''')/.test(s.first)) at = s.end + 1;
    else break;
  }
  return at;
}
