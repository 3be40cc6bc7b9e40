/**
 * What a Django settings file does to the settings pocket wires: every statement that assigns one,
 * sets an item of it or updates it in place, at the top level or inside an `if`/`try` block, so
 * `pocket django init` never leaves one of them winning over pocket's block unseen (issue 24).
 */
import { enclosing, type Statement, statements, topLevelEnd } from "./python-statements.js";

/** The settings pocket's block gives a value; the project's own assignments of them are replaced. */
export const WIRED_SETTINGS = {
  SECRET_KEY: "pocket's block reads SECRET_KEY from the stage's secret (.env locally)",
  DEBUG: "pocket's block reads DEBUG from the environment (.env locally)",
  ALLOWED_HOSTS: "get_allowed_hosts() adds the stage's API and CloudFront hosts",
  CSRF_TRUSTED_ORIGINS: "get_csrf_trusted_origins() gives the stage's origins",
  DATABASES: "get_databases() builds it from the stage's DATABASE_URL (with the TLS settings it needs)",
  STORAGES: "[awscontainer.django.storages] in pocket.toml decides where files go",
  STATICFILES_STORAGE: "[awscontainer.django.storages] in pocket.toml decides where static files go",
  DEFAULT_FILE_STORAGE: "[awscontainer.django.storages] in pocket.toml decides where uploads go",
  STATIC_ROOT: "the staticfiles storage in pocket.toml names the folder collectstatic fills",
  CACHES: "[awscontainer.django.caches] in pocket.toml gives the caches",
} as const;
export type WiredSetting = keyof typeof WIRED_SETTINGS;

export type TouchKind = "assignment" | "item" | "update";

/** A statement that gives a wired setting a value of the project's own. */
export interface Touch {
  name: WiredSetting;
  kind: TouchKind;
  statement: Statement;
  /** Inside an if/try/for/with block: which value wins is decided at run time. */
  nested: boolean;
}

export interface SettingsScan {
  touches: Touch[];
  /** The last line (0-based) of the top-level statement that last changes MIDDLEWARE. */
  middlewareEnd?: number;
  /** The last line of the top-level statement that last sets an email setting. */
  emailEnd?: number;
  /** `from ... import *`: settings split over files (settings/production.py over base.py). */
  starImport: boolean;
  /** WhiteNoise's compressing storage was in use: the image keeps compressing static files. */
  compressed: boolean;
  parsed: Statement[];
}

const COMPOUND = /^\s*(?:if|elif|else|for|while|with|try|except|finally|async\s+for|async\s+with)\b/;
const SCOPE = /^\s*(?:async\s+def|def|class)\b/;
const EMAIL = "(?:EMAIL_[A-Z0-9_]+|DEFAULT_FROM_EMAIL|SERVER_EMAIL)";

/** How `code` (a statement's text from its target on) changes the setting(s) `name` matches. */
function touchOf(code: string, name: string): TouchKind | undefined {
  if (new RegExp(`^\\s*${name}\\s*(?::[^=\\n]*)?=(?!=)`).test(code)) return "assignment";
  if (new RegExp(`^\\s*${name}\\s*(?:\\[[^\\]\\n]*\\]\\s*)+=(?!=)`).test(code)) return "item";
  const update = "\\.\\s*(?:update|setdefault|pop|popitem|clear)\\s*\\(|\\|=";
  if (new RegExp(`^\\s*${name}\\s*(?:\\[[^\\]\\n]*\\]\\s*)*(?:${update})`).test(code)) return "update";
  return undefined;
}

/** The statement a one-line compound (`if x: DATABASES[...] = y`) runs after its colon. */
function afterColon(s: Statement, name: string): string | undefined {
  if (!COMPOUND.test(s.first)) return undefined;
  return new RegExp(`:\\s*(${name}\\b[\\s\\S]*)$`).exec(s.text)?.[1];
}

const MIDDLEWARE_CHANGE = /^\s*MIDDLEWARE\b\s*(?:\[|\.|\+=|=|:)/;
// `vars().update(env.email_url())` sets email too; pocket's own get_django_settings() is the
// stage's settings table, which wins over pocket's email settings (stage_settings.py), so the
// email block need not follow it.
const EMAIL_CHANGE = new RegExp(
  `^\\s*(?:${EMAIL}\\b\\s*(?:\\[|\\+=|=|:)|(?:vars|globals|locals)\\(\\)\\.update\\((?!\\s*get_django_settings\\())`,
);

/** Scans a settings file, or says why it cannot be edited safely. */
export function scanSettings(text: string): SettingsScan | string {
  const parsed = statements(text);
  if (typeof parsed === "string") return `cannot read the file safely: ${parsed}`;
  const touches: Touch[] = [];
  let middlewareEnd: number | undefined;
  let emailEnd: number | undefined;
  for (let i = 0; i < parsed.length; i++) {
    const s = parsed[i]!;
    const outer = enclosing(parsed, i);
    // A function's or class's names are its own, not settings.
    if (outer.some((o) => SCOPE.test(o.first)) || SCOPE.test(s.first)) continue;
    for (const name of Object.keys(WIRED_SETTINGS) as WiredSetting[]) {
      const inline = afterColon(s, name);
      if (inline !== undefined && touchOf(inline, name)) {
        return `${name} is set on the same line as the \`${s.first.trim().split(/\s/)[0]}\` at line ${s.start + 1}: put it on a line of its own, so pocket can comment it out`;
      }
      const kind = touchOf(s.text, name);
      if (kind) touches.push({ name, kind, statement: s, nested: outer.length > 0 });
    }
    const end = topLevelEnd(parsed, i);
    if (MIDDLEWARE_CHANGE.test(s.first) || afterColon(s, "MIDDLEWARE") !== undefined) {
      middlewareEnd = Math.max(middlewareEnd ?? -1, end);
    }
    if (EMAIL_CHANGE.test(s.first) || afterColon(s, EMAIL) !== undefined) {
      emailEnd = Math.max(emailEnd ?? -1, end);
    }
  }
  return {
    touches,
    middlewareEnd,
    emailEnd,
    starImport: parsed.some((s) => s.indent === "" && /^from\s+\S+\s+import\s+\*/.test(s.first)),
    compressed: /\bCompressed(?:Manifest)?StaticFilesStorage\b/.test(text),
    parsed,
  };
}
