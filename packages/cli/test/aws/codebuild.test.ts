import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  BatchGetProjectsCommand,
  CodeBuildClient,
  ListBuildsForProjectCommand,
} from "@aws-sdk/client-codebuild";
import { GetRoleCommand, GetRolePolicyCommand, IAMClient } from "@aws-sdk/client-iam";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { unzipSync } from "fflate";
import { beforeAll, describe, expect, it } from "vitest";
import { pocket, project } from "../cli/run.js";
import { motoEnv } from "../moto/moto.js";
import { freshMoto, general, REGION, stageImage } from "./harness.js";
import { mutating, rawBody, record } from "./recorder.js";

/*
 * moto's CodeBuild stores projects and builds but runs nothing: every build reads back as
 * SUCCEEDED on the first BatchGetBuilds and buildspec overrides are ignored (test/moto/server.py
 * adds the UpdateProject it lacks). So these tests put the image the build would have pushed into ECR first,
 * assert everything pocket sends (the zipped context, the buildspec, the project and role) from
 * moto's request recorder and its stored state, and leave the build itself to CodeBuild.
 */
const TOML = `
${general("cb")}
[awscontainer]
dockerfile_path = "docker/app.Dockerfile"
platform = "linux/arm64"
build = { backend = "codebuild", compute_type = "BUILD_GENERAL1_SMALL" }

[awscontainer.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"
`;
const PROJECT = "dev-cb-pocket-codebuild";
const ROLE = "forge-dev-cb-pocket-codebuild-role";
const STATE = "dev-cb-pocket-state";
const env = () => ({ ...motoEnv(REGION), POCKET_CODEBUILD_POLL_MS: "50", POCKET_IAM_SETTLE_MS: "0" });

let dir: string;
beforeAll(async () => {
  await freshMoto();
  dir = project(TOML, "cb");
  mkdirSync(join(dir, "docker"));
  mkdirSync(join(dir, "app"));
  writeFileSync(join(dir, "docker/app.Dockerfile"), "FROM public.ecr.aws/lambda/python:3.12\nCOPY app ./\n");
  writeFileSync(join(dir, "app/main.py"), "print('v1')\n");
  writeFileSync(join(dir, "app/local.sqlite3"), "not for the image");
  writeFileSync(join(dir, ".dockerignore"), "**/*.sqlite3\n");
  await stageImage("cb");
});

describe("image build with the codebuild backend", () => {
  it("zips the context, creates the role and the project, starts the build and deploys the image", async () => {
    const {
      result: r,
      operations,
      requests,
    } = await record(() => pocket(["deploy", "--stage", "dev"], { cwd: dir, env: env() }));
    expect(r.status, r.stderr).toBe(0);

    const upload = requests.find((q) => q.method === "PUT" && q.url.includes("/codebuild/"));
    expect(new URL(upload!.url).pathname).toBe(`/${STATE}/codebuild/${PROJECT}/source.zip`);
    const files = Object.keys(unzipSync(new Uint8Array(rawBody(upload!)))).sort();
    expect(files).toEqual([".dockerignore", "app/main.py", "docker/app.Dockerfile", "pocket.toml"]);

    const start = requests.find((q) => q.headers["X-Amz-Target"]?.endsWith(".StartBuild"));
    const body = JSON.parse(rawBody(start!).toString("utf8")) as {
      projectName: string;
      buildspecOverride: string;
      environmentVariablesOverride: { name: string; value: string }[];
    };
    expect(body.projectName).toBe(PROJECT);
    expect(body.buildspecOverride).toContain("docker push");
    expect(Object.fromEntries(body.environmentVariablesOverride.map((v) => [v.name, v.value]))).toEqual({
      IMAGE_TAG: `123456789012.dkr.ecr.${REGION}.amazonaws.com/dev-cb-pocket-lambda:dev`,
      DOCKERFILE: "docker/app.Dockerfile",
      PLATFORM: "linux/arm64",
      ECR_HOST: `123456789012.dkr.ecr.${REGION}.amazonaws.com`,
    });
    expect(operations).toContain("BatchGetBuilds");

    const project = (
      await new CodeBuildClient({ region: REGION }).send(new BatchGetProjectsCommand({ names: [PROJECT] }))
    ).projects![0]!;
    expect(project.source).toMatchObject({
      type: "S3",
      location: `${STATE}/codebuild/${PROJECT}/source.zip`,
    });
    expect(project.environment).toMatchObject({
      type: "ARM_CONTAINER",
      computeType: "BUILD_GENERAL1_SMALL",
      privilegedMode: true,
    });
    expect(project.serviceRole).toBe(`arn:aws:iam::123456789012:role/${ROLE}`);

    const iam = new IAMClient({ region: REGION });
    const trust = (await iam.send(new GetRoleCommand({ RoleName: ROLE }))).Role!.AssumeRolePolicyDocument!;
    expect(decodeURIComponent(trust)).toContain("codebuild.amazonaws.com");
    const policy = (
      await iam.send(new GetRolePolicyCommand({ RoleName: ROLE, PolicyName: "codebuild-policy" }))
    ).PolicyDocument!;
    expect(decodeURIComponent(policy)).toContain(`arn:aws:s3:::${STATE}/codebuild/*`);

    // The source zip is removed after a successful build; the record of what was built stays.
    const s3 = new S3Client({ region: REGION, forcePathStyle: true });
    await expect(
      s3.send(new GetObjectCommand({ Bucket: STATE, Key: `codebuild/${PROJECT}/source.zip` })),
    ).rejects.toThrow();
    const last = JSON.parse(
      await (
        await s3.send(new GetObjectCommand({ Bucket: STATE, Key: `codebuild/${PROJECT}/last-build.json` }))
      ).Body!.transformToString(),
    );
    expect(last).toMatchObject({ dockerfile: "docker/app.Dockerfile", platform: "linux/arm64" });
    expect(last.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
  });

  it("does not rebuild unchanged sources: the second deploy writes nothing but its lock", async () => {
    const { result: r, operations } = await record(() =>
      pocket(["deploy", "--stage", "dev"], { cwd: dir, env: env() }),
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("not rebuilt");
    expect(r.stderr).toContain("No changes");
    expect(operations).not.toContain("StartBuild");
    const plan = pocket(["plan", "--stage", "dev"], { cwd: dir, env: env() });
    expect(plan.status, plan.stderr).toBe(0);
    expect(plan.stdout + plan.stderr).not.toContain("build with CodeBuild");
    // The deploy lock (an object in the state bucket) is the only write.
    expect(mutating(operations)).toEqual(["PutObject", "DeleteObject"]);
  });

  it("rebuilds when a source file changes, and with --rebuild; the project is not touched", async () => {
    writeFileSync(join(dir, "app/main.py"), "print('v2')\n");
    const plan = pocket(["plan", "--stage", "dev"], { cwd: dir, env: env() });
    expect(plan.stdout + plan.stderr).toContain("build with CodeBuild and push");
    const changed = await record(() => pocket(["deploy", "--stage", "dev"], { cwd: dir, env: env() }));
    expect(changed.result.status, changed.result.stderr).toBe(0);
    expect(changed.operations).toContain("StartBuild");
    expect(changed.operations).not.toContain("CreateProject");
    expect(changed.operations).not.toContain("UpdateProject");
    expect(changed.operations).not.toContain("PutRolePolicy");

    const forced = await record(() =>
      pocket(["deploy", "--stage", "dev", "--rebuild"], { cwd: dir, env: env() }),
    );
    expect(forced.result.status, forced.result.stderr).toBe(0);
    expect(forced.operations).toContain("StartBuild");
    const builds = await new CodeBuildClient({ region: REGION }).send(
      new ListBuildsForProjectCommand({ projectName: PROJECT }),
    );
    expect(builds.ids).toHaveLength(3);
  });

  it("updates the project when a build setting changes", async () => {
    writeFileSync(join(dir, "pocket.toml"), TOML.replace("BUILD_GENERAL1_SMALL", "BUILD_GENERAL1_LARGE"));
    const r = await record(() => pocket(["deploy", "--stage", "dev"], { cwd: dir, env: env() }));
    expect(r.result.status, r.result.stderr).toBe(0);
    expect(r.operations).toContain("UpdateProject");
    const project = (
      await new CodeBuildClient({ region: REGION }).send(new BatchGetProjectsCommand({ names: [PROJECT] }))
    ).projects![0]!;
    expect(project.environment?.computeType).toBe("BUILD_GENERAL1_LARGE");
    expect(project.environment?.type).toBe("ARM_CONTAINER");
  });

  it("destroy removes the project, the role and the build records", async () => {
    const r = pocket(["destroy", "--stage", "dev", "--yes"], { cwd: dir, env: env() });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("CodeBuild project deleted");
    const projects = await new CodeBuildClient({ region: REGION }).send(
      new BatchGetProjectsCommand({ names: [PROJECT] }),
    );
    expect(projects.projects ?? []).toEqual([]);
    await expect(
      new IAMClient({ region: REGION }).send(new GetRoleCommand({ RoleName: ROLE })),
    ).rejects.toThrow(/not found|cannot be found|NoSuchEntity/);
  });
});
