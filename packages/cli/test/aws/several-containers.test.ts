import {
  CloudFormationClient,
  DescribeStacksCommand,
  GetTemplateCommand,
} from "@aws-sdk/client-cloudformation";
import { GetRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { GetFunctionConfigurationCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { GetQueueUrlCommand, SQSClient } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { devStage, general, REGION, stackExists } from "./harness.js";
import { expectNoChangeDeploy } from "./recorder.js";
import { containerTables, servedContainers } from "./several-containers-stage.js";

/*
 * A stage of two containers in the original's current spelling (its configuration.md, "複数
 * container"): each container has its own stack, functions, queue, role, API and managed
 * secrets, named as the original names them; the distribution routes `/v2/*` to the second
 * container's API and `/api/*` to the first's. Both run the image given with --image.
 */
const TWO_CONTAINERS = `${general("multi")}
[s3]

${containerTables(servedContainers())}
[cloudfront.main]
routes = [
  { path_pattern = "/v2/*", type = "lambda", handler = "v2.wsgi" },
  { path_pattern = "/api/*", type = "lambda", handler = "web.wsgi" },
  { is_default = true, is_spa = true, origin_path = "/spa" },
]
`;

const stage = devStage(TWO_CONTAINERS, "multi");

async function stack(name: string, region = REGION) {
  const out = await new CloudFormationClient({ region }).send(new DescribeStacksCommand({ StackName: name }));
  const s = out.Stacks![0]!;
  return {
    exports: Object.fromEntries((s.Outputs ?? []).map((o) => [o.ExportName, o.OutputValue!])),
    parameters: Object.fromEntries((s.Parameters ?? []).map((p) => [p.ParameterKey!, p.ParameterValue!])),
  };
}

async function secretKey(id: string): Promise<string> {
  const sm = new SecretsManagerClient({ region: REGION });
  const doc = JSON.parse((await sm.send(new GetSecretValueCommand({ SecretId: id }))).SecretString!);
  return doc.dev.multi.SECRET_KEY;
}

describe("a stage of several [container.<name>] against moto", () => {
  it("deploys each container with its own stack, functions, queue, role, secrets and API", async () => {
    const r = stage.deploy();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("Deployed stage dev");

    const lambda = new LambdaClient({ region: REGION });
    const fn = (name: string) => lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    const web = await fn("dev-multi-pocket-web-wsgi");
    const v2 = await fn("dev-multi-pocket-v2-wsgi");
    await fn("dev-multi-pocket-web-worker");
    await expect(fn("dev-multi-pocket-v2-worker")).rejects.toThrow();
    expect(web.Role).toContain("role/lambda-dev-multi-web-pocket");
    expect(v2.Role).toContain("role/lambda-dev-multi-v2-pocket");
    const iam = new IAMClient({ region: REGION });
    await iam.send(new GetRoleCommand({ RoleName: "lambda-dev-multi-web-pocket" }));
    await iam.send(new GetRoleCommand({ RoleName: "lambda-dev-multi-v2-pocket" }));
    await new SQSClient({ region: REGION }).send(
      new GetQueueUrlCommand({ QueueName: "dev-multi-pocket-web-worker" }),
    );

    // Managed secrets are each container's own, stored under its key.
    const webKey = await secretKey("dev-multi-web-pocket");
    const v2Key = await secretKey("dev-multi-v2-pocket");
    expect(webKey).toHaveLength(50);
    expect(v2Key).toHaveLength(50);
    expect(webKey).not.toBe(v2Key);
    expect(JSON.parse(web.Environment!.Variables!.POCKET_SECRETS!).key).toBe("dev-multi-web-pocket");
    expect(JSON.parse(v2.Environment!.Variables!.POCKET_SECRETS!).key).toBe("dev-multi-v2-pocket");

    // Each stack exports its API's domain; the distribution's origins are the right container's.
    const webStack = await stack("dev-multi-container-web");
    const v2Stack = await stack("dev-multi-container-v2");
    const cf = await stack("dev-multi-main-cloudfront", "us-east-1");
    expect(cf.parameters.ApiDomainWebWsgi).toBe(webStack.exports["dev-multi-web-wsgi-api-domain"]);
    expect(cf.parameters.ApiDomainV2Wsgi).toBe(v2Stack.exports["dev-multi-v2-wsgi-api-domain"]);
    // moto leaves the API's id unsubstituted in the exports, so the pairing is read from the template.
    const template = await new CloudFormationClient({ region: "us-east-1" }).send(
      new GetTemplateCommand({ StackName: "dev-multi-main-cloudfront" }),
    );
    const resources: Record<string, { Type: string; Properties: { DistributionConfig: never } }> = JSON.parse(
      template.TemplateBody!,
    ).Resources;
    const config = Object.values(resources).find((r) => r.Type === "AWS::CloudFront::Distribution")!
      .Properties.DistributionConfig as {
      CacheBehaviors: { PathPattern: string; TargetOriginId: string }[];
      Origins: { Id: string; DomainName: unknown }[];
    };
    const originOf = (pattern: string) =>
      config.CacheBehaviors.find((b) => b.PathPattern === pattern)?.TargetOriginId;
    const domainOf = (id: string) => config.Origins.find((o) => o.Id === id)?.DomainName;
    expect(originOf("/v2/*")).toBe("dev-multi-pocket-api-v2.wsgi");
    expect(originOf("/api/*")).toBe("dev-multi-pocket-api-web.wsgi");
    expect(domainOf("dev-multi-pocket-api-v2.wsgi")).toEqual({ Ref: "ApiDomainV2Wsgi" });
    expect(domainOf("dev-multi-pocket-api-web.wsgi")).toEqual({ Ref: "ApiDomainWebWsgi" });
  });

  it("changes nothing on a second deploy, and says so", async () => {
    await expectNoChangeDeploy(stage.deploy);
  });

  it("destroys every container's stack, and their secrets with --with-secrets", async () => {
    const r = stage.pocket(["destroy", "--stage", "dev", "--yes", "--with-secrets"]);
    expect(r.status, r.stderr).toBe(0);
    for (const [name, region] of [
      ["dev-multi-container-web", REGION],
      ["dev-multi-container-v2", REGION],
      ["dev-multi-main-cloudfront", "us-east-1"],
    ] as const) {
      expect(await stackExists(name, region), name).toBe(false);
    }
    await expect(secretKey("dev-multi-web-pocket")).rejects.toThrow();
    await expect(secretKey("dev-multi-v2-pocket")).rejects.toThrow();
  });
});
