import type { PocketContext } from "@magic-pocket/config";
import { logicalId } from "@magic-pocket/config";
import type { ParameterSource, TemplateParameter } from "../template.js";

/** A deploy hash as a URL folder (a git hash, or any `DEPLOY_HASH` of these characters). */
export const DEPLOY_HASH_PATTERN = "[A-Za-z0-9._-]{1,64}";

/** Names of the container stack's deploy-time parameters, in one place for template and deploy. */
export function parameterNames() {
  return {
    imageUri: "ImageUri",
    rdsSecretArn: "RdsSecretArn",
    rdsEndpoint: "RdsEndpoint",
    rdsPort: "RdsPort",
    rdsSecurityGroupId: "RdsSecurityGroupId",
    dsqlEndpoint: "DsqlEndpoint",
    dsqlClusterArn: "DsqlClusterArn",
    privateSubnetIds: "PrivateSubnetIds",
    signingKeyId: (envName: string) => `SigningKeyId${logicalId(envName)}`,
    distributionDomain: (envName: string) => `DistributionDomain${logicalId(envName)}`,
    hostedZoneId: (handlerLogicalId: string) => `HostedZoneId${handlerLogicalId}`,
    deployHash: "DeployHash",
  };
}

/**
 * The container stack's parameters, each with where its value comes from. Long on purpose: a
 * flat table, one entry per parameter, read top to bottom like the template's Parameters.
 */
export function containerParameters(
  ctx: PocketContext,
): Record<string, TemplateParameter & { source: ParameterSource }> {
  const c = ctx.container!;
  const p = parameterNames();
  const out: Record<string, TemplateParameter & { source: ParameterSource }> = {
    [p.imageUri]: {
      Type: "String",
      Description: "the image by digest (repository@sha256:...), pushed by this deploy or given with --image",
      AllowedPattern: "[^@\\s]+@sha256:[a-f0-9]{64}",
      source: { kind: "image" },
    },
  };
  if (c.usesRds) {
    out[p.rdsSecretArn] = fromResource("rds", "secretArn", "ARN of the RDS-managed master secret");
    out[p.rdsEndpoint] = fromResource("rds", "endpoint", "RDS cluster endpoint host");
    out[p.rdsPort] = { ...fromResource("rds", "port", "RDS cluster port"), Default: "5432" };
    if (c.useVpc) {
      out[p.rdsSecurityGroupId] = fromResource(
        "rds",
        "securityGroupId",
        "security group of the RDS cluster (ingress 5432 from the Lambda functions)",
      );
    }
  }
  if (ctx.dsql) {
    out[p.dsqlEndpoint] = fromResource(
      "dsql",
      "endpoint",
      "Aurora DSQL cluster endpoint host (AWS chooses the cluster's id)",
    );
    out[p.dsqlClusterArn] = fromResource(
      "dsql",
      "clusterArn",
      "ARN of the stage's Aurora DSQL cluster (dsql:DbConnectAdmin on it only)",
    );
  }
  if (c.useVpc && ctx.vpc && !ctx.vpc.manage) {
    // The VPC id is imported (Fn::ImportValue) rather than passed in: the import is what makes
    // this stack a registered consumer that the owner's destroy sees and AWS protects.
    out[p.privateSubnetIds] = {
      Type: "List<AWS::EC2::Subnet::Id>",
      Description: `private subnets from the external stack ${ctx.vpc.stackName}`,
      source: {
        kind: "subnets",
        region: c.region,
        stackName: ctx.vpc.stackName,
        prefix: ctx.vpc.exports.privateSubnetPrefix,
        requireTag: ctx.vpc.sharableTag,
      },
    };
  }
  for (const [envName, k] of Object.entries(c.signingKeyIds)) {
    out[p.signingKeyId(envName)] = {
      Type: "String",
      Description: `CloudFront public key id (${k.keysStackName} output ${k.outputKey})`,
      source: {
        kind: "stack-output",
        region: distributionRegion(ctx, k.distribution),
        stackName: k.keysStackName,
        output: k.outputKey,
        ifMissing: "error",
      },
    };
  }
  for (const [envName, d] of Object.entries(c.distributionDomains)) {
    if (d.domain) continue;
    out[p.distributionDomain(envName)] = {
      Type: "String",
      Description: `cloudfront.net domain of ${d.stackName} (empty until the distribution exists)`,
      Default: "",
      source: {
        kind: "stack-output",
        region: distributionRegion(ctx, d.distribution),
        stackName: d.stackName,
        output: "DistributionDomainName",
        ifMissing: "empty",
      },
    };
  }
  if (c.deployHash) {
    out[p.deployHash] = {
      Type: "String",
      Description:
        "the deploy's hash (DEPLOY_HASH, else git's short HEAD), the URL folder of deploy_hash routes",
      AllowedPattern: DEPLOY_HASH_PATTERN,
      source: { kind: "deploy-hash" },
    };
  }
  for (const h of Object.values(c.handlers)) {
    const api = h.apigateway;
    if (api?.domain && api.createRecords && !api.hostedZoneIdOverride) {
      out[p.hostedZoneId(h.logicalId)] = {
        Type: "String",
        Description: `Route 53 hosted zone id for ${api.domain}`,
        AllowedPattern: "Z[A-Z0-9]+",
        source: {
          kind: "hosted-zone",
          domain: api.domain,
          overrideKey: "apigateway.hosted_zone_id_override",
        },
      };
    }
  }
  return out;
}

/** A string parameter whose value is an output of another resource of the stage (deployed first). */
function fromResource(
  resource: string,
  field: string,
  Description: string,
): TemplateParameter & { source: ParameterSource } {
  return { Type: "String", Description, source: { kind: "resource-output", resource, field } };
}

/** Where a distribution's stacks live: us-east-1, or the stage's region when the original's current version put them there. */
function distributionRegion(ctx: PocketContext, distribution: string): string {
  return ctx.cloudfront?.[distribution]?.region ?? "us-east-1";
}
