import { GetFunctionConfigurationCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { beforeAll, describe, expect, it } from "vitest";
import { pocket } from "../cli/run.js";
import { motoEnv } from "../moto/moto.js";
import { djangoContainer, freshProject, general, REGION } from "./harness.js";
import { mutating, record } from "./recorder.js";

const TOML = `
${general("rel")}
${djangoContainer({ handlers: { worker: ['command = "app.worker"', "sqs = {}"] } })}`;
const env = () => motoEnv(REGION);
const lambda = () => new LambdaClient({ region: REGION });
const variables = async (name: string) =>
  (await lambda().send(new GetFunctionConfigurationCommand({ FunctionName: name }))).Environment?.Variables ??
  {};
let dir: string;
let image: string;

beforeAll(async () => {
  ({ dir, image } = await freshProject(TOML, "rel"));
});

describe("pocket resource awscontainer secrets reload", () => {
  it("refuses before the stage is deployed", () => {
    const r = pocket(["resource", "awscontainer", "secrets", "reload", "--stage", "dev"], {
      cwd: dir,
      env: env(),
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("the container stack dev-rel-container does not exist");
  });

  it("bumps the revision variable of every function, keeps the others, and names them", async () => {
    const deployed = pocket(["deploy", "--stage", "dev", "--image", image], { cwd: dir, env: env() });
    expect(deployed.status, deployed.stderr).toBe(0);
    const before = await variables("dev-rel-pocket-wsgi");
    expect(before.POCKET_SECRETS_REVISION).toBeUndefined();

    const { result: r, operations } = await record(() =>
      pocket(["resource", "awscontainer", "secrets", "reload", "--stage", "dev"], { cwd: dir, env: env() }),
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^reloaded 2 functions \(POCKET_SECRETS_REVISION=\d{4}-\d\d-\d\dT[\d:.]+Z\)/);
    expect(r.stdout).toContain("  dev-rel-pocket-wsgi\n");
    expect(r.stdout).toContain("  dev-rel-pocket-worker\n");
    // Only the functions' configuration changes: no stack update, no secret write.
    expect(mutating(operations).filter((o) => !o.startsWith("GetFunction"))).toEqual([
      "PUT /2015-03-31/functions/dev-rel-pocket-wsgi/configuration",
      "PUT /2015-03-31/functions/dev-rel-pocket-worker/configuration",
    ]);
    for (const name of ["dev-rel-pocket-wsgi", "dev-rel-pocket-worker"]) {
      const after = await variables(name);
      expect(after.POCKET_SECRETS_REVISION).toMatch(/^\d{4}-/);
      expect(after.POCKET_SECRETS).toBe(before.POCKET_SECRETS);
      expect(after.POCKET_STAGE).toBe("dev");
    }
    const first = (await variables("dev-rel-pocket-wsgi")).POCKET_SECRETS_REVISION;

    // A second reload gives a new revision (new environments again).
    await new Promise((resolve) => setTimeout(resolve, 5));
    const again = pocket(["resource", "awscontainer", "secrets", "reload", "--stage", "dev"], {
      cwd: dir,
      env: env(),
    });
    expect(again.status, again.stderr).toBe(0);
    expect((await variables("dev-rel-pocket-wsgi")).POCKET_SECRETS_REVISION).not.toBe(first);
  });

  it("leaves the next deploy alone: status in sync, no stack update, the revision stays", async () => {
    const revision = (await variables("dev-rel-pocket-worker")).POCKET_SECRETS_REVISION;
    const status = pocket(["resource", "awscontainer", "status", "--stage", "dev"], { cwd: dir, env: env() });
    expect(status.status, status.stderr).toBe(0);
    expect(status.stdout + status.stderr).toMatch(/in-sync|in sync/);
    const { result: r, operations } = await record(() =>
      pocket(["deploy", "--stage", "dev", "--image", image], { cwd: dir, env: env() }),
    );
    expect(r.status, r.stderr).toBe(0);
    expect(mutating(operations)).not.toContain("UpdateStack");
    expect((await variables("dev-rel-pocket-worker")).POCKET_SECRETS_REVISION).toBe(revision);
  });
});
