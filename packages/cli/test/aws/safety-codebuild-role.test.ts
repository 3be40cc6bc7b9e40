import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  DeleteRolePermissionsBoundaryCommand,
  DetachRolePolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  PutRolePermissionsBoundaryCommand,
  UpdateAssumeRolePolicyCommand,
} from "@aws-sdk/client-iam";
import { beforeAll, describe, expect, it } from "vitest";
import { pocket, project } from "../cli/run.js";
import { motoEnv } from "../moto/moto.js";
import { freshMoto, general, REGION, stageImage } from "./harness.js";
import { record } from "./recorder.js";

/* Issue 11 item 14, against moto: the CodeBuild role pocket makes, and the roles it refuses to reuse. */
const TOML = `
${general("cbr")}
[awscontainer]
dockerfile_path = "Dockerfile"
build = { backend = "codebuild" }

[awscontainer.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"
`;
const ROLE = "forge-dev-cbr-pocket-codebuild-role";
const env = () => ({ ...motoEnv(REGION), POCKET_CODEBUILD_POLL_MS: "50", POCKET_IAM_SETTLE_MS: "0" });
const iam = () => new IAMClient({ region: REGION });

/** A customer managed policy allowing `action` on everything; its ARN. */
async function managedPolicy(name: string, action: string): Promise<string> {
  const out = await iam().send(
    new CreatePolicyCommand({
      PolicyName: name,
      PolicyDocument: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: action, Resource: "*" }],
      }),
    }),
  );
  return out.Policy!.Arn!;
}
/** The role's trust policy as an earlier pocket wrote it: CodeBuild, with no conditions. */
async function trustCodeBuildUnconditioned(): Promise<void> {
  await iam().send(
    new UpdateAssumeRolePolicyCommand({
      RoleName: ROLE,
      PolicyDocument: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Principal: { Service: "codebuild.amazonaws.com" }, Action: "sts:AssumeRole" },
        ],
      }),
    }),
  );
}
const deploy = () =>
  record(() => pocket(["deploy", "--stage", "dev", "--rebuild"], { cwd: dir, env: env() }));
const doc = (text: string | undefined) => JSON.parse(decodeURIComponent(text ?? "{}"));

let dir: string;
beforeAll(async () => {
  await freshMoto();
  dir = project(TOML, "cbr");
  mkdirSync(join(dir, "app"));
  writeFileSync(join(dir, "Dockerfile"), "FROM public.ecr.aws/lambda/python:3.12\nCOPY app ./\n");
  writeFileSync(join(dir, "app/main.py"), "print('v1')\n");
  await stageImage("cbr");
});

describe("the CodeBuild role against moto", () => {
  it("is created with a trust policy limited to the stage's project and logs limited to its group", async () => {
    const { result } = await deploy();
    expect(result.status, result.stderr).toBe(0);
    const role = (await iam().send(new GetRoleCommand({ RoleName: ROLE }))).Role!;
    expect(doc(role.AssumeRolePolicyDocument).Statement[0].Condition).toEqual({
      StringEquals: { "aws:SourceAccount": "123456789012" },
      ArnLike: {
        "aws:SourceArn": `arn:aws:codebuild:${REGION}:123456789012:project/dev-cbr-pocket-codebuild`,
      },
    });
    const policy = doc(
      (await iam().send(new GetRolePolicyCommand({ RoleName: ROLE, PolicyName: "codebuild-policy" })))
        .PolicyDocument,
    );
    const logs = policy.Statement.find((s: { Action: string[] }) => s.Action.includes("logs:PutLogEvents"));
    expect(logs.Resource).toEqual([
      `arn:aws:logs:${REGION}:123456789012:log-group:/aws/codebuild/dev-cbr-pocket-codebuild`,
      `arn:aws:logs:${REGION}:123456789012:log-group:/aws/codebuild/dev-cbr-pocket-codebuild:log-stream:*`,
    ]);
  });

  it("adds the conditions to a role made by an earlier pocket, and builds", async () => {
    await trustCodeBuildUnconditioned();
    const { result, operations } = await deploy();
    expect(result.status, result.stderr).toBe(0);
    expect(operations).toContain("UpdateAssumeRolePolicy");
    expect(operations).toContain("StartBuild");
    const role = (await iam().send(new GetRoleCommand({ RoleName: ROLE }))).Role!;
    expect(doc(role.AssumeRolePolicyDocument).Statement[0].Condition.StringEquals).toBeDefined();
  });

  it("refuses a role that someone attached a managed policy to, and builds nothing", async () => {
    const arn = await managedPolicy("extra-admin", "*");
    await iam().send(new AttachRolePolicyCommand({ RoleName: ROLE, PolicyArn: arn }));
    const { result, operations } = await deploy();
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`the IAM role ${ROLE}`);
    expect(result.stderr).toContain(`attached managed policies ${arn}`);
    expect(result.stderr).toContain("pocket only reuses a role it made");
    expect(operations).not.toContain("StartBuild");
    expect(operations).not.toContain("PutRolePolicy");
    await iam().send(new DetachRolePolicyCommand({ RoleName: ROLE, PolicyArn: arn }));
  });

  it("refuses a role whose trust policy lets another account in", async () => {
    const trust = {
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Principal: { AWS: "arn:aws:iam::999999999999:root" }, Action: "sts:AssumeRole" },
      ],
    };
    await iam().send(
      new UpdateAssumeRolePolicyCommand({ RoleName: ROLE, PolicyDocument: JSON.stringify(trust) }),
    );
    const { result, operations } = await deploy();
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("a trust policy that is not pocket's");
    expect(operations).not.toContain("UpdateAssumeRolePolicy");
    expect(operations).not.toContain("StartBuild");
  });

  it("refuses a role with a permissions boundary the configuration does not name", async () => {
    await trustCodeBuildUnconditioned();
    const boundary = await managedPolicy("someone-elses-boundary", "*");
    await iam().send(
      new PutRolePermissionsBoundaryCommand({ RoleName: ROLE, PermissionsBoundary: boundary }),
    );
    const { result } = await deploy();
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`the permissions boundary ${boundary} (the configuration sets none)`);
    await iam().send(new DeleteRolePermissionsBoundaryCommand({ RoleName: ROLE }));
    const again = await deploy();
    expect(again.result.status, again.result.stderr).toBe(0);
  });

  it("destroy leaves a role alone that carries something pocket did not put there, and deletes its own", async () => {
    const arn = await managedPolicy("added-later", "s3:ListAllMyBuckets");
    await iam().send(new AttachRolePolicyCommand({ RoleName: ROLE, PolicyArn: arn }));
    const kept = pocket(["destroy", "--stage", "dev", "--yes"], { cwd: dir, env: env() });
    expect(kept.status, kept.stderr).toBe(0);
    expect(kept.stderr).toContain(`kept IAM role ${ROLE}: it has attached managed policies ${arn}`);
    await iam().send(new GetRoleCommand({ RoleName: ROLE }));

    await iam().send(new DetachRolePolicyCommand({ RoleName: ROLE, PolicyArn: arn }));
    const gone = pocket(["destroy", "--stage", "dev", "--yes"], { cwd: dir, env: env() });
    expect(gone.status, gone.stderr).toBe(0);
    await expect(iam().send(new GetRoleCommand({ RoleName: ROLE }))).rejects.toThrow(
      /NoSuchEntity|not found|cannot be found/,
    );
  });
});
