import type { Resource } from "../resources/resource.js";

/**
 * Runs `work` for every resource as soon as everything it depends on has finished, so independent
 * resources (S3 and the VPC, two distributions...) run at the same time. Dependencies on ids that
 * are not in the list (no [neon] in this stage, say) are ignored. After the first failure nothing
 * new starts; work already running finishes, then the first error is thrown.
 * `reverse` runs dependents first (destroy).
 */
export async function inDependencyOrder<T>(
  resources: readonly Resource[],
  work: (resource: Resource) => Promise<T>,
  options: { reverse?: boolean; onSkip?: (resource: Resource, because: string) => void } = {},
): Promise<Map<string, T>> {
  const ids = new Set(resources.map((r) => r.id));
  const waitsFor = new Map<string, string[]>();
  for (const r of resources) waitsFor.set(r.id, []);
  for (const r of resources) {
    for (const dep of r.dependsOn) {
      if (!ids.has(dep)) continue;
      if (options.reverse) waitsFor.get(dep)!.push(r.id);
      else waitsFor.get(r.id)!.push(dep);
    }
  }
  assertAcyclic(waitsFor);

  const results = new Map<string, T>();
  const started = new Map<string, Promise<void>>();
  let failure: { error: unknown; id: string } | undefined;

  const start = (r: Resource): Promise<void> => {
    const existing = started.get(r.id);
    if (existing) return existing;
    const p = (async () => {
      await Promise.all(waitsFor.get(r.id)!.map((dep) => start(byId.get(dep)!)));
      if (failure) {
        options.onSkip?.(r, `not started: ${failure.id} failed`);
        return;
      }
      try {
        results.set(r.id, await work(r));
      } catch (error) {
        failure ??= { error, id: r.id };
      }
    })();
    started.set(r.id, p);
    return p;
  };
  const byId = new Map(resources.map((r) => [r.id, r]));
  await Promise.all(resources.map(start));
  if (failure) throw failure.error;
  return results;
}

function assertAcyclic(waitsFor: Map<string, string[]>): void {
  const state = new Map<string, "visiting" | "done">();
  const visit = (id: string, path: string[]) => {
    if (state.get(id) === "done") return;
    if (state.get(id) === "visiting")
      throw new Error(`resource dependency cycle: ${[...path, id].join(" -> ")}`);
    state.set(id, "visiting");
    for (const dep of waitsFor.get(id) ?? []) visit(dep, [...path, id]);
    state.set(id, "done");
  };
  for (const id of waitsFor.keys()) visit(id, []);
}
