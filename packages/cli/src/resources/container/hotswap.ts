import type { PocketContext } from "@magic-pocket/config";
import { describedStackStatus, describeStack } from "../../stacks/stack.js";
import type { DeployReport, Progress, RunContext } from "../resource.js";
import { driftRecord, shortImage } from "./drift.js";
import { updateFunctionImages } from "./function-code.js";
import { givenImage, parseGivenImage } from "./given-image.js";
import { containerStack, deployImage } from "./resource.js";

/**
 * Whether `pocket deploy --hotswap` may put a new image straight onto the functions: only when
 * the container stack, deployed again with the image it names, would not change (so the image is
 * the only difference); otherwise the reason a full deploy is needed.
 */
export type HotswapCheck =
  | {
      kind: "hotswap";
      /** The image the stack names. */
      stackImage: string;
      /** The image the functions run: the last hotswap's, else the stack's. */
      running: string;
      functions: string[];
    }
  | { kind: "full"; reason: string };

export async function checkHotswap(ctx: PocketContext, run: RunContext): Promise<HotswapCheck> {
  const c = ctx.container!;
  const clients = run.aws(c.region);
  const stack = containerStack(ctx);
  const [described, drift] = await Promise.all([
    describeStack(clients, c.stackName),
    driftRecord(clients, ctx).read(),
  ]);
  const full = (reason: string): HotswapCheck => ({ kind: "full", reason });
  if (!described) return full(`the container stack ${c.stackName} does not exist yet`);
  const stackImage = stack.deployedImage(described);
  if (!stackImage) return full(`the container stack ${c.stackName} names no image`);
  const status = await describedStackStatus(clients, described, await stack.spec(run, stackImage));
  switch (status.state) {
    case "in-sync":
      break;
    case "needs-update":
      return full(`the container stack's template or parameters changed beyond the image`);
    default:
      return full(
        `the container stack ${c.stackName} is ${status.state}${status.detail ? ` (${status.detail})` : ""}`,
      );
  }
  return {
    kind: "hotswap",
    stackImage,
    running: drift?.image ?? stackImage,
    functions: Object.values(c.handlers).map((h) => h.functionName),
  };
}

/**
 * Builds (or checks `--image`) and updates the functions to that image by digest, recording the
 * drift from the stack; back on the stack's own image, the record goes.
 */
export async function applyHotswap(
  ctx: PocketContext,
  run: RunContext,
  check: Extract<HotswapCheck, { kind: "hotswap" }>,
  progress: Progress,
): Promise<DeployReport> {
  const c = ctx.container!;
  const clients = run.aws(c.region);
  // A given image was found in ECR while the stage was read (the container's `check`), under
  // the lock: not asked again.
  const given = givenImage(run, ctx);
  const image = given ? parseGivenImage(given, c.region) : await deployImage(ctx, run, progress);
  const outputs = { imageUri: image.uri };
  if (image.uri === check.running) {
    return { changed: false, summary: `no changes: the functions run ${shortImage(image.uri)}`, outputs };
  }
  const drift = driftRecord(clients, ctx);
  const record =
    image.uri === check.stackImage
      ? drift.remove()
      : drift.write({
          stack: c.stackName,
          stackImage: check.stackImage,
          image: image.uri,
          functions: check.functions,
          at: new Date().toISOString(),
        });
  // The record is written with the update, not after it: a failed update leaves it, and the
  // next full deploy puts every function back on the stack's image.
  await Promise.all([updateFunctionImages(clients, check.functions, image.uri, progress), record]);
  return {
    changed: true,
    summary:
      image.uri === check.stackImage
        ? `functions back on the stack's image ${shortImage(image.uri)}`
        : `hotswapped ${shortImage(image.uri)} into ${check.functions.length} function(s); the stack names ${shortImage(check.stackImage)} until the next full deploy`,
    outputs,
  };
}
