import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { beforeAll, describe, expect, it } from "vitest";
import { type CliRun, pocket, project } from "../cli/run.js";
import { motoEnv, putTestImage } from "../moto/moto.js";
import { freshMoto, general, REGION, WSGI_CONTAINER } from "./harness.js";

// Issue 24, items 4, 5 and 7: user secrets from the CLI (`pocket secrets set|get|list|delete`),
// a missing user secret named by plan, deploy and status (and refused by a strict deploy), and
// plan printing the pre-flight warnings deploy prints.
const TOML = `
${general("secapp")}
${WSGI_CONTAINER}
[awscontainer.secrets.managed]
SECRET_KEY = { type = "password", options = { length = 30 } }

[awscontainer.secrets.user]
API_KEY = { name = "secapp/dev/api-key", store = "sm" }
PARTNER_TOKEN = { name = "/secapp/dev/partner-token", store = "ssm" }
`;
const VALUE = "sk-live-0123456789abcdefXYZ";
// Not strict by CI unless a test says so: the machine running the tests may set CI.
const env = (extra: Record<string, string | undefined> = {}) => ({
  ...motoEnv(REGION),
  CI: undefined,
  ...extra,
});
const sm = () => new SecretsManagerClient({ region: REGION });
let dir: string;

/** `pocket` with `input` on its standard input (a pipe, as in a script). */
const pocketWithInput = (args: string[], input: string): CliRun =>
  pocket(args, { cwd: dir, env: env(), input });

const run = (args: string[], extra: Record<string, string | undefined> = {}) =>
  pocket(args, { cwd: dir, env: env(extra) });

beforeAll(async () => {
  await freshMoto();
  dir = project(TOML, "secapp");
  writeFileSync(join(dir, "requirements.txt"), "django\n");
}, 120_000);

describe("a user secret that does not exist", () => {
  it("plan warns with the command that creates it, and the warnings deploy prints (item 7)", () => {
    const r = run(["plan", "--stage", "dev"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("warning[user-secret-missing]: user secret API_KEY");
    expect(r.stderr).toContain("pocket secrets set API_KEY --stage dev");
    expect(r.stderr).toContain("pocket secrets set PARTNER_TOKEN --stage dev");
    // deploy's Django check, from the same pre-flight list.
    expect(r.stderr).toContain("warning[django-no-database-url]");
  });

  it("status shows it as missing", () => {
    const r = run(["status", "--stage", "dev"]);
    expect(r.stdout).toMatch(/user secret API_KEY \(Secrets Manager secret secapp\/dev\/api-key\)\s+MISSING/);
    expect(r.stdout).toContain("pocket secrets set API_KEY --stage dev");
    const json = JSON.parse(run(["status", "--stage", "dev", "--json"]).stdout);
    expect(json.userSecrets).toContainEqual(
      expect.objectContaining({ name: "PARTNER_TOKEN", store: "ssm", state: "missing" }),
    );
  });

  it("deploy --strict, and a deploy in CI, refuse before the first change", async () => {
    for (const [args, extra] of [
      [["--strict"], {}],
      [[], { CI: "true" }],
    ] as const) {
      const r = run(["deploy", "--stage", "dev", ...args], extra);
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toContain("pre-flight check");
      expect(r.stderr).toContain("nothing was changed");
      expect(r.stderr).toContain("pocket secrets set API_KEY --stage dev");
    }
    // Nothing was made: not even the managed secrets or the state bucket.
    await expect(sm().send(new DescribeSecretCommand({ SecretId: "dev-secapp" }))).rejects.toThrow();
    expect(run(["status", "--stage", "dev"]).stdout).not.toMatch(/in sync/);
  });
});

describe("pocket secrets", () => {
  it("set refuses a name pocket.toml does not declare, naming the nearest one", () => {
    const r = pocketWithInput(["secrets", "set", "API_KEI", "--stage", "dev"], VALUE);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('declares no user secret "API_KEI"');
    expect(r.stderr).toContain("Did you mean API_KEY?");
    const managed = pocketWithInput(["secrets", "set", "SECRET_KEY", "--stage", "dev"], VALUE);
    expect(managed.status).toBe(1);
    expect(managed.stderr).toContain("managed secret");
  });

  it("set stores a piped value in Secrets Manager without echoing it", async () => {
    const r = pocketWithInput(["secrets", "set", "API_KEY", "--stage", "dev"], `${VALUE}\n`);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("Created user secret API_KEY");
    expect(`${r.stdout}${r.stderr}`).not.toContain(VALUE);
    const stored = await sm().send(new GetSecretValueCommand({ SecretId: "secapp/dev/api-key" }));
    expect(stored.SecretString).toBe(VALUE);
  });

  it("set --from-file stores a SecureString in SSM", async () => {
    const file = join(dir, "token.txt");
    writeFileSync(file, "partner-token-value-42\n");
    const r = run(["secrets", "set", "PARTNER_TOKEN", "--stage", "dev", "--from-file", file]);
    expect(r.status, r.stderr).toBe(0);
    const p = await new SSMClient({ region: REGION }).send(
      new GetParameterCommand({ Name: "/secapp/dev/partner-token", WithDecryption: true }),
    );
    expect(p.Parameter?.Type).toBe("SecureString");
    expect(p.Parameter?.Value).toBe("partner-token-value-42");
  });

  it("get masks the value unless --reveal, which prints it alone", () => {
    const masked = run(["secrets", "get", "API_KEY", "--stage", "dev"]);
    expect(masked.status, masked.stderr).toBe(0);
    expect(masked.stdout).toContain(`API_KEY: **** (${VALUE.length} chars)`);
    expect(`${masked.stdout}${masked.stderr}`).not.toContain(VALUE);
    const shown = run(["secrets", "get", "API_KEY", "--stage", "dev", "--reveal"]);
    expect(shown.stdout).toBe(VALUE);
  });

  it("list shows each declared user secret and that it exists, without values", () => {
    const r = run(["secrets", "list", "--stage", "dev"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/API_KEY\s+Secrets Manager secret secapp\/dev\/api-key\s+exists/);
    expect(r.stdout).toMatch(/PARTNER_TOKEN\s+SSM parameter \/secapp\/dev\/partner-token\s+exists/);
    expect(r.stdout).not.toContain(VALUE);
  });

  it("a deploy after set sees the secrets: no warning, and status shows them present", async () => {
    const image = await putTestImage("dev-secapp-pocket-lambda", "dev", REGION);
    const r = run(["deploy", "--stage", "dev", "--strict", "--image", image]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toContain("user-secret-missing");
    const status = run(["status", "--stage", "dev"]).stdout;
    expect(status).toMatch(/user secret API_KEY \(Secrets Manager secret secapp\/dev\/api-key\)\s+present/);
  }, 180_000);

  it("delete asks first (nothing deleted without an answer), then deletes with --yes", async () => {
    const refused = run(["secrets", "delete", "API_KEY", "--stage", "dev"]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain("nothing was deleted");
    expect(refused.stderr).toContain("--yes");
    const kept = await sm().send(new DescribeSecretCommand({ SecretId: "secapp/dev/api-key" }));
    expect(kept.DeletedDate).toBeUndefined();

    const r = run(["secrets", "delete", "API_KEY", "--stage", "dev", "--yes"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("Deleted user secret API_KEY");
    const after = run(["secrets", "get", "API_KEY", "--stage", "dev"]);
    expect(after.status).toBe(1);
    expect(after.stderr).toContain("pocket secrets set API_KEY --stage dev");
  });
});
