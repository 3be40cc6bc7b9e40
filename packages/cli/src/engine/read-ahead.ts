import { askAhead, closeReadAhead, openReadAhead } from "../aws/read-ahead.js";
import type { Resource, RunContext } from "../resources/resource.js";
import { deployedTemplateBody } from "../stacks/stack.js";

/**
 * Asks every target's reads at once (their read-only `status`, `check` and `readsAhead`, and
 * their stack's template; answers dropped; not
 * `plan`, which makes change sets) while the resources deploy in dependency order, so that a
 * resource's own reads find their answers already there (aws/read-ahead.ts) instead of paying
 * their round trips after its dependencies'. Returns the closer: it waits for the reads asked
 * ahead, then forgets them. A read that fails here is asked again by its resource, which
 * reports it.
 */
export function readAhead(run: RunContext, targets: readonly Resource[]): () => Promise<void> {
  openReadAhead();
  // Besides the statuses, the input checks (made before the lock, and again by a deploy: the
  // image named by --image must still be in ECR) and what a deploy reads beyond its status.
  // A stack's status reads its template after its description: asked here with it, at once.
  const template = (r: Resource) => r.stack && deployedTemplateBody(run.aws(r.stack.region), r.stack.name);
  const reads = (r: Resource) => [r.status(run), template(r), r.check?.(run), r.readsAhead?.(run)];
  const asked = askAhead(() =>
    Promise.all(targets.flatMap(reads).map((p) => Promise.resolve(p).catch(() => undefined))),
  );
  return async () => {
    await asked;
    closeReadAhead();
  };
}
