import { resolve } from "node:path";
import type { Diagnostic } from "./diagnostics.js";
import { CONFIG_FILE_NAME, findConfigFile, readRegularFile } from "./files.js";
import { decodeUtf8 } from "./utf8.js";

export interface SourceOptions {
  /** Where to start looking for pocket.toml (default: process.cwd()). */
  cwd?: string;
  /** An explicit pocket.toml (`--config PATH`). */
  configPath?: string;
  /** Environment for NEON_API_KEY / TIDB_* (default: process.env). */
  env?: Record<string, string | undefined>;
  /** The file's text, when the caller already has it (tests); `configPath` names it. */
  source?: string;
}

/** A pocket.toml that was found and read. */
export interface ConfigSource {
  file: string;
  text: string;
}

export type Read =
  | { ok: true; source: ConfigSource }
  /** `source`, when there is one, is the text to show the problem in (invalid UTF-8). */
  | { ok: false; source?: ConfigSource; diagnostics: Diagnostic[] };

export function readConfigSource(options: SourceOptions): Read {
  const cwd = options.cwd ?? process.cwd();
  const file = options.configPath ? resolve(cwd, options.configPath) : findConfigFile(cwd);
  if (!file) {
    return refused({
      code: "config-not-found",
      message: `no ${CONFIG_FILE_NAME} in ${resolve(cwd)} or any parent folder`,
      hint: "Run pocket in your project, pass --config PATH, or create one with `pocket django init`.",
    });
  }
  if (options.source !== undefined) {
    const size = Buffer.byteLength(options.source, "utf8");
    if (size > MAX_CONFIG_BYTES) return tooLarge(file, size);
    return { ok: true, source: { file, text: options.source } };
  }
  return readFile(file);
}

/** Reads pocket.toml from disk: a regular file, at most MAX_CONFIG_BYTES, in UTF-8. */
function readFile(file: string): Read {
  try {
    // Read with a cap: a huge file, a device or a FIFO is refused without holding it in memory.
    const read = readRegularFile(file, MAX_CONFIG_BYTES);
    if (!read.ok && read.reason === "too-large") return tooLarge(file, read.size);
    if (!read.ok) return notAFile(file, read.kind);
    const decoded = decodeUtf8(read.bytes);
    if (decoded.ok) return { ok: true, source: { file, text: decoded.text } };
    const { byte, position } = decoded;
    return refused(
      {
        code: "invalid-utf8",
        message: `the file is not valid UTF-8: byte 0x${byte.toString(16).toUpperCase().padStart(2, "0")} does not begin a well-formed character`,
        file,
        position,
        hint: "TOML files are UTF-8: save pocket.toml as UTF-8 (e.g. `iconv -f <its encoding> -t UTF-8`).",
      },
      { file, text: decoded.text },
    );
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === "ENOENT"
        ? "does not exist"
        : `cannot be read (${(error as Error).message})`;
    return refused({ code: "config-not-found", message: `${file} ${reason}`, file });
  }
}

/** A configuration is a few kilobytes; anything past 1 MiB is not one (and would be slow to parse). */
export const MAX_CONFIG_BYTES = 1024 * 1024;

function tooLarge(file: string, size: number): Read {
  return refused({
    code: "config-too-large",
    message: `${file} is ${(size / 1024 / 1024).toFixed(1)} MiB; pocket reads configuration files up to 1 MiB`,
    file,
    hint: "Check that --config names your pocket.toml; settings this large belong in files the app reads itself.",
  });
}

function notAFile(file: string, kind: string): Read {
  return refused({
    code: "config-not-a-file",
    message: `${file} is ${kind}; pocket reads its configuration from a regular file`,
    file,
    hint: "Pass --config the path of your pocket.toml.",
  });
}

/** A file pocket.toml could not be read from: one error about the file as a whole (path ""). */
function refused(problem: Omit<Diagnostic, "severity" | "path">, source?: ConfigSource): Read {
  // In the order every diagnostic is printed with (`--json`): severity, code, message, path, ...
  const { code, message, ...about } = problem;
  const diagnostic: Diagnostic = { severity: "error", code, message, path: "", ...about };
  return source ? { ok: false, source, diagnostics: [diagnostic] } : { ok: false, diagnostics: [diagnostic] };
}
