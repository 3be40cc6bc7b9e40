import type { PocketContext } from "@magic-pocket/config";
import type { GlobalOptions } from "../config-loader.js";
import { loadStage } from "../config-loader.js";
import { withAwsErrors } from "../engine/aws-errors.js";
import { CliError, EXIT } from "../errors.js";
import { imagePairs } from "../resources/container/image-pairs.js";
import { type Promotion, promotedImages } from "../resources/container/promote.js";
import type { RunContext } from "../resources/resource.js";
import { writeErr } from "../util/stdio.js";

/**
 * `deploy --image-from STAGE`: the run deploys the image digest that STAGE runs, copied into this
 * stage's repository when they differ (resources/container/promote.ts). With several
 * `[container.<name>]`, each container gets the digest the same container of STAGE runs, in its
 * own repository (docs/decisions.md#e15-promotion-by-digest). Read and copied before the deploy,
 * which then checks each as it checks `--image`.
 */
export async function useImageFrom(
  global: GlobalOptions,
  run: RunContext,
  opts: { imageFrom: string; image?: string; profile?: string },
): Promise<void> {
  const stage = run.ctx.stage;
  if (opts.image !== undefined) {
    throw new CliError("usage", "give --image or --image-from, not both.", { exitCode: EXIT.usage });
  }
  if (opts.imageFrom === stage) {
    throw new CliError("usage", `--image-from names stage ${stage} itself.`, { exitCode: EXIT.usage });
  }
  if (!run.ctx.container) {
    throw new CliError(
      "image-without-container",
      `--image-from was given, but stage ${stage} has no [awscontainer] to run it; nothing was changed.`,
    );
  }
  const source = (await loadStage(global, opts.imageFrom)).context;
  const pairs = containerPairs(run, source);
  const promoted = await withAwsErrors(run.ctx.region, () => promotedImages(pairs.map((p) => p.promotion)));
  const images: Record<string, string> = {};
  for (const [i, { id, name, promotion }] of pairs.entries()) {
    const p = promoted[i]!;
    const copied = p.copied ? `, copied into ${promotion.target.ctx.container!.ecrRepository}` : "";
    const which = pairs.length > 1 ? ` in container ${name}` : "";
    writeErr(`Promoting the image stage ${source.stage} runs${which} (${p.digest})${copied}.\n`);
    images[id] = p.uri;
  }
  run.images = images;
}

/** Each container's promotion, with the clients of its region in either stage. */
function containerPairs(
  run: RunContext,
  source: PocketContext,
): { id: string; name: string; promotion: Promotion }[] {
  return imagePairs(run.ctx, source).map(({ id, name, target, source: from }) => ({
    id,
    name,
    promotion: {
      target: { ctx: target, clients: run.aws(target.container!.region) },
      source: { ctx: from, clients: run.aws(from.container!.region) },
    },
  }));
}
