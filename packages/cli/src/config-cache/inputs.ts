import { readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { saltedHash } from "./entry.js";

/**
 * The pocket.toml a command loaded, noted by config-loader.ts: the file inputs of a cached
 * `pocket config show` (docs/decisions.md#p25-config-show-cache).
 */
export interface ConfigInput {
  file: string;
  text: string;
  /** The folder the search for pocket.toml started from; undefined when --config named it. */
  searchedFrom?: string;
}

let noted: ConfigInput | undefined;

export function noteConfigInput(input: ConfigInput): void {
  noted = input;
}

export function notedConfigInput(): ConfigInput | undefined {
  return noted;
}

/**
 * The hash of the .env beside `configFile` (null when there is none; its error code when it
 * cannot be read). Credentials missing from the environment are read from it, so it is an input
 * whether or not this run needed it.
 */
export function dotEnvHash(salt: string, configFile: string): string | null {
  // The file @magic-pocket/config's credential lookup reads (load.ts, credentialLookup).
  const path = join(dirname(configFile), ".env");
  try {
    // Anything but a regular file is named, not read: reading a named pipe waits for a writer.
    const stats = statSync(path);
    return stats.isFile() ? saltedHash(salt, readFileSync(path)) : `not a file ${stats.mode}`;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === "ENOENT" ? null : `unreadable ${code}`;
  }
}
