import type { Stack } from "@aws-sdk/client-cloudformation";
import type { ContainerContext, PocketContext } from "@magic-pocket/config";
import type { AwsClients } from "../../aws/clients.js";
import { invocationDir } from "../../cwd.js";
import { CliError } from "../../errors.js";
import type { StackSpec } from "../../stacks/spec.js";
import {
  deployStack,
  describedStackStatus,
  describeStack,
  destroyStack,
  planStack,
} from "../../stacks/stack.js";
import { containerParameters, containerTemplate } from "../../templates/container/index.js";
import type { ParameterSource, Template } from "../../templates/template.js";
import { viewOf } from "../container-views.js";
import type { Change, DeployReport, Progress, Resource, ResourceStatus, RunContext } from "../resource.js";
import { registerVpcConsumer } from "../vpc/consumers.js";
import { driftRecord, type HotswapDrift, statusWithDrift } from "./drift.js";
import { deleteRepository, describeRepository, ensureRepository, taggedDigest } from "./ecr.js";
import { updateFunctionImages } from "./function-code.js";
import { givenImage, type ImageRef, verifyGivenImage } from "./given-image.js";
import { buildAndPush, plannedBuilder } from "./image.js";

/**
 * ECR repository + image + `{slug}-container` stack. The image is built (or taken from --image)
 * on every deploy; the stack only changes when the digest, the template or a parameter changed,
 * so an unchanged app deploys as "no changes".
 */
export function containerResource(ctx: PocketContext): Resource {
  const c = ctx.container!;
  const stack = containerStack(ctx);
  const view = viewOf(ctx);
  return {
    id: view.id,
    title: `container stack ${c.stackName}`,
    group: "awscontainer",
    goesWith: c.ecrRepositoryShared
      ? `with the CodeBuild project and role if any (ECR repository ${c.ecrRepository} is kept: ecr_name names it)`
      : `with ECR repository ${c.ecrRepository} and its images, and the CodeBuild project and role if any`,
    dependsOn: ["state", "s3", view.secretsId, "vpc", "rds", "dsql", ...signingKeyStacks(ctx)],
    refreshAfter: generatedDomainSources(ctx),
    stack: { region: c.region, name: c.stackName, template: stack.template },
    async stackSpec(run) {
      const { spec } = await stack.current(run);
      if (!spec) {
        throw new CliError("no-image", `no image is tagged ${c.imageTag} in ${c.ecrRepository} yet.`, {
          hint: "Deploy once (or pass --image URI@sha256:DIGEST) so there is an image to compare with.",
        });
      }
      return spec;
    },
    async status(run) {
      const clients = run.aws(c.region);
      const [status, drift] = await Promise.all([stackState(stack, run), driftRecord(clients, ctx).read()]);
      return statusWithDrift(status, drift);
    },
    async check(run) {
      const given = givenImage(run, ctx);
      if (given) await verifyGivenImage(run.aws(c.region), given, { unchanged: true });
    },
    plan: (run) => planContainer(ctx, stack, run),
    deploy: (run, progress) => deployContainer(ctx, stack, run, progress),
    destroy: (run, progress) => destroyContainer(ctx, run, progress),
  };
}

/** The stack's state for the image the stage would deploy now (without a drift a hotswap left). */
async function stackState(stack: ContainerStack, run: RunContext): Promise<ResourceStatus> {
  const clients = run.aws(stack.region);
  // Asked with the image and the parameters, not after them.
  const describing = describeStack(clients, stack.name);
  describing.catch(() => undefined);
  const { spec, described } = await stack.current(run, describing);
  if (!spec) {
    return described?.stack
      ? { state: "needs-update", detail: "no image tagged for this stage" }
      : { state: "missing" };
  }
  return describedStackStatus(clients, described ? described.stack : await describing, spec);
}

/** The container stack's template (built once), and its spec for an image. */
export type ContainerStack = ReturnType<typeof containerStack>;

export function containerStack(ctx: PocketContext) {
  const c = ctx.container!;
  // Read when a spec is made, not before: a distribution's region (where its outputs are read)
  // is set by the takeover check (docs/decisions.md#a1-taking-over-a-stage-deployed-by-the-original).
  const sources = (): Record<string, ParameterSource> =>
    Object.fromEntries(Object.entries(containerParameters(ctx)).map(([name, p]) => [name, p.source]));
  const imageParameter = Object.entries(containerParameters(ctx)).find(
    ([, p]) => p.source.kind === "image",
  )?.[0];
  let built: Template | undefined;
  const template = () => {
    built ??= containerTemplate(ctx);
    return built;
  };
  const spec = async (run: RunContext, image: string): Promise<StackSpec> => ({
    name: c.stackName,
    template: template(),
    parameters: await run.parameters(sources(), { image }),
    namedIam: true,
  });
  /**
   * The stack as the current image would deploy it (status and plan never build), and the stack
   * as described when that had to be read to find the image (so status does not read it again).
   */
  const current = async (
    run: RunContext,
    describing?: Promise<Stack | undefined>,
  ): Promise<{ spec?: StackSpec; described?: { stack: Stack | undefined } }> => {
    const clients = run.aws(c.region);
    const given = givenImage(run, ctx);
    if (given) return { spec: await spec(run, given) };
    const uri = await describeRepository(clients, c.ecrRepository);
    const digest = uri && (await taggedDigest(clients, c.ecrRepository, c.imageTag));
    if (uri && digest) return { spec: await spec(run, `${uri}@${digest}`) };
    // Deployed with --image (built by CI, promoted from another stage): nothing carries the
    // stage's tag, so compare with the image the stack runs.
    const described = { stack: await (describing ?? describeStack(clients, c.stackName)) };
    const deployed = described.stack && deployedImage(described.stack);
    return { spec: deployed ? await spec(run, deployed) : undefined, described };
  };
  /** The image a deployed stack names (its image parameter). */
  const deployedImage = (described: Stack): string | undefined =>
    described.Parameters?.find((p) => p.ParameterKey === imageParameter)?.ParameterValue;
  return { name: c.stackName, region: c.region, template, spec, current, deployedImage };
}

/** The distributions whose signing key the functions read: their key stacks come first. */
function signingKeyStacks(ctx: PocketContext): string[] {
  return Object.values(ctx.cloudfront ?? {}).flatMap((cf) =>
    cf.signingKey && ctx.container?.secrets ? [`cloudfront-keys:${cf.name}`] : [],
  );
}

/**
 * A distribution without a custom domain only learns its cloudfront.net name once it exists,
 * and the functions need that name in their environment: deploy again after it changed.
 */
function generatedDomainSources(ctx: PocketContext): string[] {
  return Object.values(ctx.container!.distributionDomains)
    .filter((d) => !d.domain)
    .flatMap((d) => Object.values(ctx.cloudfront ?? {}).filter((cf) => cf.stackName === d.stackName))
    .map((cf) => `cloudfront:${cf.name}`);
}

/** The VPC the functions join when another stage manages it (they register as its consumer). */
/** The stage's container and the AWS clients of its region (what each step below starts from). */
function containerAws(ctx: PocketContext, run: RunContext): { c: ContainerContext; clients: AwsClients } {
  const c = ctx.container!;
  return { c, clients: run.aws(c.region) };
}

function sharedVpc(ctx: PocketContext) {
  return ctx.container?.useVpc && ctx.vpc && !ctx.vpc.manage ? ctx.vpc : undefined;
}

async function planContainer(ctx: PocketContext, stack: ContainerStack, run: RunContext): Promise<Change[]> {
  const c = ctx.container!;
  const { spec } = await stack.current(run);
  const changes: Change[] = spec
    ? await planStack(run.aws(c.region), spec)
    : [{ action: "create", target: `stack ${c.stackName}`, detail: "after the first image build" }];
  const builder = givenImage(run, ctx)
    ? false
    : await plannedBuilder(run.aws(c.region), c, invocationDir(), {
        stateBucket: ctx.stateBucket,
        rebuild: run.rebuild === true,
      });
  if (builder) {
    changes.unshift({
      action: "update",
      target: `image ${c.ecrRepository}:${c.imageTag}`,
      detail: `build with ${builder} and push`,
    });
  }
  return changes;
}

/** The image this deploy ships: the given one (checked again), or one built and pushed now. */
export async function deployImage(
  ctx: PocketContext,
  run: RunContext,
  progress: Progress,
): Promise<ImageRef> {
  const { c, clients } = containerAws(ctx, run);
  // Deployed again in the same run (refreshAfter): the image is the one just deployed.
  const again = run.outputs.get(viewOf(ctx).id)?.imageUri ?? givenImage(run, ctx);
  if (again) {
    progress.update("checking --image in ECR");
    // Checked before the first change too (check); by now other resources may have changed.
    return verifyGivenImage(clients, again, { unchanged: false });
  }
  progress.update(`ECR repository ${c.ecrRepository}`);
  const repo = await ensureRepository(clients, c.ecrRepository);
  return buildAndPush(clients, c, repo.uri, invocationDir(), progress, {
    stateBucket: ctx.stateBucket,
    rebuild: run.rebuild === true,
    timing: run.timing,
    builders: run.builders,
  });
}

async function deployContainer(
  ctx: PocketContext,
  stack: ContainerStack,
  run: RunContext,
  progress: Progress,
): Promise<DeployReport> {
  const { c, clients } = containerAws(ctx, run);
  const drift = driftRecord(clients, ctx);
  // Read while the image is built or checked: a drift a hotswap left is reconciled below.
  const [image, hotswapped] = await Promise.all([deployImage(ctx, run, progress), drift.read()]);
  const spec = await stack.spec(run, image.uri);
  const vpc = sharedVpc(ctx);
  const registered = vpc
    ? await registerVpcConsumer(clients, vpc.stackName, ctx.slug, true, progress)
    : false;
  const result = await deployStack(clients, spec, progress, {
    recreateFailed: () =>
      run.confirm(`stack ${c.stackName} failed to create earlier; delete and recreate it?`),
  });
  const reconciled = hotswapped
    ? await reconcileDrift(clients, hotswapped, image.uri, result.changed, progress)
    : false;
  if (hotswapped) await drift.remove();
  return {
    changed: result.changed || registered || reconciled,
    summary: result.changed ? `deployed ${image.digest.slice(0, 19)}` : "no changes",
    outputs: { ...result.outputs, imageUri: image.uri },
    urls: endpoints(ctx, result.outputs),
  };
}

/**
 * After a hotswap the stack update above rolled the functions onto the stack's image (the one
 * they already run when that is the hotswapped image). Only when the stack did not change while
 * the functions run another image are they pointed back at the stack's image here.
 */
async function reconcileDrift(
  clients: AwsClients,
  drift: HotswapDrift,
  image: string,
  stackChanged: boolean,
  progress: Progress,
): Promise<boolean> {
  if (stackChanged || drift.image === image) return false;
  await updateFunctionImages(clients, drift.functions, image, progress);
  return true;
}

async function destroyContainer(
  ctx: PocketContext,
  run: RunContext,
  progress: Progress,
): Promise<DeployReport> {
  const { c, clients } = containerAws(ctx, run);
  const deleted = await destroyStack(clients, c.stackName, progress);
  const vpc = sharedVpc(ctx);
  const unregistered = vpc
    ? await registerVpcConsumer(clients, vpc.stackName, ctx.slug, false, progress)
    : false;
  const repo = c.ecrRepositoryShared
    ? keptRepository(c.ecrRepository, progress)
    : await deleteRepository(clients, c.ecrRepository, progress);
  const { destroyCodeBuild } = await import("./codebuild/destroy.js");
  const builder = await destroyCodeBuild(clients, c.build, ctx.stateBucket, progress);
  const parts = [
    deleted ? "stack deleted" : "no stack",
    repo ? "ECR repository deleted" : c.ecrRepositoryShared ? "ECR repository kept" : "no ECR repository",
    ...builder.map((b) => `${b} deleted`),
  ];
  if (unregistered) parts.push(`unregistered from ${vpc!.stackName}`);
  return { changed: deleted || repo || unregistered || builder.length > 0, summary: parts.join(", ") };
}

/**
 * A repository named by `ecr_name` may hold other stages' images (build once, promote by tag):
 * it is left for its owner to delete.
 */
function keptRepository(name: string, progress: Progress): false {
  progress.log(
    `warning: ECR repository ${name} is kept (named by ecr_name, other stages may use it); delete it yourself when no stage does`,
  );
  return false;
}

/** `https://...` of every API handler, from the stack outputs. */
export function endpoints(ctx: PocketContext, outputs: Record<string, string>): string[] {
  const urls: string[] = [];
  for (const h of Object.values(ctx.container?.handlers ?? {})) {
    const url = outputs[`${h.logicalId}ApiEndpoint`];
    if (h.apigateway && url) urls.push(`${h.key}: ${url}`);
  }
  return urls;
}
