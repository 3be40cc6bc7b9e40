import { GetFunctionConfigurationCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEnv, resetEnvLoaded } from "../../../runtime/src/index.js";
import { pocket } from "../cli/run.js";
import { motoEnv } from "../moto/moto.js";
import { freshProject, general, REGION } from "./harness.js";
import { expectNoChangeDeploy } from "./recorder.js";

/*
 * Managed secrets in both stores (the original's configuration.md, container.secrets; changelog
 * 0.29: shared and unshared declarations may be mixed): two containers share SECRET_KEY
 * (`shared = true`, one value in the shared store `{stage}-{project}-{namespace}`) and each keeps
 * a token of its own in its container store. The functions' POCKET_SECRETS names both stores and
 * the runtime reads each value from its store (docs/runtime-contract.md).
 */
const container = (name: string, dockerfile: string, own: string) => `
[container.${name}]
dockerfile_path = "${dockerfile}"
[container.${name}.handlers.wsgi]
command = "app.handler"
[container.${name}.secrets.managed]
SECRET_KEY = { type = "password", options = { length = 50 }, shared = true }
${own} = { type = "password" }
`;
const TOML = `${general("mix")}${container("web", "Dockerfile", "OWN_TOKEN")}${container("v2", "v2/Dockerfile", "V2_TOKEN")}`;

let dir: string;
let image: string;
const run = (args: string[]) => pocket(args, { cwd: dir, env: motoEnv(REGION) });
const saved = { ...process.env };

async function stored(key: string): Promise<Record<string, string>> {
  const sm = new SecretsManagerClient({ region: REGION });
  const out = await sm.send(new GetSecretValueCommand({ SecretId: key }));
  return JSON.parse(out.SecretString!).dev.mix;
}

async function secretsDoc(fn: string): Promise<string> {
  const lambda = new LambdaClient({ region: REGION });
  const out = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: fn }));
  return out.Environment!.Variables!.POCKET_SECRETS!;
}

beforeAll(async () => {
  ({ dir, image } = await freshProject(TOML, "mix"));
});
afterAll(() => {
  process.env = { ...saved };
});

describe("managed secrets in a container's store and the shared one, against moto", () => {
  it("stores each value in its store: the shared one once, each token in its container's", async () => {
    const r = run(["deploy", "--stage", "dev", "--image", image]);
    expect(r.status, r.stderr).toBe(0);
    const shared = await stored("dev-mix-pocket");
    const web = await stored("dev-mix-web-pocket");
    const v2 = await stored("dev-mix-v2-pocket");
    expect(Object.keys(shared)).toEqual(["SECRET_KEY"]);
    expect(shared.SECRET_KEY).toHaveLength(50);
    expect(Object.keys(web)).toEqual(["OWN_TOKEN"]);
    expect(Object.keys(v2)).toEqual(["V2_TOKEN"]);
    expect(JSON.parse(await secretsDoc("dev-mix-pocket-web-wsgi"))).toMatchObject({
      key: "dev-mix-web-pocket",
      sharedKey: "dev-mix-pocket",
      managed: { SECRET_KEY: { shared: true }, OWN_TOKEN: { env: "OWN_TOKEN" } },
    });
  });

  it("the runtime of each container reads the shared value and its own token", async () => {
    const shared = (await stored("dev-mix-pocket")).SECRET_KEY;
    for (const [fn, key, own] of [
      ["dev-mix-pocket-web-wsgi", "dev-mix-web-pocket", "OWN_TOKEN"],
      ["dev-mix-pocket-v2-wsgi", "dev-mix-v2-pocket", "V2_TOKEN"],
    ] as const) {
      resetEnvLoaded();
      process.env = {
        ...saved,
        ...motoEnv(REGION),
        POCKET_SECRETS: await secretsDoc(fn),
        POCKET_STAGE: "dev",
        POCKET_PROJECT_NAME: "mix",
        POCKET_REGION: REGION,
      };
      await loadEnv({ warn: () => {} });
      expect(process.env.SECRET_KEY).toBe(shared);
      expect(process.env[own]).toBe((await stored(key))[own]);
    }
  });

  it("lists a container's secrets from both stores, and redeploys with no change", async () => {
    const list = run(["resource", "awscontainer", "secrets", "list", "--container", "web", "--stage", "dev"]);
    expect(list.status, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout).map((s: { name: string; state: string }) => [s.name, s.state])).toEqual([
      ["SECRET_KEY", "created"],
      ["OWN_TOKEN", "created"],
    ]);
    await expectNoChangeDeploy(() => run(["deploy", "--stage", "dev", "--image", image]));
  });

  it("destroy --with-secrets deletes the three stores", async () => {
    const r = run(["destroy", "--stage", "dev", "--yes", "--with-secrets"]);
    expect(r.status, r.stderr).toBe(0);
    for (const key of ["dev-mix-pocket", "dev-mix-web-pocket", "dev-mix-v2-pocket"]) {
      await expect(stored(key), key).rejects.toThrow();
    }
  });
});
