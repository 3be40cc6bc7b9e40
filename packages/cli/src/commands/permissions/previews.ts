import { type LoadedConfig, listPreviewPattern, type PocketContext } from "@magic-pocket/config";
import { type GlobalOptions, loadStage } from "../../config-loader.js";
import { invocationDir } from "../../cwd.js";
import { CliError } from "../../errors.js";

/**
 * `pocket permissions --previews` (docs/decisions.md#e19-preview-stages): the permissions of every
 * preview stage at once. The configuration is loaded for a preview stage whose name has
 * `STAND_IN` where the pattern has `*`, so every name derived from the stage holds it; the output
 * then reads `*` there, IAM's wildcard, and names the preview stages' resources only. The stand-in
 * starts with a digit, so no name capitalizes it, and is lower case, so every name keeps it.
 */
const STAND_IN = "0pvw0";

export async function loadPreviews(global: GlobalOptions, stage: string | undefined): Promise<LoadedConfig> {
  if (stage) {
    throw new CliError("previews-with-stage", "--previews covers every preview stage; leave out --stage.", {
      exitCode: 2,
    });
  }
  const pattern = listPreviewPattern({ configPath: global.config, cwd: invocationDir() });
  if (!pattern) {
    throw new CliError(
      "no-preview-stages",
      "pocket.toml sets no general.preview_stages, so there are no preview stages to give permissions for.",
      { hint: 'Add preview_stages = "pr-*" and preview_base = "dev" to [general].', exitCode: 2 },
    );
  }
  const config = await loadStage(global, pattern.replaceAll("*", STAND_IN));
  if (JSON.stringify(config.settings).replaceAll(pattern.replaceAll("*", STAND_IN), "").includes(STAND_IN)) {
    throw new CliError(
      "previews-stand-in",
      `pocket.toml itself holds "${STAND_IN}", which --previews uses for *.`,
      {
        exitCode: 2,
      },
    );
  }
  return config;
}

/** `value` with the stand-in read as IAM's `*` (every string in it). */
export function withWildcards<T>(value: T): T {
  return JSON.parse(JSON.stringify(value).replaceAll(STAND_IN, "*")) as T;
}

/**
 * `policy()` for the previews, its missing-boundary error pointing at the base stage's table: a
 * preview's roles take the shared boundary when the base names pocket's own.
 */
export function previewsPolicy<T>(ctx: PocketContext, policy: () => T): T {
  try {
    return policy();
  } catch (error) {
    const preview = ctx.preview;
    if (!(error instanceof CliError) || error.code !== "permissions-boundary-required" || !preview)
      throw error;
    throw new CliError(error.code, error.message, {
      hint: `Name the base stage's own boundary in pocket.toml: [${preview.base}.awscontainer.iam] permissions_boundary = "arn:PARTITION:iam::ACCOUNT:policy/${preview.baseBoundary}". Preview stages then use ${preview.sharedPrefix}boundary, which --previews --role-template creates.`,
      exitCode: error.exitCode,
    });
  }
}
