import type { OriginalShape, PocketContext } from "@magic-pocket/config";
import type { AwsClients } from "../aws/clients.js";
import { awsErrorName } from "../aws/errors.js";
import type { Resource, RunContext } from "../resources/resource.js";
import { deployedTemplateBody } from "../stacks/stack.js";
import { deployedByPocket, type ReadTemplate, readTemplateBody } from "./template-body.js";

/** A stack of the stage as deployed, and whether the original deployed it. */
export interface DeployedStack {
  resource: Resource;
  name: string;
  region: string;
  template: ReadTemplate;
  byOriginal: boolean;
}

/**
 * The stage's stacks that exist, each with its deployed template: one GetTemplate per stack, all
 * at the same time (a deploy waits for this round trip before its first change).
 */
export async function readDeployedStacks(run: RunContext): Promise<DeployedStack[]> {
  const read = run.resources.map(async (resource): Promise<DeployedStack | undefined> => {
    if (!resource.stack) return undefined;
    const { name, region } = resource.stack;
    const template = await readTemplateBody(await templateIfAny(run.aws(region), name));
    if (!template) return undefined;
    return { resource, name, region, template, byOriginal: !deployedByPocket(template) };
  });
  return (await Promise.all(read)).filter((s): s is DeployedStack => s !== undefined);
}

/** A stack's template body, or undefined when there is no such stack (a deleted one counts as none). */
async function templateIfAny(clients: AwsClients, name: string): Promise<string | undefined> {
  try {
    return await deployedTemplateBody(clients, name);
  } catch (error) {
    if (awsErrorName(error) === "ValidationError" && /does not exist/.test((error as Error).message)) {
      return undefined;
    }
    throw error;
  }
}

/**
 * What of the original's shape the deployed stacks carry, read from their templates: so a stage
 * keeps it after the takeover too (pocket's own description by then), and a stage pocket deployed
 * from the start has none. Undefined when nothing of it is there.
 */
export function originalShape(
  ctx: PocketContext,
  stacks: readonly Pick<DeployedStack, "name" | "template" | "byOriginal">[],
  head: boolean,
  /** Where the original's current version put the distribution stacks (found before the stacks were read). */
  distributionRegion?: string,
): OriginalShape | undefined {
  const byName = new Map(stacks.map((s) => [s.name, s.template]));
  const shape: OriginalShape = {
    version: head ? "head" : "42a3468",
    ...(distributionRegion ? { distributionRegion } : {}),
  };
  const container = ctx.container && byName.get(ctx.container.stackName);
  if (container) {
    const resources = Object.values(container.Resources ?? {});
    if (resources.some((r) => r.Type === "AWS::ApiGatewayV2::Api" && r.Properties?.Target !== undefined)) {
      shape.quickCreateApis = true;
    }
    const lambdaGroups = resources.filter(
      (r) =>
        r.Type === "AWS::Logs::LogGroup" &&
        String(r.Properties?.LogGroupName ?? "").startsWith("/aws/lambda/"),
    );
    if (resources.some((r) => r.Type === "AWS::Lambda::Function") && lambdaGroups.length === 0) {
      shape.lambdaLogGroupsOutside = true;
    }
  }
  const vpc = ctx.vpc && byName.get(ctx.vpc.stackName);
  if (vpc) {
    const resources = Object.values(vpc.Resources ?? {});
    const accessPoint = resources.find((r) => r.Type === "AWS::EFS::AccessPoint");
    const id = accessPoint?.Properties?.FileSystemId;
    if (accessPoint && !resources.some((r) => r.Type === "AWS::EFS::FileSystem") && typeof id === "string") {
      shape.efsFileSystemId = id;
    }
  }
  for (const cf of Object.values(ctx.cloudfront ?? {})) {
    const keys = cf.signingKey && byName.get(cf.signingKey.keysStackName);
    const publicKey = keys?.Resources?.PublicKey?.Properties?.PublicKeyConfig as
      | { Name?: string }
      | undefined;
    const keyGroup = keys?.Resources?.KeyGroup?.Properties?.KeyGroupConfig as { Name?: string } | undefined;
    if (!cf.signingKey || !publicKey?.Name || !keyGroup?.Name) continue;
    if (publicKey.Name === cf.signingKey.publicKeyName && keyGroup.Name === cf.signingKey.keyGroupName)
      continue;
    shape.signingKeyNames = {
      ...shape.signingKeyNames,
      [cf.name]: { publicKey: publicKey.Name, keyGroup: keyGroup.Name },
    };
  }
  for (const cf of Object.values(ctx.cloudfront ?? {})) {
    const certificate = acmCertificate(byName.get(cf.stackName));
    if (certificate) shape.acmCertificates = { ...shape.acmCertificates, [cf.name]: certificate };
    const webAcl = keptWebAcl(byName.get(cf.stackName));
    if (webAcl) shape.webAcls = { ...shape.webAcls, [cf.name]: webAcl };
  }
  const found = Object.keys(shape).length > 1 || stacks.some((s) => s.byOriginal);
  return found ? shape : undefined;
}

/**
 * The certificate a deployed distribution names by its ARN, and its aliases: the original's
 * current version references the one its `{cfslug}-acm` stack made in us-east-1 (pocket's own
 * template refers to a Certificate of its stack instead).
 */
function acmCertificate(template: ReadTemplate | undefined): { arn: string; aliases: string[] } | undefined {
  const config = template?.Resources?.CloudFrontDistribution?.Properties?.DistributionConfig as
    | { ViewerCertificate?: { AcmCertificateArn?: unknown }; Aliases?: unknown[] }
    | undefined;
  const arn = config?.ViewerCertificate?.AcmCertificateArn;
  if (typeof arn !== "string") return undefined;
  return { arn, aliases: (config?.Aliases ?? []).filter((a): a is string => typeof a === "string") };
}

/**
 * The web ACL a deployed distribution names by its ARN: the original's current version attaches
 * the one its `{cfslug}-waf` stack made in us-east-1 (a stack in another region cannot refer to
 * it otherwise); pocket's own template refers to a web ACL of its stack (`Fn::GetAtt`) instead.
 */
function keptWebAcl(template: ReadTemplate | undefined): string | undefined {
  const config = template?.Resources?.CloudFrontDistribution?.Properties?.DistributionConfig as
    | { WebACLId?: unknown }
    | undefined;
  const id = config?.WebACLId;
  return typeof id === "string" && id.startsWith("arn:") ? id : undefined;
}
