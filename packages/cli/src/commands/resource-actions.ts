import type { PocketContext } from "@magic-pocket/config";
import type { GlobalOptions } from "../config-loader.js";
import { withAwsErrors } from "../engine/aws-errors.js";
import { deployResources } from "../engine/deploy.js";
import { destroyResources } from "../engine/destroy.js";
import { statusOf } from "../engine/inspect.js";
import type { RunOptions } from "../engine/run-context.js";
import { operationContext, type PreparedStage, prepareStage, selectGroup } from "../engine/stage.js";
import { placeDistributions } from "../resources/cloudfront/placement.js";
import { CONTAINER_GROUP, viewOf } from "../resources/container-views.js";
import type { Operation, Resource, ResourceKind } from "../resources/resource.js";
import { formatDiff, stackDifferences } from "../stacks/diff.js";
import { planTakeover, takeOverBeforeDeploy } from "../takeover/index.js";
import { renderYaml } from "../templates/render.js";
import type { Template } from "../templates/template.js";
import { printable } from "../util/printable.js";
import { writeErr, writeOut } from "../util/stdio.js";
import { chooseContainer } from "./container-choice.js";
import type { NameOptions } from "./options.js";

type GroupOptions = NameOptions &
  RunOptions & {
    /** `--container`: the container a command of the containers' group acts on. */
    container?: string;
    forceUnlock?: boolean;
    withData?: boolean;
    withSecrets?: boolean;
    withStateBucket?: boolean;
  };

const groupOf = (kinds: readonly ResourceKind[]) => kinds[0]!.group;

/** `pocket resource <group> yaml`: each stack's template, offline. */
export async function groupYaml(global: GlobalOptions, kinds: ResourceKind[], opts: GroupOptions) {
  const prepared = await prepareStage(global, opts);
  const docs = selected(prepared, kinds, opts).flatMap((r) =>
    r.stack
      ? [document(`${r.name ? `[${r.name}] ` : ""}${r.stack.name} (${r.stack.region})`, r.stack.template())]
      : [],
  );
  writeOut(docs.join("---\n"));
}

/** The template as YAML, headed by comments naming the stack and the deploy-time parameters. */
function document(title: string, template: Template): string {
  const lines = [`# ${title}`];
  const parameters = Object.entries(template.Parameters ?? {});
  if (parameters.length > 0) {
    lines.push("# Parameters the deploy fills in:");
    for (const [name, p] of parameters) lines.push(`#   ${name}: ${p.Description ?? p.Type}`);
  }
  return `${lines.join("\n")}\n${renderYaml(template)}`;
}

export async function groupStatus(global: GlobalOptions, kinds: ResourceKind[], opts: GroupOptions) {
  const prepared = await prepareStage(global, opts);
  // A stage taken over from the original is compared in the shape it keeps (as deploy renders it).
  await withAwsErrors(prepared.run.ctx.region, () => planTakeover(prepared.run));
  const targets = selected(prepared, kinds, opts);
  const statuses = await statusOf(prepared.run, targets);
  for (const { resource, status, error } of statuses) {
    if (error) continue;
    writeOut(`${resource.title}: ${status.state}${status.detail ? ` (${printable(status.detail)})` : ""}\n`);
    if (status.state === "failed") process.exitCode = 1;
  }
  // Asked for this group alone: a resource that cannot be asked is the command's error, with its hint.
  const failed = statuses.find((s) => s.error)?.error;
  if (failed) throw failed;
}

export async function groupDeploy(global: GlobalOptions, kinds: ResourceKind[], opts: GroupOptions) {
  const prepared = await prepareStage(global, opts);
  await withAwsErrors(prepared.run.ctx.region, () =>
    takeOverBeforeDeploy(prepared.run, (line) => writeErr(`${line}\n`)),
  );
  await deployResources(prepared.run, selected(prepared, kinds, opts), {
    command: `resource ${groupOf(kinds)} deploy`,
    forceUnlock: opts.forceUnlock,
  });
}

export async function groupDestroy(global: GlobalOptions, kinds: ResourceKind[], opts: GroupOptions) {
  const prepared = await prepareStage(global, opts);
  // A distribution the original's current version deployed is deleted where it is (A1).
  await withAwsErrors(prepared.run.ctx.region, () => placeDistributions(prepared.run));
  await destroyResources(
    prepared.run,
    selected(prepared, kinds, opts),
    {
      withData: opts.withData === true,
      withSecrets: opts.withSecrets === true,
      withStateBucket: opts.withStateBucket === true,
    },
    {
      command: `resource ${groupOf(kinds)} destroy`,
      forceUnlock: opts.forceUnlock,
      heading: "This deletes:",
      question: "Delete? This cannot be undone.",
    },
  );
}

/** `pocket resource <group> yaml-diff`: how each deployed stack differs from what deploy would send. */
export async function groupYamlDiff(global: GlobalOptions, kinds: ResourceKind[], opts: GroupOptions) {
  const prepared = await prepareStage(global, opts);
  const { run } = prepared;
  await withAwsErrors(run.ctx.region, () => planTakeover(run));
  for (const r of selected(prepared, kinds, opts)) {
    if (!r.stack || !r.stackSpec) continue;
    const region = r.stack.region;
    const changes = await withAwsErrors(region, async () =>
      stackDifferences(run.aws(region), await r.stackSpec!(run)),
    );
    writeOut(`# ${r.stack.name} (${region})\n`);
    if (!changes) writeOut("not deployed: the whole template is new\n");
    else writeOut(changes.length ? `${formatDiff(changes)}\n` : "no differences\n");
  }
}

/** The group's resources; with `--container`, only that container's (all of them without it). */
function selected(prepared: PreparedStage, kinds: readonly ResourceKind[], opts: GroupOptions): Resource[] {
  const all = selectGroup(prepared, kinds, opts.name);
  if (opts.container === undefined) return all;
  const ids = ownIds(chooseContainer(prepared.run.ctx, opts.container, `resource ${groupOf(kinds)}`));
  return all.filter((r) => ids.includes(r.id));
}

/** The ids of a container's own resources: its stack and its managed secrets (container-views.ts). */
function ownIds(view: PocketContext): string[] {
  const { id, secretsId } = viewOf(view);
  return [id, secretsId];
}

/**
 * An operation a kind declares: its resources, the run, and the engine's deploy/destroy. One of
 * the containers' group acts on one container: the only one, or the one `--container` names (in
 * a stage of several it must be named: a command never picks the first silently).
 */
export async function runOperation(
  global: GlobalOptions,
  kind: ResourceKind,
  op: Operation<never>,
  command: string,
  opts: GroupOptions,
) {
  const stage = await prepareStage(global, opts);
  const view =
    kind.group === CONTAINER_GROUP ? chooseContainer(stage.run.ctx, opts.container, command) : undefined;
  const prepared = view ? { ...stage, run: { ...stage.run, ctx: view } } : stage;
  const all = op.allowEmpty
    ? prepared.resources.filter((r) => kind.create(prepared.config.context).some((k) => k.id === r.id))
    : selectGroup(prepared, [kind], op.named ? opts.name : undefined);
  const resources = view ? all.filter((r) => ownIds(view).includes(r.id)) : all;
  const action = (await op.run()) as (
    ctx: ReturnType<typeof operationContext>,
    o: GroupOptions,
  ) => Promise<void>;
  await withAwsErrors(prepared.run.ctx.region, () =>
    action(operationContext(prepared, resources, { command, forceUnlock: opts.forceUnlock }), opts),
  );
}
