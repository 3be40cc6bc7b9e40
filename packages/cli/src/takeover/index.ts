import type { OriginalShape, PocketContext } from "@magic-pocket/config";
import { CliError } from "../errors.js";
import { placeDistributions } from "../resources/cloudfront/placement.js";
import type { RunContext } from "../resources/resource.js";
import { edgeProtection } from "../templates/edge.js";
import { compareTemplates, type TakeoverChange } from "./compare.js";
import { originalShape, readDeployedStacks } from "./detect.js";

export type { TakeoverChange } from "./compare.js";

/** A stage's takeover: the original's shape it keeps, and each stack the original deployed. */
export interface TakeoverPlan {
  shape?: OriginalShape;
  stacks: { name: string; region: string; changes: TakeoverChange[] }[];
  /** What of the original's current version pocket cannot take over yet, one reason each. */
  unbuilt?: string[];
}

/**
 * Reads the stage's deployed stacks, keeps the original's shape where they carry it (set on the
 * context, so every template rendered in this run keeps it), and compares each stack the original
 * deployed with what pocket would deploy (docs/decisions.md#a1-taking-over-a-stage-deployed-by-the-original).
 * Its current version's distribution stacks are looked for first: where they are decides where
 * the distribution and keys stacks are read and deployed.
 */
export async function planTakeover(run: RunContext): Promise<TakeoverPlan> {
  const distributionRegion = await placeDistributions(run);
  const stacks = await readDeployedStacks(run);
  const shape = originalShape(run.ctx, stacks, run.settings.head !== undefined, distributionRegion);
  if (shape) run.ctx.original = shape;
  else delete run.ctx.original;
  const unbuilt = distributionRegion ? unbuiltInStageRegion(run.ctx) : [];
  return {
    shape,
    ...(unbuilt.length > 0 ? { unbuilt } : {}),
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
 * A distribution stack outside us-east-1 cannot hold an ACM certificate for CloudFront or a
 * CloudFront web ACL: the original's current version keeps them in its `{cfslug}-acm` and
 * `{cfslug}-waf` stacks in us-east-1. The certificate is kept by the ARN the deployed
 * distribution names, when it covers every domain of the file; the web ACL likewise, when the
 * deployed distribution names one (a WAF the file adds to such a distribution is refused).
 */
export function unbuiltInStageRegion(ctx: PocketContext): string[] {
  return Object.values(ctx.cloudfront ?? {}).flatMap((cf) => {
    const domains = [...(cf.domain ? [cf.domain] : []), ...cf.redirectFrom.map((rf) => rf.domain)];
    const aliases = ctx.original?.acmCertificates?.[cf.name]?.aliases;
    const uncovered = domains.filter((d) => !aliases?.includes(d));
    const needs = [
      ...(domains.length > 0 && !aliases ? ["a certificate ({cfslug}-acm stack)"] : []),
      ...(edgeProtection(cf).waf && !ctx.original?.webAcls?.[cf.name]
        ? ["a web ACL ({cfslug}-waf stack)"]
        : []),
    ];
    const where = `${cf.stackName} (${cf.region})`;
    return [
      ...(needs.length > 0
        ? [
            `${where}: its domains need ${needs.join(" and ")} in us-east-1, which pocket does not take over from the original's current version yet`,
          ]
        : []),
      ...(aliases && uncovered.length > 0
        ? [
            `${where}: the certificate it names (from the ${cf.slug}-acm stack in us-east-1, which pocket leaves as it is) does not cover ${uncovered.join(", ")}`,
          ]
        : []),
    ];
  });
}

/** Why the takeover would lose something, one line each; empty when it may go ahead. */
export function takeoverRefusals(plan: TakeoverPlan): string[] {
  const out: string[] = [...(plan.unbuilt ?? [])];
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
    ...(shape.distributionRegion
      ? [`distribution and keys stacks in ${shape.distributionRegion}, not us-east-1`]
      : []),
    ...Object.entries(shape.acmCertificates ?? {}).map(
      ([name, c]) =>
        `certificate of ${name} from the {cfslug}-acm stack in us-east-1, left as it is (${c.arn}), for ${c.aliases.join(", ")} on one distribution`,
    ),
    ...Object.entries(shape.webAcls ?? {}).map(
      ([name, arn]) =>
        `web ACL of ${name} from the {cfslug}-waf stack in us-east-1, left as it is (${arn}): its rules stay the original's, and pocket waf ip edits the IP set its allow rule names`,
    ),
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
  if (plan.stacks.length === 0 && !plan.unbuilt) return;
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
