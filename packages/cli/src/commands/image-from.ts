import type { GlobalOptions } from "../config-loader.js";
import { loadStage } from "../config-loader.js";
import { withAwsErrors } from "../engine/aws-errors.js";
import { CliError, EXIT } from "../errors.js";
import { promotedImage } from "../resources/container/promote.js";
import type { RunContext } from "../resources/resource.js";
import { writeErr } from "../util/stdio.js";
import { containerNames } from "./container-choice.js";

/**
 * `deploy --image-from STAGE`: the run deploys the image digest that STAGE runs, copied into this
 * stage's repository when they differ (resources/container/promote.ts). Read and copied before
 * the deploy, which then checks it as it checks `--image`.
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
  const names = containerNames(run.ctx);
  if (names.length > 1) {
    // Each container runs its own image; promoting the first one's into all would be a silent choice.
    throw new CliError(
      "image-from-several-containers",
      `--image-from promotes one image, but stage ${stage} has several containers (${names.join(", ")}); nothing was changed.`,
      {
        hint: "Deploy without it (each container's image is built), or give --image URI@sha256:... to run one image in every container.",
      },
    );
  }
  const source = (await loadStage(global, opts.imageFrom)).context;
  const promoted = await withAwsErrors(run.ctx.region, () =>
    promotedImage(
      { ctx: run.ctx, clients: run.aws(run.ctx.region) },
      { ctx: source, clients: run.aws(source.region) },
    ),
  );
  writeErr(
    `Promoting the image stage ${source.stage} runs (${promoted.digest})${promoted.copied ? `, copied into ${run.ctx.container.ecrRepository}` : ""}.\n`,
  );
  run.image = promoted.uri;
}
