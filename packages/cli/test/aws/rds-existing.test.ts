import { CloudFormationClient, GetTemplateCommand } from "@aws-sdk/client-cloudformation";
import { CreateSecurityGroupCommand, DescribeSecurityGroupsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { GetFunctionConfigurationCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { DescribeDBClustersCommand, RDSClient } from "@aws-sdk/client-rds";
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { beforeAll, describe, expect, it } from "vitest";
import { pocketAsync, project } from "../cli/run.js";
import { motoEnv, putTestImage } from "../moto/moto.js";
import { freshMoto, mainContainer, REGION, rdsStage } from "./harness.js";

// The original's current example ("既存 RDS への接続"): the cluster is someone else's; the stage's
// container (in a VPC pocket makes) reaches it through the cluster's security group.
const toml = (secretArn: string, groupId: string, permissionsBoundary?: string) =>
  rdsStage(
    "legacy",
    "main",
    ["managed = false", `secret_arn = "${secretArn}"`, `security_group_id = "${groupId}"`],
    mainContainer({ databaseUrl: "rds_database_url", permissionsBoundary }),
  );

let dir: string;
let image: string;
let secretArn: string;
let groupId: string;
const pocket = (args: string[]) => pocketAsync(args, { cwd: dir, env: motoEnv(REGION) });

beforeAll(async () => {
  await freshMoto();
  image = await putTestImage("dev-legacy-pocket-main-lambda", "dev", REGION);
  secretArn = (
    await new SecretsManagerClient({ region: REGION }).send(
      new CreateSecretCommand({
        Name: "legacy-db",
        SecretString: JSON.stringify({
          username: "app",
          password: "pw",
          host: "legacy.internal",
          port: 5432,
          dbname: "legacy",
        }),
      }),
    )
  ).ARN!;
  groupId = (
    await new EC2Client({ region: REGION }).send(
      new CreateSecurityGroupCommand({ GroupName: "legacy-aurora", Description: "the existing cluster's" }),
    )
  ).GroupId!;
  dir = project(toml(secretArn, groupId), "legacy");
});

const ingressOf = async () =>
  (await new EC2Client({ region: REGION }).send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] })))
    .SecurityGroups![0]!.IpPermissions ?? [];

describe("[rds] managed = false against moto", () => {
  it("creates no cluster; the functions get the secret to read and the ingress on the cluster's group", async () => {
    const r = await pocket(["deploy", "--stage", "dev", "--image", image]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("not managed by pocket");
    expect(
      (await new RDSClient({ region: REGION }).send(new DescribeDBClustersCommand({}))).DBClusters,
    ).toEqual([]);

    const fn = await new LambdaClient({ region: REGION }).send(
      new GetFunctionConfigurationCommand({ FunctionName: "dev-legacy-pocket-main-wsgi" }),
    );
    const vars = fn.Environment?.Variables ?? {};
    expect(vars.POCKET_RDS_SECRET_ARN).toBe(secretArn);
    expect(vars.POCKET_RDS_DBNAME ?? "").toBe("");
    expect(vars.DATABASE_URL).toBeUndefined();

    const template = JSON.parse(
      (
        await new CloudFormationClient({ region: REGION }).send(
          new GetTemplateCommand({ StackName: "dev-legacy-container-main" }),
        )
      ).TemplateBody!,
    );
    const text = JSON.stringify(template);
    expect(text).toContain('"LambdaRDSAccess"');
    const ingress = await ingressOf();
    expect(ingress.some((p) => p.FromPort === 5432 && (p.UserIdGroupPairs?.length ?? 0) > 0)).toBe(true);
    const read = Object.values(template.Resources as Record<string, { Type: string; Properties: unknown }>)
      .filter((res) => res.Type === "AWS::IAM::Policy" || res.Type === "AWS::IAM::Role")
      .map((res) => JSON.stringify(res.Properties));
    expect(read.join("\n")).toContain("ReadRdsSecret");
  });

  it("pocket permissions grants the deploy only a look at the secret and the ingress on that group", async () => {
    const bounded = project(
      toml(secretArn, groupId, "arn:aws:iam::123456789012:policy/dev-legacy-pocket-boundary"),
      "legacy",
    );
    const r = await pocketAsync(["permissions", "--stage", "dev", "--json"], {
      cwd: bounded,
      env: motoEnv(REGION),
    });
    expect(r.status, r.stderr).toBe(0);
    const statements = (
      JSON.parse(r.stdout) as { Statement: { Sid: string; Action: string[]; Resource: unknown }[] }
    ).Statement;
    const bySid = (sid: string) => statements.find((st) => st.Sid === sid);
    expect(bySid("ExistingDatabaseSecret")).toMatchObject({
      Action: ["secretsmanager:DescribeSecret"],
      Resource: [secretArn],
    });
    expect(bySid("ExistingDatabaseIngress")?.Resource).toEqual([
      `arn:aws:ec2:${REGION}:123456789012:security-group/${groupId}`,
    ]);
    expect(statements.some((st) => st.Sid === "StageDatabase")).toBe(false);
  });

  it("changes nothing on a second deploy", async () => {
    const r = await pocket(["deploy", "--stage", "dev", "--image", image]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /existing Aurora cluster \(security group sg-[0-9a-f]+\): not managed by pocket/,
    );
  });

  it("refuses to deploy when the named group does not exist, before any change", async () => {
    const other = project(toml(secretArn, "sg-0123456789abcdef0"), "legacy");
    const r = await pocketAsync(["deploy", "--stage", "dev", "--image", image], {
      cwd: other,
      env: motoEnv(REGION),
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("rds.secret_arn and rds.security_group_id");
    expect(r.stderr).toContain("security group sg-0123456789abcdef0");
  });
  it("destroy, even --with-data, deletes the stage's stack but leaves the secret and the group", async () => {
    const r = await pocket(["destroy", "--stage", "dev", "--yes", "--with-data"]);
    expect(r.status, r.stderr).toBe(0);
    await new SecretsManagerClient({ region: REGION }).send(
      new DescribeSecretCommand({ SecretId: secretArn }),
    );
    expect(r.stderr).toMatch(
      /existing Aurora cluster \(security group sg-[0-9a-f]+\): not managed by pocket: kept/,
    );
    // (moto keeps the stack's ingress rule on the group after the stack is deleted; AWS revokes it.)
    expect(await ingressOf()).toBeDefined();
  });
});
