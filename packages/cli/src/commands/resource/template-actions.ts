import type { CloudFrontContext, LoadedConfig } from "@magic-pocket/config";
import { type GlobalOptions, loadStage } from "../../config-loader.js";
import { CliError } from "../../errors.js";
import { writeJson } from "../../output.js";
import { cloudfrontParameters, cloudfrontTemplate } from "../../templates/cloudfront.js";
import { cloudfrontKeysTemplate } from "../../templates/cloudfront-keys.js";
import { containerTemplate } from "../../templates/container.js";
import { renderYaml } from "../../templates/render.js";
import type { Template } from "../../templates/template.js";
import { vpcTemplate } from "../../templates/vpc.js";
import type { NameOptions, StageOptions } from "./options.js";

export async function vpcYaml(global: GlobalOptions, opts: StageOptions): Promise<void> {
  const config = await loadStage(global, opts.stage);
  const vpc = config.context.vpc;
  if (!vpc) throw missing(config, "[vpc]", "Add a [vpc] table (see the README) to give this stage a VPC.");
  if (!vpc.manage) {
    throw new CliError(
      "vpc-not-managed",
      `VPC "${vpc.ref}" is used by this stage but managed by another project (manage = false); there is no template here.`,
      { hint: `Run \`pocket resource vpc yaml\` in the project that manages it (stack ${vpc.stackName}).` },
    );
  }
  print(`${vpc.stackName} (${vpc.region})`, vpcTemplate(config.context));
}

export async function containerYaml(global: GlobalOptions, opts: StageOptions): Promise<void> {
  const config = await loadStage(global, opts.stage);
  const container = config.context.container;
  if (!container) throw missing(config, "[awscontainer]", "Add [awscontainer] with at least one handler.");
  print(`${container.stackName} (${container.region})`, containerTemplate(config.context));
}

export async function cloudfrontYaml(global: GlobalOptions, opts: NameOptions): Promise<void> {
  const config = await loadStage(global, opts.stage);
  const docs = distributions(config, opts.name).map((cf) =>
    document(`[${cf.name}] ${cf.stackName} (${cf.region})`, cloudfrontTemplate(cf)),
  );
  process.stdout.write(docs.join("---\n"));
}

export async function cloudfrontKeysYaml(global: GlobalOptions, opts: NameOptions): Promise<void> {
  const config = await loadStage(global, opts.stage);
  const signed = distributions(config, opts.name).filter((cf) => cf.signingKey);
  if (signed.length === 0) {
    throw new CliError(
      "no-signing-key",
      opts.name
        ? `distribution "${opts.name}" has no signing_key, so it has no keys stack.`
        : "no distribution of this stage has signing_key, so there is no keys stack.",
      {
        hint: 'Set signing_key = "NAME" on a distribution (a managed secret of type cloudfront_signing_key).',
      },
    );
  }
  const docs = signed.map((cf) =>
    document(`[${cf.name}] ${cf.signingKey!.keysStackName} (${cf.region})`, cloudfrontKeysTemplate(cf)),
  );
  process.stdout.write(docs.join("---\n"));
}

export async function cloudfrontContext(global: GlobalOptions, opts: NameOptions): Promise<void> {
  const config = await loadStage(global, opts.stage);
  const out: Record<string, unknown> = {};
  for (const cf of distributions(config, opts.name)) {
    out[cf.name] = { ...cf, deployParameters: cloudfrontParameters(cf) };
  }
  writeJson(out);
}

function distributions(config: LoadedConfig, name: string | undefined): CloudFrontContext[] {
  const all = config.context.cloudfront;
  if (!all || Object.keys(all).length === 0) {
    throw missing(config, "[cloudfront.NAME]", "Add a [cloudfront.NAME] table with routes.");
  }
  if (name === undefined) return Object.values(all);
  const one = all[name];
  if (!one) {
    throw new CliError("unknown-distribution", `no distribution "${name}" in this stage.`, {
      hint: `Distributions: ${Object.keys(all).join(", ")}.`,
    });
  }
  return [one];
}

function missing(config: LoadedConfig, table: string, hint: string): CliError {
  return new CliError(
    "section-missing",
    `${config.file} has no ${table} for stage ${config.settings.stage}, so there is nothing to render.`,
    { hint },
  );
}

function print(title: string, template: Template): void {
  process.stdout.write(document(title, template));
}

/** The template as YAML, headed by comments naming the stack and the deploy-time parameters. */
function document(title: string, template: Template): string {
  const lines = [`# ${title}`];
  const parameters = Object.entries(template.Parameters ?? {});
  if (parameters.length > 0) {
    lines.push("# Parameters the deploy fills in:");
    for (const [name, p] of parameters) lines.push(`#   ${name}: ${p.Description ?? p.Type}`);
  }
  return `${lines.join("\n")}\n${renderYaml(template)}`;
}
