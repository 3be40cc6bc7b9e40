// The file-reading layer alone: the package's index would bring every schema into
// dist/config-show-cache.cjs, which must load in a few milliseconds.
import { readConfigSource } from "@magic-pocket/config/source";
import type { CacheSlot, ConfigShowEntry } from "./entry.js";
import { saltedHash } from "./entry.js";
import { dotEnvHash } from "./inputs.js";

/**
 * The entry when it is still this command line's answer: the same key, every environment
 * variable the run read unchanged (set, unset or valued alike), the search for pocket.toml
 * ending at the same file, the file's text and the .env beside it unchanged
 * (docs/decisions.md#p25-config-show-cache). Anything unreadable or malformed is no answer.
 */
export function stillValid(value: unknown, slot: CacheSlot): ConfigShowEntry | undefined {
  try {
    const entry = value as ConfigShowEntry;
    if (entry.material !== slot.material || typeof entry.salt !== "string") return undefined;
    if (!wellFormedOutput(entry.output)) return undefined;
    for (const [name, hash] of entry.env) {
      if (saltedHash(entry.salt, process.env[name]) !== hash) return undefined;
    }
    const read = readConfigSource(
      entry.searchedFrom === undefined ? { configPath: entry.file } : { cwd: entry.searchedFrom },
    );
    if (!read.ok || read.source.file !== entry.file || read.source.text !== entry.text) return undefined;
    return dotEnvHash(entry.salt, entry.file) === entry.dotEnv ? entry : undefined;
  } catch {
    return undefined;
  }
}

function wellFormedOutput(output: unknown): boolean {
  return (
    Array.isArray(output) &&
    output.every((o) => Array.isArray(o) && (o[0] === 1 || o[0] === 2) && typeof o[1] === "string")
  );
}
