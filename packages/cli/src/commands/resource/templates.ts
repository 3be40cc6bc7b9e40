import type { Command } from "commander";

import type { RegisterResource } from "./index.js";
import { type NameOptions, type StageOptions, withName, withStage } from "./options.js";

const YAML_HELP = `
Prints the CloudFormation template as YAML without calling AWS. Values known only at deploy time
(image digest, hosted-zone ids, values from stacks in other regions) are template Parameters;
the comment at the top lists them and where the deploy takes each from.`;

function group(resource: Command, name: string, description: string): Command {
  return resource.commands.find((c) => c.name() === name) ?? resource.command(name).description(description);
}

export const registerVpcTemplates: RegisterResource = (resource, global) => {
  const vpc = group(resource, "vpc", "the [vpc] stack: VPC, subnets, NAT gateways, optional EFS");
  withStage(vpc.command("yaml").description("print the VPC stack template (offline)"))
    .addHelpText("after", YAML_HELP)
    .action(async (opts: StageOptions) => (await actions()).vpcYaml(global(), opts));
};

export const registerContainerTemplates: RegisterResource = (resource, global) => {
  const c = group(resource, "awscontainer", "the container stack: Lambda functions, API Gateway, SQS, IAM");
  withStage(c.command("yaml").description("print the container stack template (offline)"))
    .addHelpText("after", YAML_HELP)
    .action(async (opts: StageOptions) => (await actions()).containerYaml(global(), opts));
};

export const registerCloudFrontTemplates: RegisterResource = (resource, global) => {
  const cf = group(resource, "cloudfront", "CloudFront distributions (us-east-1)");
  withName(
    withStage(cf.command("yaml").description("print each distribution's template (offline)")),
    "distribution",
  )
    .addHelpText("after", YAML_HELP)
    .action(async (opts: NameOptions) => (await actions()).cloudfrontYaml(global(), opts));
  withName(
    withStage(
      cf
        .command("context")
        .description("print the values each distribution's template is built from, as JSON"),
    ),
    "distribution",
  ).action(async (opts: NameOptions) => (await actions()).cloudfrontContext(global(), opts));

  const keys = group(
    resource,
    "cloudfront-keys",
    "CloudFront signing keys (us-east-1), per distribution with signing_key",
  );
  withName(
    withStage(keys.command("yaml").description("print each keys stack template (offline)")),
    "distribution",
  )
    .addHelpText("after", YAML_HELP)
    .action(async (opts: NameOptions) => (await actions()).cloudfrontKeysYaml(global(), opts));
};

const actions = () => import("./template-actions.js");
