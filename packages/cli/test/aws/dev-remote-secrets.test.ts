import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { loadConfig } from "@magic-pocket/config";
import { beforeAll, describe, expect, it } from "vitest";
import { remoteSecrets } from "../../src/commands/dev-actions.js";
import { project, spawnPocket } from "../cli/run.js";
import { freePort } from "../moto/free-port.js";
import { motoEnv } from "../moto/moto.js";
import { freshMoto, general, REGION, until } from "./harness.js";

// `pocket dev --remote-secrets`: the deployed stage's managed values (its SM document) and user
// secrets (SM and SSM), read-only, reach the local handler's environment over .env.
const toml = (store: "sm" | "ssm") => `
${general("devapp")}
[awscontainer]
dockerfile_path = "Dockerfile"

[awscontainer.handlers.web]
command = "app.web"
apigateway = {}

[awscontainer.secrets]
store = "${store}"

[awscontainer.secrets.managed]
SECRET_KEY = { type = "password", options = { length = 20 } }
JWT = { type = "rsa_pem_base64" }

[awscontainer.secrets.user]
API_KEY = { name = "shared/dev-api-key", store = "sm" }
PARTNER = { name = "/shared/dev-partner", store = "ssm" }
`;

const APP = `export const web = async () => ({
  statusCode: 200,
  headers: { "content-type": "application/json" },
  body: JSON.stringify({
    secretKey: process.env.SECRET_KEY,
    jwtPem: process.env.JWT_PEM_BASE64,
    apiKey: process.env.API_KEY,
    partner: process.env.PARTNER,
    fromEnvFile: process.env.ONLY_IN_DOTENV,
    secretsDocument: process.env.POCKET_SECRETS ?? null,
  }),
});
`;

function contextOf(dir: string) {
  const r = loadConfig({ configPath: join(dir, "pocket.toml"), stage: "dev", env: {} });
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
  return r.config.context;
}

beforeAll(async () => {
  await freshMoto();
  await new SecretsManagerClient({ region: REGION }).send(
    new CreateSecretCommand({ Name: "shared/dev-api-key", SecretString: "api-key-value" }),
  );
  await new SSMClient({ region: REGION }).send(
    new PutParameterCommand({ Name: "/shared/dev-partner", Value: "partner-value", Type: "SecureString" }),
  );
}, 120_000);

describe("pocket dev --remote-secrets", () => {
  it("gives the local handler the deployed values (SM store) on top of .env", async () => {
    const dir = project(toml("sm"), "devapp");
    writeFileSync(join(dir, "app.mjs"), APP);
    writeFileSync(join(dir, ".env"), "SECRET_KEY=from-dotenv\nONLY_IN_DOTENV=yes\n");
    const ctx = contextOf(dir);
    await new SecretsManagerClient({ region: REGION }).send(
      new CreateSecretCommand({
        Name: ctx.container!.secrets!.pocketKey,
        SecretString: JSON.stringify({
          dev: { devapp: { SECRET_KEY: "deployed-key", JWT: { pem: "PEM-B64", pub: "PUB-B64" } } },
        }),
      }),
    );
    const port = await freePort();
    const child = spawnPocket(["dev", "--stage", "dev", "--port", String(port), "--remote-secrets"], {
      cwd: dir,
      env: motoEnv(REGION),
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d;
    });
    child.stderr.on("data", (d: Buffer) => {
      out += d;
    });
    const exit = new Promise<number | null>((resolve) => child.on("exit", resolve));
    try {
      await until("pocket dev to start", () => out.includes("Ctrl-C to stop") || child.exitCode !== null, {
        detail: () => out,
      });
      expect(out).toContain("secrets: .env and the deployed stage");
      const body = await (await fetch(`http://localhost:${port}/`)).json();
      expect(body).toEqual({
        secretKey: "deployed-key",
        jwtPem: "PEM-B64",
        apiKey: "api-key-value",
        partner: "partner-value",
        fromEnvFile: "yes",
        // The handler never calls AWS for secrets locally: it gets values, not the document.
        secretsDocument: null,
      });
    } finally {
      child.kill("SIGINT");
    }
    expect(await exit).toBe(0);
  }, 60_000);

  it("reads an SSM store too, and names managed values the stage does not have", async () => {
    const dir = project(toml("ssm"), "devapp");
    const ctx = contextOf(dir);
    const root = `/${ctx.container!.secrets!.pocketKey}/`;
    const ssm = new SSMClient({ region: REGION });
    await ssm.send(
      new PutParameterCommand({ Name: `${root}SECRET_KEY`, Value: "ssm-key", Type: "SecureString" }),
    );
    await expect(remoteSecrets(ctx)).rejects.toMatchObject({
      code: "remote-secrets-missing",
      message: "stage dev has no stored value for JWT.",
    });
    await ssm.send(new PutParameterCommand({ Name: `${root}JWT/pem`, Value: "P", Type: "SecureString" }));
    await ssm.send(new PutParameterCommand({ Name: `${root}JWT/pub`, Value: "Q", Type: "SecureString" }));
    expect(await remoteSecrets(ctx)).toEqual({
      SECRET_KEY: "ssm-key",
      JWT_PEM_BASE64: "P",
      JWT_PUB_BASE64: "Q",
      API_KEY: "api-key-value",
      PARTNER: "partner-value",
    });
  });
});
