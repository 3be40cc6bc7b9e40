import { mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { streamCreated, tapOutput } from "../util/stdio.js";
import { type CacheSlot, type ConfigShowEntry, saltedHash } from "./entry.js";
import { type EnvReads, recordEnvReads } from "./env-reads.js";
import { dotEnvHash, notedConfigInput } from "./inputs.js";

/** What a fresh `pocket config show` run read from its environment and wrote. */
export interface Recording {
  env: EnvReads;
  output: ConfigShowEntry["output"];
}

/** Starts recording the run's environment reads and output (docs/decisions.md#p25-config-show-cache). */
export function recordConfigShow(): Recording {
  const recording: Recording = { env: recordEnvReads(), output: [] };
  tapOutput((fd, text) => recording.output.push([fd, text]));
  return recording;
}

/**
 * Writes the entry of a run that succeeded on its own inputs alone: exit status 0, output written
 * straight to the descriptors (a stream created means a terminal was asked about: a prompt for
 * the stage, colours, commander's help), its environment only read by name. Best effort: a cache
 * that cannot be written costs the next run its speed only.
 */
export function saveConfigShow(slot: CacheSlot, recording: Recording, status: number): void {
  const input = notedConfigInput();
  if (status !== 0 || recording.env.whole || streamCreated() || !input || recording.output.length === 0)
    return;
  // The salt keeps a value's hash from matching the same value's in another entry or a table of
  // known hashes; it need not be secret, so Math.random does (node:crypto costs 7 ms to load).
  const salt = Array.from({ length: 4 }, () => Math.random().toString(36).slice(2, 10)).join("");
  const entry: ConfigShowEntry = {
    material: slot.material,
    salt,
    env: [...recording.env.read].map(([name, value]) => [name, saltedHash(salt, value)]),
    file: input.file,
    ...(input.searchedFrom === undefined ? {} : { searchedFrom: input.searchedFrom }),
    text: input.text,
    dotEnv: dotEnvHash(salt, input.file),
    output: recording.output,
  };
  try {
    mkdirSync(dirname(slot.path), { recursive: true, mode: 0o700 });
    const tmp = `${slot.path}.${process.pid}`;
    writeFileSync(tmp, JSON.stringify(entry), { mode: 0o600 });
    renameSync(tmp, slot.path);
    prune(dirname(slot.path));
  } catch {
    // A read-only or full home folder: no cache.
  }
}

/** At most this many entries are kept: each is one command line in one folder for one build. */
const KEEP = 64;

/** Removes the entries written longest ago beyond KEEP. */
function prune(dir: string): void {
  const names = readdirSync(dir);
  if (names.length <= KEEP) return;
  const byAge = names
    .map((name) => ({ path: join(dir, name), at: statSync(join(dir, name)).mtimeMs }))
    .sort((a, b) => b.at - a.at);
  for (const { path } of byAge.slice(KEEP)) rmSync(path, { force: true });
}
