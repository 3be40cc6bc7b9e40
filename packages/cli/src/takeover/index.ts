import type { OriginalShape } from "@magic-pocket/config";
import { CliError } from "../errors.js";
import type { RunContext } from "../resources/resource.js";
import { describeStack } from "../stacks/stack.js";
import { compareTemplates, type TakeoverChange } from "./compare.js";
import { originalShape, readDeployedStacks } from "./detect.js";

export type { TakeoverChange } from "./compare.js";

/** A stage's takeover: the original's shape it keeps, and each stack the original deployed. */
export interface TakeoverPlan {
  shape?: OriginalShape;
  stacks: { name: string; region: string; changes: TakeoverChange[] }[];
  /** Stacks of the original's current version whose takeover is not built (by name, with the region). */
  notTakenOver?: string[];
}

/**
 * Reads the stage's deployed stacks, keeps the original's shape where they carry it (set on the
 * context, so every template rendered in this run keeps it), and compares each stack the original
 * deployed with what pocket would deploy (docs/decisions.md#a1-taking-over-a-stage-deployed-by-the-original).
 */
export async function planTakeover(run: RunContext): Promise<TakeoverPlan> {
  const [stacks, notTakenOver] = await Promise.all([readDeployedStacks(run), headDistributionStacks(run)]);
  const shape = originalShape(run.ctx, stacks, run.settings.head !== undefined);
  if (shape) run.ctx.original = shape;
  else delete run.ctx.original;
  return {
    shape,
    ...(notTakenOver.length > 0 ? { notTakenOver } : {}),
    stacks: stacks
      .filter((s) => s.byOriginal && s.resource.stack)
      .map((s) => ({
        name: s.name,
        region: s.region,
        changes: compareTemplates(s.template, s.resource.stack!.template()),
      })),
  };
}

/**
 * The original's current version puts a distribution's stack (and its keys stack) in the stage's
 * region, where pocket has none: pocket's own, in us-east-1, would be a second distribution for
 * the same domains. Not taken over yet (README, "Taking over a stage deployed by the original").
 */
async function headDistributionStacks(run: RunContext): Promise<string[]> {
  const region = run.ctx.region;
  if (region === "us-east-1") return [];
  const names = Object.values(run.ctx.cloudfront ?? {}).map((cf) => cf.stackName);
  const found = await Promise.all(
    names.map(async (name) => (await describeStack(run.aws(region), name)) !== undefined),
  );
  return names.filter((_, i) => found[i]).map((name) => `${name} (${region})`);
}

/** Why the takeover would lose something, one line each; empty when it may go ahead. */
export function takeoverRefusals(plan: TakeoverPlan): string[] {
  const out: string[] = (plan.notTakenOver ?? []).map(
    (stack) =>
      `${stack}: a distribution stack of the original's current version, whose takeover pocket does not build yet (pocket's would be a second distribution in us-east-1)`,
  );
  const efs = plan.shape?.efsFileSystemId;
  if (efs !== undefined && !/^fs-[0-9a-f]+$/.test(efs)) {
    out.push(`the VPC stack names its EFS file system "${efs}", not an id pocket can keep`);
  }
  for (const s of plan.stacks) {
    for (const c of s.changes) {
      if (c.action === "replaced" && c.blocks) {
        out.push(`${s.name}: ${c.logicalId} (${c.type}) would be replaced: ${c.because}`);
      }
      if (c.action === "removed" && c.blocks) {
        out.push(`${s.name}: ${c.logicalId} (${c.type}) would be deleted`);
      }
    }
  }
  return out;
}

/** What the takeover changes and keeps, stack by stack (what `pocket adopt` prints). */
export function describeTakeover(plan: TakeoverPlan): string[] {
  if (plan.stacks.length === 0) return [];
  const lines = [`deployed by the original (${plan.shape?.version ?? "42a3468"}):`];
  const kept = keptShape(plan.shape);
  if (kept.length > 0) lines.push(`  keeps the original's shape: ${kept.join("; ")}`);
  for (const s of plan.stacks) {
    lines.push(`  ${s.name} (${s.region}):`);
    for (const action of ["kept", "updated", "added", "replaced", "removed"] as const) {
      const ids = s.changes.filter((c) => c.action === action).map((c) => c.logicalId);
      if (ids.length > 0) lines.push(`    ${action}: ${ids.join(", ")}`);
    }
  }
  return lines;
}

function keptShape(shape: OriginalShape | undefined): string[] {
  if (!shape) return [];
  return [
    ...(shape.quickCreateApis ? ["HTTP APIs made by quick create"] : []),
    ...(shape.lambdaLogGroupsOutside ? ["Lambda log groups outside the stack"] : []),
    ...(shape.efsFileSystemId ? [`EFS file system ${shape.efsFileSystemId} outside the stack`] : []),
    ...Object.entries(shape.signingKeyNames ?? {}).map(
      ([name, k]) => `signing key names of ${name} (${k.publicKey}, ${k.keyGroup})`,
    ),
  ];
}

/**
 * The first step of every deploy: a stage the original deployed is taken over in place, or the
 * deploy stops before any change, saying what would be lost.
 */
export async function takeOverBeforeDeploy(run: RunContext, say: (line: string) => void): Promise<void> {
  const plan = await planTakeover(run);
  if (plan.stacks.length === 0 && !plan.notTakenOver) return;
  const refusals = takeoverRefusals(plan);
  if (refusals.length > 0) throw refusal(run, refusals);
  say(
    `taking over ${plan.stacks.map((s) => s.name).join(", ")} (deployed by the original ${plan.shape?.version}): ` +
      "every named resource is updated in place (`pocket adopt` shows what changes)",
  );
}

export function refusal(run: RunContext, refusals: readonly string[]): CliError {
  return new CliError(
    "takeover-would-replace",
    `taking over stage ${run.ctx.stage} from the original would replace or delete what it deployed:\n  ${refusals.join("\n  ")}`,
    { hint: 'Nothing was changed. See README, "Taking over a stage deployed by the original".' },
  );
}
