import { describeStack } from "../../stacks/stack.js";
import type { RunContext } from "../resource.js";

const placed = new WeakMap<RunContext, Promise<string | undefined>>();

/**
 * Where the stage's distribution and keys stacks live, set on every distribution (`cf.region`)
 * before anything reads or changes them: us-east-1 (pocket's own), or the stage's region when the
 * original's current version put a distribution's stack there, where pocket keeps it
 * (docs/decisions.md#a1-taking-over-a-stage-deployed-by-the-original). Returns that region, else
 * undefined. Asked once per run: one DescribeStacks per distribution, in the stage's region.
 */
export function placeDistributions(run: RunContext): Promise<string | undefined> {
  let found = placed.get(run);
  if (!found) {
    found = stageRegionStacks(run);
    found.catch(() => placed.delete(run));
    placed.set(run, found);
  }
  return found;
}

async function stageRegionStacks(run: RunContext): Promise<string | undefined> {
  const region = run.ctx.region;
  const cfs = Object.values(run.ctx.cloudfront ?? {});
  if (region === "us-east-1" || cfs.length === 0) return undefined;
  const present = await Promise.all(
    cfs.map(async (cf) => (await describeStack(run.aws(region), cf.stackName)) !== undefined),
  );
  const inStageRegion = present.some(Boolean) ? region : undefined;
  for (const cf of cfs) cf.region = inStageRegion ?? "us-east-1";
  return inStageRegion;
}
