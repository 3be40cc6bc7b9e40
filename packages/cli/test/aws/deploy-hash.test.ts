import { execFileSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { GetFunctionConfigurationCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { beforeAll, describe, expect, it } from "vitest";
import { pocket } from "../cli/run.js";
import { motoEnv } from "../moto/moto.js";
import { freshProject, REGION } from "./harness.js";

/*
 * `versioning = "deploy_hash"` (the original's configuration.md, "deploy_hash — デプロイ時 git
 * hash"; docs/decisions.md#e22-deploy-hash-versioning) deployed on moto: the functions get the
 * deploy's hash as DEPLOY_HASH, from DEPLOY_HASH or else git's short HEAD; the same hash redeploys
 * with no change, a new one updates the functions (the original's 0.2.2 fix), and without either
 * the deploy refuses.
 */
/** The original's example (the config test's fixture), as the dev stage of project dhash without a domain. */
const TOML = readFileSync(new URL("../../../config/test/fixtures/deploy-hash.toml", import.meta.url), "utf8")
  .replace('stages = ["sandbox", "prod"]', 'stages = ["dev"]')
  .replace('project_name = "myproject"', 'project_name = "dhash"')
  .replace('[sandbox.cloudfront.web]\ndomain = "sandbox.myproject.example.com"', "[cloudfront.web]");

let dir: string;
let image: string;
const deploy = (hash?: string) => {
  const env: Record<string, string> = { ...motoEnv(REGION), DEPLOY_HASH: hash ?? "" };
  return pocket(["deploy", "--stage", "dev", "--image", image], { cwd: dir, env });
};
const git = (...args: string[]) =>
  execFileSync("git", ["-c", "user.email=t@example.com", "-c", "user.name=t", ...args], { cwd: dir })
    .toString()
    .trim();

async function deployedHashes(): Promise<(string | undefined)[]> {
  const lambda = new LambdaClient({ region: REGION });
  return Promise.all(
    ["wsgi", "management"].map(
      async (h) =>
        (
          await lambda.send(
            new GetFunctionConfigurationCommand({ FunctionName: `dev-dhash-pocket-main-${h}` }),
          )
        ).Environment?.Variables?.DEPLOY_HASH,
    ),
  );
}

beforeAll(async () => {
  ({ dir, image } = await freshProject(TOML, "dhash"));
});

describe('versioning = "deploy_hash" against moto', () => {
  it("deploys with DEPLOY_HASH in every function", async () => {
    expect(TOML).not.toContain("sandbox");
    const r = deploy("abc1234");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("deploy hash abc1234 (from DEPLOY_HASH)");
    expect(await deployedHashes()).toEqual(["abc1234", "abc1234"]);
    const django = JSON.parse(
      (
        await new LambdaClient({ region: REGION }).send(
          new GetFunctionConfigurationCommand({ FunctionName: "dev-dhash-pocket-main-wsgi" }),
        )
      ).Environment!.Variables!.POCKET_DJANGO!,
    );
    expect(django.storages.staticfiles.VERSIONING).toBe("deploy_hash");
  });

  it("redeploys the same hash with no change", () => {
    const r = deploy("abc1234");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("No changes: stage dev is up to date");
  });

  it("a new hash updates the functions", async () => {
    const r = deploy("def5678");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toContain("No changes");
    expect(await deployedHashes()).toEqual(["def5678", "def5678"]);
  });

  it("without DEPLOY_HASH the hash is git's short HEAD", async () => {
    git("init", "-q");
    git("add", "pocket.toml");
    git("commit", "-q", "-m", "first");
    const head = git("rev-parse", "--short", "HEAD");
    const r = deploy();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`deploy hash ${head} (from git HEAD)`);
    expect(await deployedHashes()).toEqual([head, head]);
  });

  it("outside a git checkout and without DEPLOY_HASH the deploy refuses and changes no function", async () => {
    const before = await deployedHashes();
    rmSync(join(dir, ".git"), { recursive: true, force: true });
    const r = deploy();
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("is not in a git checkout with a commit and DEPLOY_HASH is not set");
    expect(r.stderr).toContain("hint: Deploy from a git checkout, or set DEPLOY_HASH");
    // Refused before the deploy starts, so nothing of the stage changed.
    expect(r.stderr).not.toContain("Deploying stage");
    expect(await deployedHashes()).toEqual(before);
  });

  it("a DEPLOY_HASH that cannot be a URL folder is refused", () => {
    const r = deploy("a/b");
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('DEPLOY_HASH "a/b" cannot be a URL folder');
    expect(r.stderr).not.toContain("Deploying stage");
  });
});
