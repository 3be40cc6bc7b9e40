import { closeReadAhead, openReadAhead } from "../aws/read-ahead.js";
import type { Resource, RunContext } from "../resources/resource.js";

/**
 * Asks every target's reads at once (their read-only `status`, answers dropped; not `plan`,
 * which makes change sets) while the resources deploy in dependency order, so that a
 * resource's own reads find their answers
 * already there (aws/read-ahead.ts) instead of paying their round trips after its
 * dependencies'. Returns the closer: it waits for the reads asked ahead, then forgets them.
 * A read that fails here is asked again by its resource, which reports it.
 */
export function readAhead(run: RunContext, targets: readonly Resource[]): () => Promise<void> {
  openReadAhead();
  const asked = Promise.all(targets.map((r) => r.status(run).catch(() => undefined)));
  return async () => {
    await asked;
    closeReadAhead();
  };
}
