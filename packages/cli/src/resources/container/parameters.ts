import type { PocketContext } from "@magic-pocket/config";
import { hostedZoneId } from "../../aws/hosted-zone.js";
import { CliError } from "../../errors.js";
import { describeStack, stackOutputs } from "../../stacks/stack.js";
import { containerParameters } from "../../templates/container.js";
import { readRdsOutputs } from "../rds/resource.js";
import type { RunContext } from "../resource.js";
import { SHARABLE_TAG } from "../vpc/consumers.js";

/**
 * Values for the container stack's parameters, read from where the template says each comes
 * from: the image just built, stack outputs in us-east-1 (signing key id, distribution domain),
 * Route 53 (hosted zones), the external VPC's stack.
 */
export async function resolveContainerParameters(
  run: RunContext,
  ctx: PocketContext,
  imageUri: string,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const region = ctx.container!.region;
  for (const [name, p] of Object.entries(containerParameters(ctx))) {
    const s = p.source;
    switch (s.kind) {
      case "image":
        out[name] = imageUri;
        break;
      case "signing-key-id": {
        const outputs = stackOutputs(await describeStack(run.aws(s.region), s.keysStackName));
        const id = outputs[s.outputKey];
        if (!id) {
          throw new CliError(
            "signing-key-missing",
            `the keys stack ${s.keysStackName} has no ${s.outputKey} yet.`,
            {
              hint: "Deploy it first: `pocket deploy` creates the keys stack before the container stack.",
            },
          );
        }
        out[name] = id;
        break;
      }
      case "distribution-domain": {
        // Empty until the distribution exists: the deploy updates the container once it does.
        const outputs = stackOutputs(await describeStack(run.aws(s.region), s.stackName));
        out[name] = outputs.DistributionDomainName ?? "";
        break;
      }
      case "hosted-zone":
        out[name] = await hostedZoneId(run.aws(region), s.domain, "apigateway.hosted_zone_id_override");
        break;
      case "external-vpc": {
        const stack = await describeStack(run.aws(region), s.stackName);
        if (stack && !stack.Tags?.some((t) => t.Key === SHARABLE_TAG && t.Value === "true")) {
          throw new CliError(
            "external-vpc-not-sharable",
            `the VPC stack ${s.stackName} is not marked sharable, so this stage may not use it.`,
            {
              hint: "In the project that manages the VPC, set sharable = true under [vpc] and deploy it; or set manage = true here.",
            },
          );
        }
        const outputs = stackOutputs(stack);
        const prefix = ctx.vpc!.exports.privateSubnetPrefix;
        const subnets: string[] = [];
        for (let i = 1; ; i++) {
          const id = outputs[`${prefix}${i}`] ?? outputs[`PrivateSubnet${i}`];
          if (!id) break;
          subnets.push(id);
        }
        if (subnets.length === 0) throw externalVpcMissing(s.stackName);
        out[name] = subnets.join(",");
        break;
      }
      case "rds": {
        // Deployed in this run, or (status, plan, a container-only deploy) read back from RDS.
        const rds = run.outputs.get("rds") ?? (await readRdsOutputs(run.aws(ctx.rds!.region), ctx.rds!));
        if (rds) run.outputs.set("rds", rds);
        const value = rds?.[s.field];
        if (value === undefined) {
          throw new CliError(
            "rds-not-ready",
            "the container needs the RDS cluster's endpoint and secret, which are not known yet.",
            {
              hint: "Deploy the whole stage with `pocket deploy` so the RDS cluster is created first.",
            },
          );
        }
        out[name] = value;
        break;
      }
    }
  }
  return out;
}

function externalVpcMissing(stackName: string): CliError {
  return new CliError(
    "external-vpc-missing",
    `the VPC stack ${stackName} (manage = false) does not exist or has no outputs.`,
    {
      hint: "Deploy the project that manages this VPC first (with sharable = true), or set manage = true here.",
    },
  );
}
