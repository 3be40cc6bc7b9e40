import { CliError } from "../errors.js";
import { releaseRollback } from "../resources/cloudfront/release-rollback.js";
import { verifyGivenImage } from "../resources/container/given-image.js";
import type { Change, Resource, RunContext } from "../resources/resource.js";
import type { StackSpec } from "../stacks/spec.js";
import { deployStack, planStack, stackStatus } from "../stacks/stack.js";
import type { Template } from "../templates/template.js";
import { writeErr } from "../util/stdio.js";
import { type DeployOutcome, deployResources } from "./deploy.js";
import { recordedImages } from "./history-images.js";
import { type DeployRecord, readHistory, readTemplate, type StackRecord } from "./history-store.js";

/** What a rollback never changes, said before it asks and in the README ("When a deploy goes wrong"). */
export const ROLLBACK_KEEPS_DATA =
  "Data is not touched: bucket objects (user uploads under storage prefixes), databases and secret values stay as they are; a front end only switches back to the release it served.";

export interface RollbackPlan {
  record: DeployRecord;
  /** The stacks put back, each as a resource the engine deploys. */
  targets: Resource[];
  changes: { resource: Resource; changes: Change[] }[];
  /** Stacks the record does not know (added since), or recorded stacks the config no longer has. */
  leftAlone: string[];
}

/**
 * Picks the record to return to (`to`, else the one before the latest), checks its images are
 * still in ECR, and plans every recorded stack from its stored template and parameters.
 * Read-only.
 */
export async function planRollback(
  run: RunContext,
  resources: readonly Resource[],
  to: number | undefined,
): Promise<RollbackPlan> {
  const record = chooseRecord(await readHistory(run), to, run.ctx.stage);
  const images = await recordedImagesInEcr(run, record);
  const byName = new Map(record.stacks.map((s) => [s.name, s]));
  const targets: Resource[] = [];
  const leftAlone: string[] = [];
  for (const r of resources) {
    if (r.id.startsWith("frontend:")) {
      const front = recordedFrontend(run, r, record);
      if (typeof front === "string") leftAlone.push(front);
      else targets.push(front);
    }
    if (!r.stack) continue;
    const recorded = byName.get(r.stack.name);
    if (recorded) targets.push(recordedStack(r, recorded, record, images[r.id]));
    else leftAlone.push(`${r.title} (not in deploy #${record.number})`);
  }
  const current = new Set(resources.flatMap((r) => (r.stack ? [r.stack.name] : [])));
  for (const s of record.stacks)
    if (!current.has(s.name)) leftAlone.push(`stack ${s.name} (no longer in the configuration)`);
  const changes = await Promise.all(targets.map(async (t) => ({ resource: t, changes: await t.plan(run) })));
  return { record, targets, changes, leftAlone };
}

/**
 * Every container's recorded image, checked in ECR before anything changes, by container resource
 * id. They are also the run's given images (resources/container/given-image.ts), so a container's
 * current spec (read for a NoEcho parameter's value) names the image the rollback deploys.
 */
async function recordedImagesInEcr(run: RunContext, record: DeployRecord): Promise<Record<string, string>> {
  const images: Record<string, string> = {};
  for (const { id, image } of recordedImages(run.ctx, record)) images[id] = image.uri;
  await Promise.all(
    Object.values(images).map((uri) => verifyGivenImage(run.aws(run.ctx.region), uri, { unchanged: true })),
  );
  run.images = images;
  return images;
}

/**
 * Puts the stage back to a recorded deploy: asks (as deploy and destroy do), then deploys the
 * recorded stacks in dependency order under the stage lock, and appends a record that says which
 * deploy it returned to.
 */
export async function applyRollback(
  run: RunContext,
  plan: RollbackPlan,
  options: { forceUnlock?: boolean },
): Promise<DeployOutcome> {
  const question = `Put stage ${run.ctx.stage} back to deploy #${plan.record.number}?`;
  if (!(await run.confirm(question))) {
    throw new CliError("rollback-not-confirmed", "nothing was changed.", {
      hint: process.stdin.isTTY ? undefined : "Pass --yes to confirm when not running in a terminal.",
    });
  }
  return deployResources(run, plan.targets, {
    command: "rollback",
    forceUnlock: options.forceUnlock,
    heading: `Rolling stage ${run.ctx.stage} back to deploy #${plan.record.number}`,
    history: { command: "rollback", of: plan.record.number },
  });
}

/**
 * A distribution's front end switched back to the release the record names
 * (docs/decisions.md#e17-atomic-front-end-releases), or why it is left alone.
 */
function recordedFrontend(run: RunContext, current: Resource, record: DeployRecord): Resource | string {
  const cf = current.name ? run.ctx.cloudfront?.[current.name] : undefined;
  const release = current.name ? record.frontends?.[current.name] : undefined;
  if (!release) return `${current.title} (deploy #${record.number} recorded no front-end release)`;
  if (!cf?.releases) return `${current.title} (atomic_releases is off now)`;
  return releaseRollback(current, cf, cf.releases, release, record.number);
}

function chooseRecord(history: readonly DeployRecord[], to: number | undefined, stage: string): DeployRecord {
  if (to !== undefined) {
    const found = history.find((r) => r.number === to);
    if (found) return found;
    throw new CliError("unknown-deploy", `stage ${stage} has no deploy #${to} in its history.`, {
      hint: `List them with \`pocket history --stage ${stage}\`.`,
    });
  }
  const previous = history.at(-2);
  if (previous) return previous;
  throw new CliError(
    "no-earlier-deploy",
    `stage ${stage} has ${history.length === 0 ? "no recorded deploy" : "only one recorded deploy"}, so there is nothing to roll back to.`,
    {
      hint: "Deploys are recorded from this version of pocket on; each deploy that changes the stage adds one.",
    },
  );
}

/**
 * A current stack resource, deployed from the record instead of from the configuration: the
 * stored template body and the recorded parameters and tags. A NoEcho parameter (recorded by
 * fingerprint only) takes its current value, as a rollback never changes a secret's value.
 */
function recordedStack(
  current: Resource,
  recorded: StackRecord,
  record: DeployRecord,
  image: string | undefined,
): Resource {
  let memo: Promise<StackSpec> | undefined;
  const spec = (run: RunContext) => {
    memo ??= recordedSpec(run, current, recorded);
    return memo;
  };
  const region = recorded.region;
  return {
    id: current.id,
    title: `${current.title} (as in deploy #${record.number})`,
    group: current.group,
    name: current.name,
    dependsOn: current.dependsOn,
    stack: current.stack,
    status: async (run) => stackStatus(run.aws(region), await spec(run)),
    plan: async (run) => planStack(run.aws(region), await spec(run)),
    async deploy(run, progress) {
      const result = await deployStack(run.aws(region), await spec(run), progress);
      return {
        changed: result.changed,
        summary: result.changed ? `rolled back to deploy #${record.number}` : "no changes",
        outputs: {
          ...result.outputs,
          // The image the record ran, so the rollback's own record names it too.
          ...(image ? { imageUri: image } : {}),
        },
      };
    },
    destroy: () => {
      throw new CliError("internal", "a rollback never deletes a stack.");
    },
  };
}

async function recordedSpec(run: RunContext, current: Resource, recorded: StackRecord): Promise<StackSpec> {
  const body = await readTemplate(run, recorded.templateHash);
  const secret = Object.entries(recorded.parameters).filter(([, v]) => typeof v !== "string");
  const now = secret.length > 0 ? await current.stackSpec?.(run) : undefined;
  const parameters: Record<string, string> = {};
  const tags = { ...recorded.tags };
  for (const [key, value] of Object.entries(recorded.parameters)) {
    if (typeof value === "string") {
      parameters[key] = value;
      continue;
    }
    const currentValue = now?.parameters?.[key];
    if (currentValue === undefined) {
      throw new CliError(
        "rollback-secret-unknown",
        `the NoEcho parameter ${key} of stack ${recorded.name} has no current value to deploy with.`,
        { hint: "Run `pocket deploy` once, then roll back." },
      );
    }
    parameters[key] = currentValue;
    // Its fingerprint tag follows the value deployed, so status compares like deploy does.
    const tag = current.stack?.fingerprintTags?.[key];
    if (tag && now?.tags?.[tag] !== undefined) tags[tag] = now.tags[tag];
    if (tag && value.fingerprint !== undefined && value.fingerprint !== tags[tag])
      writeErr(
        `note: ${key} of stack ${recorded.name} keeps its current value (a rollback never changes secrets).\n`,
      );
  }
  return {
    name: recorded.name,
    template: parseTemplate(body, recorded),
    parameters,
    tags,
    namedIam: recorded.namedIam,
    ...(current.stack?.fingerprintTags ? { secretFingerprintTags: current.stack.fingerprintTags } : {}),
  };
}

function parseTemplate(body: string, recorded: StackRecord): Template {
  try {
    return JSON.parse(body) as Template;
  } catch {
    throw new CliError(
      "rollback-template-unreadable",
      `the recorded template of stack ${recorded.name} is not JSON (deployed by another tool?); nothing was changed.`,
    );
  }
}
