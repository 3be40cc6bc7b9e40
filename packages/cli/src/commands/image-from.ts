import type { PocketContext } from "@magic-pocket/config";
import type { GlobalOptions } from "../config-loader.js";
import { loadStage } from "../config-loader.js";
import { withAwsErrors } from "../engine/aws-errors.js";
import { CliError, EXIT } from "../errors.js";
import { type Promotion, promotedImages } from "../resources/container/promote.js";
import { containerViews } from "../resources/container-views.js";
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

/**
 * Each container of the target stage with the same container of the source (by resource id:
 * `container`, `container:<name>`). A container the source stage does not have runs no image
 * there: refused before anything is read.
 */
function containerPairs(
  run: RunContext,
  source: PocketContext,
): { id: string; name: string; promotion: Promotion }[] {
  const sources = new Map(containerViews(source).map((v) => [v.id, v.ctx]));
  return containerViews(run.ctx).map(({ id, ctx }) => {
    const name = ctx.container!.name ?? id;
    const from = sources.get(id);
    if (!from) {
      throw new CliError(
        "image-from-no-container",
        `stage ${source.stage} has no container ${name}, so it runs no image for it; nothing was changed.`,
        { hint: "Deploy without --image-from (each container's image is built)." },
      );
    }
    return {
      id,
      name,
      promotion: {
        target: { ctx, clients: run.aws(ctx.container!.region) },
        source: { ctx: from, clients: run.aws(from.container!.region) },
      },
    };
  });
}
