import type { CloudFrontContext, PocketContext } from "@magic-pocket/config";
import { stackResource } from "../../stacks/stack-resource.js";
import { cloudfrontParameters, cloudfrontTemplate } from "../../templates/cloudfront.js";
import type { ParameterSource } from "../../templates/template.js";
import type { Resource } from "../resource.js";
import { ensureBucketPolicyStatement, removeBucketPolicyStatement } from "./bucket-policy.js";
import { ensureTokenSecretInKvs } from "./token-secret.js";

/**
 * One distribution's stack (us-east-1). Its parameters are declared as data: hosted zones of its
 * domains, and the execute-api domain of each API origin from the container stack's exports.
 */
export function distributionResource(ctx: PocketContext, cf: CloudFrontContext): Resource {
  const parameters: Record<string, ParameterSource> = {};
  for (const [name, p] of Object.entries(cloudfrontParameters(cf))) {
    parameters[name] =
      p.kind === "hosted-zone"
        ? {
            kind: "hosted-zone",
            domain: p.domain,
            overrideKey: `cloudfront.${cf.name}.hosted_zone_id_override`,
          }
        : {
            kind: "stack-output",
            region: ctx.container!.region,
            stackName: ctx.container!.stackName,
            output: p.exportName,
            ifMissing: "error",
          };
  }
  return stackResource({
    id: `cloudfront:${cf.name}`,
    title: `CloudFront ${cf.stackName}`,
    group: "cloudfront",
    name: cf.name,
    dependsOn: ["s3", "container", ...(cf.signingKey ? [`cloudfront-keys:${cf.name}`] : [])],
    region: "us-east-1",
    stackName: cf.stackName,
    template: () => cloudfrontTemplate(cf),
    parameters,
    after: async (run, outputs, progress) => {
      const policy = await ensureBucketPolicyStatement(run, cf, outputs.DistributionId!, progress);
      const token = await ensureTokenSecretInKvs(run, cf, outputs.TokenKvsArn, progress);
      return policy || token;
    },
    beforeDestroy: (run, progress) => removeBucketPolicyStatement(run, cf, progress),
    urls: (outputs) => [`${cf.name}: https://${cf.domain ?? outputs.DistributionDomainName}`],
  });
}
