import type { PocketContext } from "@magic-pocket/config";
import type { AwsClients } from "../../aws/clients.js";
import { awsErrorName } from "../../aws/errors.js";
import { CliError } from "../../errors.js";
import { describeStack } from "../../stacks/stack.js";
import { containerParameters } from "../../templates/container/index.js";
import { ensureRepository } from "./ecr.js";
import { parseGivenImage } from "./given-image.js";

/**
 * `pocket deploy --stage prd --image-from dev`: the image, by digest, that stage dev's functions
 * run now (read from its container stack, so it is what dev runs, not what its tag says), made
 * available to the target stage: copied into the target's repository by manifest (BatchGetImage,
 * PutImage), so the digest stays the same: what was tested on dev is what prd runs. Stages that
 * share a repository deploy the same URI.
 */
export interface PromotedImage {
  /** What the target stage deploys (`--image`): its own repository, the source's digest. */
  uri: string;
  digest: string;
  /** The image the source stage runs. */
  source: string;
  copied: boolean;
}

/** One container's promotion: the target stage's view of it, and the source stage's. */
export interface Promotion {
  target: { ctx: PocketContext; clients: AwsClients };
  source: { ctx: PocketContext; clients: AwsClients };
}

/**
 * Each container's image (several `[container.<name>]` each run their own). Every source is
 * read and checked before anything is copied, so a refusal copies nothing.
 */
export async function promotedImages(promotions: readonly Promotion[]): Promise<PromotedImage[]> {
  const running = await Promise.all(promotions.map((p) => runningImage(p.source.ctx, p.source.clients)));
  const froms = promotions.map((p, i) => {
    sameRegion(p);
    return parseGivenImage(running[i]!, p.source.clients.region);
  });
  const promoted: PromotedImage[] = [];
  for (const [i, { target }] of promotions.entries()) {
    const from = froms[i]!;
    const t = target.ctx.container!;
    if (from.repository === t.ecrRepository) {
      promoted.push({ uri: running[i]!, digest: from.digest, source: running[i]!, copied: false });
      continue;
    }
    const repo = await ensureRepository(target.clients, t.ecrRepository);
    await copyManifest(target.clients, from, t.ecrRepository, t.imageTag);
    promoted.push({
      uri: `${repo.uri}@${from.digest}`,
      digest: from.digest,
      source: running[i]!,
      copied: true,
    });
  }
  return promoted;
}

function sameRegion({ source, target }: Promotion): void {
  if (source.clients.region === target.clients.region) return;
  throw new CliError(
    "image-wrong-region",
    `stage ${source.ctx.stage} runs in ${source.clients.region}, stage ${target.ctx.stage} in ${target.clients.region}; Lambda only runs images from its own region. Nothing was changed.`,
    { hint: "Replicate the repository to the target region (ECR replication), then deploy with --image." },
  );
}

/** The image URI the source stage's container stack runs (its image parameter). */
async function runningImage(ctx: PocketContext, clients: AwsClients): Promise<string> {
  const c = ctx.container;
  if (!c) {
    throw new CliError(
      "image-from-no-container",
      `stage ${ctx.stage} has no [awscontainer], so it runs no image.`,
    );
  }
  const parameter = Object.entries(containerParameters(ctx)).find(([, p]) => p.source.kind === "image")?.[0];
  const stack = await describeStack(clients, c.stackName);
  const uri = stack?.Parameters?.find((p) => p.ParameterKey === parameter)?.ParameterValue;
  if (!uri) {
    throw new CliError(
      "image-from-not-deployed",
      `stage ${ctx.stage} is not deployed (no stack ${c.stackName}), so it runs no image to promote. Nothing was changed.`,
      { hint: `Deploy stage ${ctx.stage} first.` },
    );
  }
  return uri;
}

/**
 * Puts the source image's manifest into the target repository under the target's tag: the same
 * bytes, so the same digest. ECR needs the layers in the target repository; when they are not
 * (it does not share layers between repositories), the error says how to share one repository.
 */
async function copyManifest(
  clients: AwsClients,
  from: { repository: string; digest: string },
  repository: string,
  tag: string,
): Promise<void> {
  const { BatchGetImageCommand, PutImageCommand } = await import("@aws-sdk/client-ecr");
  const ecr = await clients.ecr();
  const got = await ecr.send(
    new BatchGetImageCommand({ repositoryName: from.repository, imageIds: [{ imageDigest: from.digest }] }),
  );
  const image = got.images?.[0];
  if (!image?.imageManifest) {
    throw new CliError(
      "image-not-found",
      `the image ${from.repository}@${from.digest} is not in ECR any more; nothing was changed.`,
    );
  }
  try {
    await ecr.send(
      new PutImageCommand({
        repositoryName: repository,
        imageManifest: image.imageManifest,
        imageManifestMediaType: image.imageManifestMediaType,
        imageTag: tag,
        imageDigest: from.digest,
      }),
    );
  } catch (error) {
    const name = awsErrorName(error);
    if (name === "ImageAlreadyExistsException") return;
    if (name === "LayersNotFoundException") {
      throw new CliError(
        "image-copy-layers",
        `ECR could not copy ${from.repository}@${from.digest} into ${repository}: its layers are not in that repository. Nothing the stage runs was changed.`,
        {
          hint: "Copy the image with `crane copy` (or docker pull and push) into that repository, then deploy with --image URI@DIGEST.",
        },
      );
    }
    throw error;
  }
}
