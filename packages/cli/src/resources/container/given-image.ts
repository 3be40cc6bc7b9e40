import type { PocketContext } from "@magic-pocket/config";
import type { AwsClients } from "../../aws/clients.js";
import { awsErrorName } from "../../aws/errors.js";
import { CliError } from "../../errors.js";
import { viewOf } from "../container-views.js";
import type { RunContext } from "../resource.js";

/** An image built elsewhere, given with `pocket deploy --image URI@sha256:DIGEST`. */

/**
 * The image the container of `ctx` deploys without a build: the one `--image-from` promoted for
 * it (each container its own), or `--image` (every container's); none when it is built.
 */
export function givenImage(run: RunContext, ctx: PocketContext): string | undefined {
  return run.images?.[viewOf(ctx).id] ?? run.image;
}

export interface ImageRef {
  /** `{registry}/{repository}@sha256:{hex}` */
  uri: string;
  digest: string;
}

const DIGEST_URI =
  /^([0-9]{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([^@:\s]+)@(sha256:[a-f0-9]{64})$/;

/**
 * `--image URI@sha256:DIGEST`: an image built elsewhere (CI, or another stage). Its shape and
 * region are checked offline, before any AWS call; `verifyGivenImage` then finds it in ECR.
 */
export function parseGivenImage(image: string, region: string): ImageRef & { repository: string } {
  const m = DIGEST_URI.exec(image);
  if (!m) {
    throw new CliError("image-not-digest", `--image must be an ECR image by digest, got "${image}".`, {
      hint: "Use ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPOSITORY@sha256:<64 hex> (docker inspect or `aws ecr describe-images` prints it).",
    });
  }
  const [, , imageRegion, repository, digest] = m;
  if (imageRegion !== region) {
    throw new CliError(
      "image-wrong-region",
      `--image is in ${imageRegion}, but the stage deploys to ${region}.`,
      {
        hint: "Lambda only runs images from ECR in its own region; replicate or push the image there first.",
      },
    );
  }
  return { uri: image, digest: digest!, repository: repository! };
}

/**
 * Finds a given image in ECR (read-only): Lambda only runs images from ECR in the function's own
 * region. `unchanged` says the caller has changed nothing yet, so the error may say so: a deploy
 * checks `--image` before its first change (docs/decisions.md#p23-inputs-checked-before-the-first-change).
 */
export async function verifyGivenImage(
  clients: AwsClients,
  image: string,
  options: { unchanged: boolean },
): Promise<ImageRef> {
  const ref = parseGivenImage(image, clients.region);
  const { DescribeImagesCommand } = await import("@aws-sdk/client-ecr");
  try {
    await (await clients.ecr()).send(
      new DescribeImagesCommand({ repositoryName: ref.repository, imageIds: [{ imageDigest: ref.digest }] }),
    );
  } catch (error) {
    const name = awsErrorName(error);
    if (name === "ImageNotFoundException" || name === "RepositoryNotFoundException") {
      throw new CliError(
        "image-not-found",
        `the image ${image} is not in ECR (${name})${options.unchanged ? "; nothing was changed" : ""}.`,
        {
          hint: "Push it first, or deploy without --image to build from the Dockerfile.",
        },
      );
    }
    throw error;
  }
  return { uri: ref.uri, digest: ref.digest };
}
