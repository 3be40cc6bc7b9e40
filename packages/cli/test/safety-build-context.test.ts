import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { unzipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { CliError } from "../src/errors.js";
import { zipBuildContext } from "../src/resources/container/build-context.js";

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "pocket-safety-context-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

async function refusal(root: string): Promise<CliError> {
  const error = await zipBuildContext(root, "Dockerfile").then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CliError);
  return error as CliError;
}

describe("issue 11 item 12: what the CodeBuild archive refuses to carry", () => {
  it("skips a symlink that leaves the project and names it, but keeps one that stays inside", async () => {
    const outside = tree({ credentials: "aws_secret_access_key = very-secret" });
    const root = tree({ Dockerfile: "FROM scratch\n", "app/real.txt": "inside" });
    symlinkSync(join(outside, "credentials"), join(root, "app/creds"));
    symlinkSync("../app/real.txt", join(root, "app/alias.txt"));
    const archive = await zipBuildContext(root, "Dockerfile");
    const entries = unzipSync(archive.zip);
    expect(Object.keys(entries).sort()).toEqual(["Dockerfile", "app/alias.txt", "app/real.txt"]);
    expect(new TextDecoder().decode(entries["app/alias.txt"])).toBe("inside");
    expect(archive.skippedLinks).toEqual(["app/creds"]);
    expect(Buffer.from(archive.zip).includes("very-secret")).toBe(false);
  });

  it("skips a relative symlink that climbs out of the project", async () => {
    const parent = tree({ "secret.txt": "S3CRET", "project/Dockerfile": "FROM scratch\n" });
    const root = join(parent, "project");
    symlinkSync("../secret.txt", join(root, "leak.txt"));
    const archive = await zipBuildContext(root, "Dockerfile");
    expect(Object.keys(unzipSync(archive.zip))).toEqual(["Dockerfile"]);
    expect(archive.skippedLinks).toEqual(["leak.txt"]);
  });

  it("refuses .env files that .dockerignore lets through, naming them and the two fixes", async () => {
    const root = tree({
      Dockerfile: "FROM scratch\n",
      ".dockerignore": "*.log\n",
      ".env": "S=1",
      "app/.env.production": "S=2",
      "app/main.py": "",
    });
    const error = await refusal(root);
    expect(error.code).toBe("build-context-env-file");
    expect(error.message).toContain(".env, app/.env.production are in the build context");
    expect(error.message).toContain(join(root, ".env"));
    expect(error.hint).toContain(`Add these lines to ${join(root, ".dockerignore")}`);
    expect(error.hint).toContain("!.env, !app/.env.production");
  });

  it("refuses a nested .env that the default excludes (no .dockerignore) do not cover", async () => {
    const root = tree({ Dockerfile: "FROM scratch\n", ".env": "root is excluded", "web/.env.local": "S=1" });
    const error = await refusal(root);
    expect(error.message).toContain("web/.env.local is in the build context");
    expect(error.hint).toContain("it replaces pocket's default excludes");
  });

  it("sends a .env file that .dockerignore re-includes by name, and only that one", async () => {
    const root = tree({
      Dockerfile: "FROM scratch\n",
      ".dockerignore": ".env*\n!.env.build\n",
      ".env": "S=1",
      ".env.build": "PUBLIC_URL=https://example.com",
    });
    const archive = await zipBuildContext(root, "Dockerfile");
    expect(Object.keys(unzipSync(archive.zip)).sort()).toEqual([".dockerignore", ".env.build", "Dockerfile"]);
    expect(archive.envFiles).toEqual([".env.build"]);
  });
});
