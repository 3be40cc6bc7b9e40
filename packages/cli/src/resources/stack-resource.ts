import { deployStack, destroyStack, planStack, type StackSpec, stackStatus } from "../stacks/stack.js";
import type { Progress, Resource, RunContext } from "./resource.js";

/**
 * A resource that is one CloudFormation stack. `spec` may read AWS (parameters from other stacks);
 * `after` runs once the stack is in place (bucket policy, ...).
 */
export function stackResource(options: {
  id: string;
  title: string;
  region: string;
  stackName: string;
  dependsOn: string[];
  spec: (run: RunContext) => Promise<StackSpec>;
  after?: (run: RunContext, outputs: Record<string, string>, progress: Progress) => Promise<boolean>;
  beforeDestroy?: (run: RunContext, progress: Progress) => Promise<void>;
  urls?: (outputs: Record<string, string>) => string[];
}): Resource {
  return {
    id: options.id,
    title: options.title,
    dependsOn: options.dependsOn,
    async stack(run) {
      return { region: options.region, spec: await options.spec(run) };
    },
    async status(run) {
      return stackStatus(run.aws(options.region), await options.spec(run));
    },
    async plan(run) {
      return planStack(run.aws(options.region), await options.spec(run));
    },
    async deploy(run, progress) {
      const spec = await options.spec(run);
      const result = await deployStack(run.aws(options.region), spec, progress, {
        recreateFailed: () =>
          run.confirm(`stack ${spec.name} failed to create earlier; delete and recreate it?`),
      });
      const extra = options.after ? await options.after(run, result.outputs, progress) : false;
      const changed = result.changed || extra;
      return {
        changed,
        summary: result.changed ? "deployed" : extra ? "updated" : "no changes",
        outputs: result.outputs,
        urls: options.urls?.(result.outputs),
      };
    },
    async destroy(run, progress) {
      await options.beforeDestroy?.(run, progress);
      const deleted = await destroyStack(run.aws(options.region), options.stackName, progress);
      return { changed: deleted, summary: deleted ? "deleted" : "already absent" };
    },
  };
}
