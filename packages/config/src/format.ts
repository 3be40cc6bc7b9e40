import { relative } from "node:path";
import type { Diagnostic } from "./diagnostics.js";

export interface FormatOptions {
  /** Paths are shown relative to this folder. */
  cwd?: string;
  color?: boolean;
  /** File text, to print the offending line under each diagnostic. */
  sources?: Map<string, string>;
}

const paint = (on: boolean, code: string) => (s: string) => (on ? `\u001b[${code}m${s}\u001b[0m` : s);

/**
 * Compiler-style rendering:
 *   pocket.toml:42:5 error[route-api-handler] cloudfront.main.routes[1].handler: ...
 *     42 | routes = [...]
 *        |     ^
 *     hint: ...
 */
export function formatDiagnostics(diagnostics: readonly Diagnostic[], options: FormatOptions = {}): string {
  const color = options.color ?? false;
  const red = paint(color, "31;1");
  const yellow = paint(color, "33;1");
  const dim = paint(color, "2");
  const bold = paint(color, "1");
  const cyan = paint(color, "36");
  const blocks: string[] = [];
  for (const d of diagnostics) {
    const where = d.file
      ? `${displayPath(d.file, options.cwd)}${d.position ? `:${d.position.line}:${d.position.column}` : ""}`
      : "";
    const label = d.severity === "error" ? red(`error[${d.code}]`) : yellow(`warning[${d.code}]`);
    const stages = d.stages?.length ? dim(` (stage ${d.stages.join(", ")})`) : "";
    const lines = [
      `${where ? `${bold(where)} ` : ""}${label} ${d.path ? `${cyan(d.path)}: ` : ""}${d.message}${stages}`,
    ];
    const text = d.file ? options.sources?.get(d.file) : undefined;
    if (text !== undefined && d.position) {
      const sourceLine = text.split(/\r?\n/)[d.position.line - 1];
      if (sourceLine !== undefined) {
        const num = String(d.position.line);
        const pad = " ".repeat(num.length);
        lines.push(`  ${dim(`${num} |`)} ${maskCredentials(sourceLine)}`);
        lines.push(
          `  ${dim(`${pad} |`)} ${" ".repeat(Math.max(0, d.position.column - 1))}${d.severity === "error" ? red("^") : yellow("^")}`,
        );
      }
    }
    if (d.hint) {
      const [first, ...rest] = d.hint.split("\n");
      lines.push(`  ${bold("hint:")} ${first}`);
      for (const r of rest) lines.push(`        ${r}`);
    }
    blocks.push(lines.join("\n"));
  }
  return blocks.join("\n\n");
}

/**
 * Keys whose value is a credential (the API keys pocket accepts in the file, with a warning) or
 * may be one (a misspelt `neon_api_kye`, a `password`): their value never reaches a terminal or a
 * CI log through a code frame. pocket's own keys that only name a secret stay readable.
 */
const CREDENTIAL_WORD = /key|token|secret|password|passwd|credential/i;
const NAMES_A_SECRET = new Set([
  "signing_key",
  "token_secret",
  "require_token",
  "pocket_key_format",
  "basic_auth",
]);
const KEY_VALUE =
  /((?:^|[\s{,.])("?)([A-Za-z0-9_-]+)\2\s*=\s*)("""[\s\S]*?(?:"""|$)|'{3}[\s\S]*?(?:'{3}|$)|"(?:[^"\\]|\\.)*"?|'[^']*'?|[^\s,}#]+)/g;

/** The line with the value of every credential-like key replaced by `"********"`. */
export function maskCredentials(line: string): string {
  return line.replace(KEY_VALUE, (all, head: string, _quote: string, key: string) =>
    CREDENTIAL_WORD.test(key) && !NAMES_A_SECRET.has(key.toLowerCase()) ? `${head}"********"` : all,
  );
}

/** Relative to the user's folder when the file is inside it, else absolute. */
function displayPath(file: string, cwd = process.cwd()): string {
  const rel = relative(cwd, file);
  return rel && !rel.startsWith("..") ? rel : file;
}

export function summarize(diagnostics: readonly Diagnostic[]): string {
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  const warnings = diagnostics.length - errors;
  const parts = [];
  if (errors) parts.push(`${errors} error${errors === 1 ? "" : "s"}`);
  if (warnings) parts.push(`${warnings} warning${warnings === 1 ? "" : "s"}`);
  return parts.join(", ");
}
