import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { unzipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { zipBuildContext } from "../src/resources/container/build-context.js";
import { buildFailure } from "../src/resources/container/codebuild/build.js";
import { codebuildPolicy } from "../src/resources/container/codebuild/policies.js";
import {
  buildConsoleUrl,
  buildspec,
  codebuildEnvironment,
} from "../src/resources/container/codebuild/project.js";

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "pocket-context-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

async function names(root: string, dockerfile = "Dockerfile"): Promise<string[]> {
  const archive = await zipBuildContext(root, dockerfile);
  return Object.keys(unzipSync(archive.zip)).sort();
}

describe("the CodeBuild source archive", () => {
  it("leaves out what .dockerignore excludes, with Docker's rules (root-anchored names, ** and !)", async () => {
    const root = tree({
      Dockerfile: "FROM scratch\n",
      ".dockerignore": "# comment\n\nnode_modules\n**/*.log\nsecrets/\n!secrets/public.txt\n",
      "app/main.py": "print()\n",
      "app/debug.log": "x",
      "node_modules/x/index.js": "x",
      "app/node_modules/kept.js": "kept: only the root node_modules is named",
      "secrets/key.pem": "no",
      "secrets/public.txt": "yes",
    });
    expect(await names(root)).toEqual([
      ".dockerignore",
      "Dockerfile",
      "app/main.py",
      "app/node_modules/kept.js",
      "secrets/public.txt",
    ]);
  });

  it("uses the reference's default excludes when there is no .dockerignore", async () => {
    const root = tree({
      "pocket.Dockerfile": "FROM scratch\n",
      "app.py": "",
      ".env": "SECRET=1",
      ".git/HEAD": "ref",
      ".venv/bin/python": "",
      "pkg/__pycache__/m.cpython-311.pyc": "",
      "pkg/m.pyc": "",
      "web/node_modules/a.js": "",
      "web/src/a.ts": "",
    });
    expect(await names(root, "pocket.Dockerfile")).toEqual(["app.py", "pocket.Dockerfile", "web/src/a.ts"]);
  });

  it("names the .env files that a .dockerignore re-includes by name", async () => {
    const root = tree({
      Dockerfile: "FROM scratch\n",
      ".dockerignore": "*.log\n.env*\n**/.env*\n!.env\n!app/.env.production\n",
      ".env": "S=1",
      "app/.env.production": "S=2",
    });
    expect((await zipBuildContext(root, "Dockerfile")).envFiles).toEqual([".env", "app/.env.production"]);
    const clean = tree({ Dockerfile: "FROM scratch\n", ".env": "S=1" }); // default excludes drop it
    expect((await zipBuildContext(clean, "Dockerfile")).envFiles).toEqual([]);
  });

  it("always sends the Dockerfile, as docker build does", async () => {
    const root = tree({
      "docker/app.Dockerfile": "FROM scratch\n",
      ".dockerignore": "docker\n",
      "a.txt": "",
    });
    expect(await names(root, "docker/app.Dockerfile")).toEqual([
      ".dockerignore",
      "a.txt",
      "docker/app.Dockerfile",
    ]);
  });

  it("is byte-identical for identical sources and changes with any file", async () => {
    const files = { Dockerfile: "FROM scratch\n", "a/b.txt": "1", "c.txt": "2" };
    const one = await zipBuildContext(tree(files), "Dockerfile");
    const two = await zipBuildContext(tree(files), "Dockerfile");
    expect(two.sha256).toBe(one.sha256);
    const three = await zipBuildContext(tree({ ...files, "c.txt": "3" }), "Dockerfile");
    expect(three.sha256).not.toBe(one.sha256);
    expect(one.files).toBe(3);
  });

  it("keeps the executable bit and reads symlinked files by content", async () => {
    const root = tree({
      Dockerfile: "FROM scratch\n",
      "entrypoint.sh": "#!/bin/sh\n",
      "real.txt": "content",
    });
    chmodSync(join(root, "entrypoint.sh"), 0o755);
    symlinkSync(join(root, "real.txt"), join(root, "link.txt"));
    const { zip } = await zipBuildContext(root, "Dockerfile");
    const entries = unzipSync(zip);
    expect(new TextDecoder().decode(entries["link.txt"])).toBe("content");
    // The central directory holds the Unix mode in the high half of the external attributes.
    const text = Buffer.from(zip);
    const at = text.indexOf(
      Buffer.from("entrypoint.sh"),
      text.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])),
    );
    const header = at - 46;
    expect(text.readUInt32LE(header)).toBe(0x02014b50);
    expect((text.readUInt32LE(header + 38) >>> 16) & 0o777).toBe(0o755);
  });
});

describe("the CodeBuild project settings", () => {
  it("builds arm64 images on Graviton and others on x86_64, privileged for docker", () => {
    expect(codebuildEnvironment("linux/arm64", "BUILD_GENERAL1_SMALL")).toEqual({
      type: "ARM_CONTAINER",
      image: "aws/codebuild/amazonlinux-aarch64-standard:3.0",
      computeType: "BUILD_GENERAL1_SMALL",
      privilegedMode: true,
    });
    expect(codebuildEnvironment("linux/amd64", "BUILD_GENERAL1_MEDIUM").type).toBe("LINUX_CONTAINER");
  });

  it("lets the role push only to the stage's repository, read only the state bucket's codebuild/ prefix and write only its own logs", () => {
    const policy = codebuildPolicy({
      region: "cn-north-1",
      account: "123456789012",
      bucket: "dev-x-pocket-state",
      project: "dev-x-pocket-codebuild",
      repository: "dev-x-pocket-lambda",
    });
    const resources = policy.Statement.map((s) => s.Resource);
    expect(resources).toContain("arn:aws-cn:s3:::dev-x-pocket-state/codebuild/*");
    const push = policy.Statement.find((s) => s.Action.includes("ecr:PutImage"));
    expect(push?.Resource).toBe("arn:aws-cn:ecr:cn-north-1:123456789012:repository/dev-x-pocket-lambda");
    expect(resources).toContainEqual([
      "arn:aws-cn:logs:cn-north-1:123456789012:log-group:/aws/codebuild/dev-x-pocket-codebuild",
      "arn:aws-cn:logs:cn-north-1:123456789012:log-group:/aws/codebuild/dev-x-pocket-codebuild:log-stream:*",
    ]);
  });

  it("pushes only after a successful build, for the declared platform", () => {
    const spec = parse(buildspec());
    expect(spec.version).toBe(0.2);
    expect(spec.phases.build.commands).toEqual([
      'docker build --platform "$PLATFORM" --provenance=false --tag "$IMAGE_TAG" --file "$DOCKERFILE" .',
      'docker push "$IMAGE_TAG"',
    ]);
    expect(spec.phases.pre_build.commands[0]).toContain(
      "docker login --username AWS --password-stdin $ECR_HOST",
    );
  });

  it("links the build's log in the console", () => {
    expect(buildConsoleUrl("ap-northeast-1", "dev-x-pocket-codebuild", "dev-x-pocket-codebuild:1b2c")).toBe(
      "https://ap-northeast-1.console.aws.amazon.com/codesuite/codebuild/projects/dev-x-pocket-codebuild/build/dev-x-pocket-codebuild%3A1b2c/log?region=ap-northeast-1",
    );
  });

  it("reports the failed phases with CodeBuild's reasons and the log link", () => {
    const error = buildFailure({
      id: "p:1",
      buildStatus: "FAILED",
      phases: [
        { phaseType: "PRE_BUILD", phaseStatus: "SUCCEEDED" },
        {
          phaseType: "BUILD",
          phaseStatus: "FAILED",
          contexts: [{ message: "COMMAND_EXECUTION_ERROR: Error while executing command: docker build" }],
        },
      ],
      logs: { deepLink: "https://console.aws.amazon.com/cloudwatch/logs" },
    });
    expect(error.code).toBe("image-build-failed");
    expect(error.message).toContain("BUILD: FAILED (COMMAND_EXECUTION_ERROR");
    expect(error.message).not.toContain("PRE_BUILD");
    expect(error.hint).toContain("https://console.aws.amazon.com/cloudwatch/logs");
  });
});
