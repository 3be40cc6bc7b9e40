import type { PocketContext } from "@magic-pocket/config";
import { CliError } from "../../errors.js";
import { containerViews } from "../container-views.js";

/** A container of the target stage, with the same container of the stage its image comes from. */
export interface ImagePair {
  /** The resource id both share: `container`, `container:<name>`. */
  id: string;
  name: string;
  target: PocketContext;
  source: PocketContext;
}

/**
 * `--image-from STAGE` (docs/decisions.md#e15-promotion-by-digest): each container of the target
 * stage gets the image the same container (by resource id) of `source` runs. A container the
 * source stage does not have runs no image there: refused before anything is read, by the deploy
 * and by `pocket permissions`, which grants the reads of these pairs.
 */
export function imagePairs(target: PocketContext, source: PocketContext): ImagePair[] {
  const sources = new Map(containerViews(source).map((v) => [v.id, v.ctx]));
  return containerViews(target).map(({ id, ctx }) => {
    const name = ctx.container!.name ?? id;
    const from = sources.get(id);
    if (!from) {
      throw new CliError(
        "image-from-no-container",
        `stage ${source.stage} has no container ${name}, so it runs no image for it; nothing was changed.`,
        { hint: "Deploy without --image-from (each container's image is built)." },
      );
    }
    return { id, name, target: ctx, source: from };
  });
}
