/**
 * The entry of dist/config-show-cache.cjs, which bin/pocket.cjs runs for `pocket config show`
 * before loading the config bundle: a still valid cached answer is printed without it
 * (docs/decisions.md#p25-config-show-cache).
 */
export { replayConfigShow as replay } from "./config-cache/replay.js";
