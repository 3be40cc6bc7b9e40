import type { PocketContext } from "@magic-pocket/config";
import { awsErrorName } from "../../aws/errors.js";
import { invocationDir } from "../../cwd.js";
import { CliError } from "../../errors.js";
import { deployStack, describeStack, destroyStack, planStack, stackStatus } from "../../stacks/stack.js";
import { containerParameters, containerTemplate } from "../../templates/container/index.js";
import type { ParameterSource } from "../../templates/template.js";
import type { DeployReport, Resource, RunContext } from "../resource.js";
import { registerVpcConsumer } from "../vpc/consumers.js";
import {
  buildAndPush,
  describeRepository,
  ensureRepository,
  plannedBuilder,
  taggedDigest,
  verifyGivenImage,
} from "./image.js";

/**
 * ECR repository + image + `{slug}-container` stack. The image is built (or taken from --image)
 * on every deploy; the stack only changes when the digest, the template or a parameter changed,
 * so an unchanged app deploys as "no changes".
 */
export function containerResource(ctx: PocketContext): Resource {
  const c = ctx.container!;
  const declared = containerParameters(ctx);
  const sources: Record<string, ParameterSource> = Object.fromEntries(
    Object.entries(declared).map(([name, p]) => [name, p.source]),
  );
  const spec = async (run: RunContext, image: string) => ({
    name: c.stackName,
    template: containerTemplate(ctx),
    parameters: await run.parameters(sources, { image }),
    namedIam: true,
  });
  /** The stack as the current image would deploy it (status and plan never build). */
  const currentSpec = async (run: RunContext) => {
    const clients = run.aws(c.region);
    if (run.image) return spec(run, run.image);
    const uri = await describeRepository(clients, c.ecrRepository);
    const digest = uri && (await taggedDigest(clients, c.ecrRepository, c.imageTag));
    if (uri && digest) return spec(run, `${uri}@${digest}`);
    // Deployed with --image (built by CI, promoted from another stage): nothing carries the
    // stage's tag, so compare with the image the stack runs.
    const deployed = await deployedImage(run);
    return deployed ? spec(run, deployed) : undefined;
  };
  const deployedImage = async (run: RunContext): Promise<string | undefined> => {
    const name = Object.entries(declared).find(([, p]) => p.source.kind === "image")?.[0];
    const stack = await describeStack(run.aws(c.region), c.stackName);
    return stack?.Parameters?.find((p) => p.ParameterKey === name)?.ParameterValue || undefined;
  };
  const keyStacks = Object.values(ctx.cloudfront ?? {}).flatMap((cf) =>
    cf.signingKey && c.secrets ? [`cloudfront-keys:${cf.name}`] : [],
  );
  // A distribution without a custom domain only learns its cloudfront.net name once it exists,
  // and the functions need that name in their environment: deploy again after it changed.
  const domainSources = Object.values(c.distributionDomains)
    .filter((d) => !d.domain)
    .flatMap((d) => Object.values(ctx.cloudfront ?? {}).filter((cf) => cf.stackName === d.stackName))
    .map((cf) => `cloudfront:${cf.name}`);
  return {
    id: "container",
    title: `container stack ${c.stackName}`,
    group: "awscontainer",
    goesWith: `with ECR repository ${c.ecrRepository} and its images, and the CodeBuild project and role if any`,
    dependsOn: ["state", "s3", "secrets", "vpc", "rds", ...keyStacks],
    refreshAfter: domainSources,
    stack: { region: c.region, name: c.stackName, template: () => containerTemplate(ctx) },
    async stackSpec(run) {
      const current = await currentSpec(run);
      if (!current) {
        throw new CliError("no-image", `no image is tagged ${c.imageTag} in ${c.ecrRepository} yet.`, {
          hint: "Deploy once (or pass --image URI@sha256:DIGEST) so there is an image to compare with.",
        });
      }
      return current;
    },
    async status(run) {
      const current = await currentSpec(run);
      if (!current) {
        const stack = await describeStack(run.aws(c.region), c.stackName);
        return stack
          ? { state: "needs-update", detail: "no image tagged for this stage" }
          : { state: "missing" };
      }
      return stackStatus(run.aws(c.region), current);
    },
    async check(run) {
      if (run.image) await verifyGivenImage(run.aws(c.region), run.image, { unchanged: true });
    },
    async plan(run) {
      const current = await currentSpec(run);
      const changes = current
        ? await planStack(run.aws(c.region), current)
        : [
            {
              action: "create" as const,
              target: `stack ${c.stackName}`,
              detail: "after the first image build",
            },
          ];
      const builder = run.image
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
    },
    async deploy(run, progress): Promise<DeployReport> {
      const clients = run.aws(c.region);
      let image: { uri: string; digest: string };
      // Deployed again in the same run (refreshAfter): the image is the one just deployed.
      const again = run.outputs.get("container")?.imageUri ?? run.image;
      if (again) {
        progress.update("checking --image in ECR");
        // Checked before the first change too (check); by now other resources may have changed.
        image = await verifyGivenImage(clients, again, { unchanged: false });
      } else {
        progress.update(`ECR repository ${c.ecrRepository}`);
        const repo = await ensureRepository(clients, c.ecrRepository);
        image = await buildAndPush(clients, c, repo.uri, invocationDir(), progress, {
          stateBucket: ctx.stateBucket,
          rebuild: run.rebuild === true,
          timing: run.timing,
        });
      }
      const stackSpec = await spec(run, image.uri);
      const vpc = c.useVpc && ctx.vpc && !ctx.vpc.manage ? ctx.vpc : undefined;
      const registered = vpc
        ? await registerVpcConsumer(clients, vpc.stackName, ctx.slug, true, progress)
        : false;
      const result = await deployStack(clients, stackSpec, progress, {
        recreateFailed: () =>
          run.confirm(`stack ${c.stackName} failed to create earlier; delete and recreate it?`),
      });
      const urls = endpoints(ctx, result.outputs);
      return {
        changed: result.changed || registered,
        summary: result.changed ? `deployed ${image.digest.slice(0, 19)}` : "no changes",
        outputs: { ...result.outputs, imageUri: image.uri },
        urls,
      };
    },
    async destroy(run, progress) {
      const clients = run.aws(c.region);
      const deleted = await destroyStack(clients, c.stackName, progress);
      const vpc = c.useVpc && ctx.vpc && !ctx.vpc.manage ? ctx.vpc : undefined;
      const unregistered = vpc
        ? await registerVpcConsumer(clients, vpc.stackName, ctx.slug, false, progress)
        : false;
      let repo = false;
      if (await describeRepository(clients, c.ecrRepository)) {
        progress.update("deleting ECR repository");
        const { DeleteRepositoryCommand } = await import("@aws-sdk/client-ecr");
        try {
          await (await clients.ecr()).send(
            new DeleteRepositoryCommand({ repositoryName: c.ecrRepository, force: true }),
          );
          repo = true;
        } catch (error) {
          if (awsErrorName(error) !== "RepositoryNotFoundException") throw error;
        }
      }
      const { destroyCodeBuild } = await import("./codebuild.js");
      const builder = await destroyCodeBuild(clients, c.build, ctx.stateBucket, progress);
      const parts = [
        deleted ? "stack deleted" : "no stack",
        repo ? "ECR repository deleted" : "no ECR repository",
        ...builder.map((b) => `${b} deleted`),
      ];
      if (unregistered) parts.push(`unregistered from ${vpc!.stackName}`);
      return { changed: deleted || repo || unregistered || builder.length > 0, summary: parts.join(", ") };
    },
  };
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
