import { callerIdentity } from "../aws/clients.js";
import type { DeployReport, Resource, RunContext, StackDeclaration } from "../resources/resource.js";
import { deployedTemplateBody, describeStack } from "../stacks/stack.js";
import { writeErr } from "../util/stdio.js";
import { VERSION } from "../version.js";
import { imagesToRecord } from "./history-images.js";
import {
  type DeployRecord,
  nextRecordNumber,
  type RecordedParameter,
  type StackRecord,
  sha256,
  templateStored,
  writeRecord,
  writeTemplate,
} from "./history-store.js";

/** Which kind of run a record is for: a deploy, or a rollback to an earlier record. */
export type HistoryEntry = { command: "deploy" } | { command: "rollback"; of: number };

/**
 * Appends the record of a deploy that succeeded and changed something (one that changed nothing
 * adds none, so the history lists real changes). Called by the engine under the stage lock, after
 * every resource deployed. The stacks are read back from CloudFormation, so the record holds
 * what runs, whatever path a resource took to get there.
 */
export async function appendDeployRecord(
  run: RunContext,
  targets: readonly Resource[],
  reports: ReadonlyMap<string, DeployReport>,
  entry: HistoryEntry,
): Promise<number | undefined> {
  try {
    return await writeDeployRecord(run, targets, reports, entry);
  } catch (error) {
    // The stage did change: a missing record must not turn a deploy that worked into a failure.
    writeErr(
      `warning: stage ${run.ctx.stage} was deployed, but its history record could not be written (${(error as Error).message}); pocket rollback cannot return to this deploy.\n`,
    );
    return undefined;
  }
}

async function writeDeployRecord(
  run: RunContext,
  targets: readonly Resource[],
  reports: ReadonlyMap<string, DeployReport>,
  entry: HistoryEntry,
): Promise<number> {
  const [number, caller, stacks] = await Promise.all([
    nextRecordNumber(run),
    callerIdentity(run.aws(run.ctx.region)).then((c) => c.arn),
    Promise.all(
      targets.flatMap((r) =>
        r.stack ? [recordStack(run, r.id, r.stack, reports.get(r.id)?.changed === true)] : [],
      ),
    ),
  ]);
  const record: DeployRecord = {
    number,
    time: new Date().toISOString(),
    caller,
    cliVersion: VERSION,
    configHash: sha256(JSON.stringify(run.settings)),
    command: entry.command,
    ...(entry.command === "rollback" ? { rollbackOf: entry.of } : {}),
    ...imagesToRecord(run.ctx, reports),
    stacks: stacks.filter((s): s is StackRecord => s !== undefined),
    frontends: frontendReleases(targets, reports),
    outcome: "succeeded",
  };
  await writeRecord(run, record);
  return number;
}

/**
 * The front-end release each distribution serves after the deploy, by distribution name: the
 * `release` output of its front-end resource (docs/decisions.md#e17-atomic-front-end-releases).
 */
function frontendReleases(
  targets: readonly Resource[],
  reports: ReadonlyMap<string, DeployReport>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of targets) {
    const release = reports.get(r.id)?.outputs?.release;
    if (r.id.startsWith("frontend:") && r.name && release) out[r.name] = release;
  }
  return out;
}

/** One stack as CloudFormation holds it; its template body is stored by hash. */
async function recordStack(
  run: RunContext,
  resource: string,
  stack: StackDeclaration,
  changed: boolean,
): Promise<StackRecord | undefined> {
  const clients = run.aws(stack.region);
  const [described, body] = await Promise.all([
    describeStack(clients, stack.name),
    deployedTemplateBody(clients, stack.name).catch(() => undefined),
  ]);
  if (!described || body === undefined) return undefined;
  const templateHash = sha256(body);
  // An unchanged stack's template is most often stored by an earlier record: asked, not rewritten.
  if (changed || !(await templateStored(run, templateHash))) await writeTemplate(run, templateHash, body);
  const tags = Object.fromEntries((described.Tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""]));
  const parameters: Record<string, RecordedParameter> = {};
  for (const p of described.Parameters ?? []) {
    if (!p.ParameterKey) continue;
    const tag = stack.fingerprintTags?.[p.ParameterKey];
    // CloudFormation reads a NoEcho value back as ****: only its fingerprint is recorded.
    parameters[p.ParameterKey] =
      p.ParameterValue === "****" || tag !== undefined
        ? { noEcho: true, ...(tag && tags[tag] ? { fingerprint: tags[tag] } : {}) }
        : (p.ParameterValue ?? "");
  }
  return {
    resource,
    name: stack.name,
    region: stack.region,
    templateHash,
    parameters,
    tags,
    namedIam: (described.Capabilities ?? []).includes("CAPABILITY_NAMED_IAM"),
  };
}
