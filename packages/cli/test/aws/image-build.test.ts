import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { GetFunctionCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { beforeAll, describe, expect, it } from "vitest";
import { pocket, project } from "../cli/run.js";
import { fakeDocker } from "../moto/fake-docker.js";
import { motoEnv } from "../moto/moto.js";
import { freshMoto, general, REGION } from "./harness.js";

const TOML = `
${general("built")}
[awscontainer]
dockerfile_path = "pocket.Dockerfile"
platform = "linux/arm64"

[awscontainer.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"
`;

let dir: string;
beforeAll(async () => {
  await freshMoto();
  dir = project(TOML, "built");
  writeFileSync(join(dir, "pocket.Dockerfile"), "FROM public.ecr.aws/lambda/python:3.12\n");
});

describe("image build with the docker backend", () => {
  it("logs in to ECR, builds for the platform, pushes, and deploys the pushed digest", async () => {
    const docker = fakeDocker();
    const r = pocket(["deploy", "--stage", "dev"], { cwd: dir, env: { ...motoEnv(REGION), ...docker.env } });
    expect(r.status, r.stderr).toBe(0);
    const calls = docker.calls();
    expect(calls[0]).toEqual(["version", "--format", "{{.Server.Version}}"]);
    expect(calls[1]!.slice(0, 4)).toEqual(["login", "--username", "AWS", "--password-stdin"]);
    const build = calls.find((c) => c[0] === "buildx")!;
    expect(build).toEqual([
      "buildx",
      "build",
      "--platform",
      "linux/arm64",
      "--file",
      "pocket.Dockerfile",
      "--tag",
      "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/dev-built-pocket-lambda:dev",
      "--provenance=false",
      "--push",
      ".",
    ]);
    const fn = await new LambdaClient({ region: REGION }).send(
      new GetFunctionCommand({ FunctionName: "dev-built-pocket-wsgi" }),
    );
    expect(fn.Code?.ImageUri).toMatch(/dev-built-pocket-lambda@sha256:[a-f0-9]{64}$/);
    // moto reports x86_64 whatever the template says, so the architecture is read from the stack.
    const { CloudFormationClient, GetTemplateCommand } = await import("@aws-sdk/client-cloudformation");
    const body = (
      await new CloudFormationClient({ region: REGION }).send(
        new GetTemplateCommand({ StackName: "dev-built-container" }),
      )
    ).TemplateBody!;
    expect(JSON.parse(body).Resources.WsgiLambdaFunction.Properties.Architectures).toEqual(["arm64"]);
  });

  it("rebuilds but changes nothing when the image is identical", () => {
    const docker = fakeDocker();
    const r = pocket(["deploy", "--stage", "dev"], { cwd: dir, env: { ...motoEnv(REGION), ...docker.env } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("No changes");
    expect(docker.calls().some((c) => c[0] === "buildx")).toBe(true);
  });

  it("rolls out a new image when the build output changes", () => {
    writeFileSync(join(dir, "pocket.Dockerfile"), "FROM public.ecr.aws/lambda/python:3.12\nRUN echo v2\n");
    const docker = fakeDocker();
    const r = pocket(["deploy", "--stage", "dev"], { cwd: dir, env: { ...motoEnv(REGION), ...docker.env } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("Deployed stage dev");
  });

  it("falls back to CodeBuild when no Docker engine answers (D8 in docs/decisions.md)", () => {
    const r = pocket(["deploy", "--stage", "dev"], {
      cwd: dir,
      env: {
        ...motoEnv(REGION),
        PATH: "/nonexistent",
        POCKET_CODEBUILD_POLL_MS: "50",
        POCKET_IAM_SETTLE_MS: "0",
      },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("no Docker engine answers here: building with CodeBuild");
  });

  it('names the missing tool when build = "docker" and docker is not installed', () => {
    const explicit = project(
      TOML.replace('platform = "linux/arm64"', 'platform = "linux/arm64"\nbuild = "docker"'),
      "built",
    );
    writeFileSync(join(explicit, "pocket.Dockerfile"), "FROM public.ecr.aws/lambda/python:3.12\n");
    const r = pocket(["deploy", "--stage", "dev"], {
      cwd: explicit,
      env: { ...motoEnv(REGION), PATH: "/nonexistent", POCKET_TEST: "1" },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("`docker` is not installed or not on PATH");
  });
});
