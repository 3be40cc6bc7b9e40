import { readFileSync } from "node:fs";
import { watchStdio, writeErr, writeOut } from "../util/stdio.js";
import { stillValid } from "./check.js";
import { type CacheSlot, cacheSlot } from "./entry.js";

export type Replay = { replayed: true } | { replayed: false; slot?: CacheSlot };

/**
 * Answers `pocket config show` from the cache when its entry is still valid: the output of the
 * run that wrote it, byte for byte, in the same order, exit status 0. Otherwise the slot the
 * fresh run fills (docs/decisions.md#p25-config-show-cache). Runs before the config bundle loads
 * (bin/pocket.cjs), from dist/config-show-cache.cjs.
 */
export function replayConfigShow(argv: readonly string[], bundleHash: string): Replay {
  let slot: CacheSlot;
  try {
    slot = cacheSlot(argv, bundleHash);
  } catch {
    // No home folder to keep a cache in: every run is a fresh one.
    return { replayed: false };
  }
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(slot.path, "utf8"));
  } catch {
    // Not written yet, or unreadable: the fresh run writes it anew.
    return { replayed: false, slot };
  }
  const entry = stillValid(value, slot);
  if (!entry) return { replayed: false, slot };
  watchStdio();
  for (const [fd, text] of entry.output) (fd === 1 ? writeOut : writeErr)(text);
  return { replayed: true };
}
