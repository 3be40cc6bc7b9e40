import type { PocketContext } from "@magic-pocket/config";
import { hostedZoneId } from "../aws/hosted-zone.js";
import { CliError } from "../errors.js";
import { describeStack, stackOutputs } from "../stacks/stack.js";
import { cloudfrontParameters, cloudfrontTemplate } from "../templates/cloudfront.js";
import { cloudfrontKeysTemplate, PUBLIC_KEY_PARAMETER } from "../templates/cloudfront-keys.js";
import { vpcStackTags, vpcTemplate } from "../templates/vpc.js";
import { s3Resource, stateBucketResource } from "./buckets/resources.js";
import { ensureBucketPolicyStatement, removeBucketPolicyStatement } from "./cloudfront/bucket-policy.js";
import { frontendResource, uploadableRoutes } from "./cloudfront/frontend.js";
import { ensureTokenSecretInKvs } from "./cloudfront/token-secret.js";
import { containerResource } from "./container/resource.js";
import { neonResource } from "./neon/resource.js";
import { rdsResource } from "./rds/resource.js";
import type { Resource } from "./resource.js";
import { secretsResource } from "./secrets/resource.js";
import { managedSecretStore } from "./secrets/store.js";
import { publicKeyPem } from "./secrets/values.js";
import { stackResource } from "./stack-resource.js";
import { tidbResource } from "./tidb/resource.js";
import { consumerTags, refuseVpcInUse } from "./vpc/consumers.js";

/**
 * Every resource of a stage, in deploy order (the original's order with its races fixed by
 * explicit dependencies, docs/decisions.md#p1-deploy-order-by-declared-dependencies): state, S3,
 * secrets, VPC, CloudFront keys, container, CloudFront.
 */
export function stageResources(ctx: PocketContext): Resource[] {
  const out: Resource[] = [stateBucketResource(ctx.stateBucket, ctx.region)];
  if (ctx.s3) out.push(s3Resource(ctx.s3.bucketName, ctx.s3.region));
  if (ctx.neon) out.push(neonResource(ctx.neon));
  if (ctx.tidb) out.push(tidbResource(ctx));
  const secrets = ctx.container?.secrets;
  if (secrets && Object.keys(secrets.managed).length > 0) out.push(secretsResource(secrets));
  const vpc = ctx.vpc;
  if (vpc?.manage && vpc.usedBy.length > 0) {
    const stack = stackResourceFor(
      "vpc",
      `VPC stack ${vpc.stackName}`,
      vpc.region,
      vpc.stackName,
      ["state"],
      async (run) => ({
        name: vpc.stackName,
        template: vpcTemplate(ctx),
        // Other projects' consumer tags are theirs: an owner's deploy keeps them.
        tags: {
          ...consumerTags((await describeStack(run.aws(vpc.region), vpc.stackName))?.Tags),
          ...vpcStackTags(vpc),
        },
      }),
      { beforeDestroy: (run) => refuseVpcInUse(run.aws(vpc.region), vpc.stackName) },
    );
    out.push({
      ...stack,
      async destroy(run, progress, options) {
        // A kept database still has its network interfaces in the private subnets.
        if (ctx.rds && !options.withData) {
          progress.log(`kept VPC stack ${vpc.stackName}: the Aurora cluster in it is kept (no --with-data)`);
          return { changed: false, summary: "kept (the database in it is kept)" };
        }
        return stack.destroy(run, progress, options);
      },
    });
  }
  if (ctx.rds) out.push(rdsResource(ctx));
  const keyIds: string[] = [];
  for (const cf of Object.values(ctx.cloudfront ?? {})) {
    const key = cf.signingKey;
    if (!key || !secrets) continue;
    const id = `cloudfront-keys:${cf.name}`;
    keyIds.push(id);
    out.push(
      stackResourceFor(
        id,
        `CloudFront keys ${key.keysStackName}`,
        "us-east-1",
        key.keysStackName,
        ["secrets"],
        async (run) => {
          const stored = await managedSecretStore(
            run.aws(secrets.region),
            secrets,
            ctx.stage,
            ctx.project,
          ).read();
          const pem = publicKeyPem(stored[key.secret]);
          if (!pem) {
            throw new CliError(
              "signing-key-missing",
              `the managed secret ${key.secret} has no key pair yet.`,
              {
                hint: "Deploy the secrets first (`pocket deploy` does), or run `pocket resource awscontainer secrets create-pocket-managed`.",
              },
            );
          }
          return {
            name: key.keysStackName,
            template: cloudfrontKeysTemplate(cf),
            parameters: { [PUBLIC_KEY_PARAMETER]: pem },
          };
        },
      ),
    );
  }
  if (ctx.container) {
    const deps = ["state", "s3", "secrets", "vpc", "rds", ...keyIds];
    out.push(containerResource(ctx, deps));
  }
  for (const cf of Object.values(ctx.cloudfront ?? {})) {
    const deps = ["s3", "container", ...(cf.signingKey ? [`cloudfront-keys:${cf.name}`] : [])];
    out.push(
      stackResourceFor(
        `cloudfront:${cf.name}`,
        `CloudFront ${cf.stackName}`,
        "us-east-1",
        cf.stackName,
        deps,
        async (run) => {
          const parameters: Record<string, string> = {};
          for (const [name, p] of Object.entries(cloudfrontParameters(cf))) {
            if (p.kind === "hosted-zone") {
              parameters[name] = await hostedZoneId(
                run.aws("us-east-1"),
                p.domain,
                `cloudfront.${cf.name}.hosted_zone_id_override`,
              );
            } else {
              const stack = await describeStack(run.aws(ctx.region), ctx.container!.stackName);
              const value = stackOutputs(stack)[p.exportName];
              if (!value) {
                throw new CliError(
                  "api-domain-missing",
                  `the container stack has no export ${p.exportName} yet.`,
                  {
                    hint: "Deploy the container first: `pocket deploy` does it in order.",
                  },
                );
              }
              parameters[name] = value;
            }
          }
          return { name: cf.stackName, template: cloudfrontTemplate(cf), parameters };
        },
        {
          after: async (run, outputs, progress) => {
            const policy = await ensureBucketPolicyStatement(run, cf, outputs.DistributionId!, progress);
            const token = await ensureTokenSecretInKvs(run, cf, outputs.TokenKvsArn, progress);
            return policy || token;
          },
          beforeDestroy: (run, progress) => removeBucketPolicyStatement(run, cf, progress),
          urls: (outputs) => [`${cf.name}: https://${cf.domain ?? outputs.DistributionDomainName}`],
        },
      ),
    );
  }
  for (const cf of Object.values(ctx.cloudfront ?? {})) {
    if (uploadableRoutes(cf).length > 0) out.push(frontendResource(ctx, cf));
  }
  return out;
}

function stackResourceFor(
  id: string,
  title: string,
  region: string,
  stackName: string,
  dependsOn: string[],
  spec: Parameters<typeof stackResource>[0]["spec"],
  extra: Partial<Parameters<typeof stackResource>[0]> = {},
): Resource {
  return stackResource({ id, title, region, stackName, dependsOn, spec, ...extra });
}
