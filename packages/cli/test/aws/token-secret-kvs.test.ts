import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runContext } from "../../src/engine/run-context.js";
import { ensureTokenSecretInKvs } from "../../src/resources/cloudfront/token-secret.js";
import { managedSecretStore } from "../../src/resources/secrets/store.js";
import { loadInline } from "../templates/context.js";
import { freshMoto } from "./harness.js";
import { KVS_ARN, type KvsServer, startKvsServer, TOKEN_SECRET_STAGE } from "./kvs-server.js";

// moto has no CloudFront KeyValueStore data plane: kvs-server.ts stands in for it. The secret
// itself lives in moto's Secrets Manager, as in a deploy.

let kvs: KvsServer;
const progress = { update: () => {}, log: () => {} };

beforeAll(async () => {
  await freshMoto({ cli: false });
  kvs = await startKvsServer({ stores: [KVS_ARN] });
  process.env.AWS_ENDPOINT_URL_CLOUDFRONT_KEYVALUESTORE = `http://localhost:${kvs.port}`;
});
afterAll(async () => {
  delete process.env.AWS_ENDPOINT_URL_CLOUDFRONT_KEYVALUESTORE;
  await kvs.close();
});

describe("the SPA token secret in the CloudFront KeyValueStore", () => {
  const config = loadInline(TOKEN_SECRET_STAGE);
  const run = runContext(config, {});
  const cf = config.context.cloudfront!.main!;
  const secrets = config.context.container!.secrets!;
  const store = () => managedSecretStore(run.aws(secrets.region), secrets, "dev", "spa");

  it("copies the managed secret into the store, signed with SigV4A and guarded by the ETag", async () => {
    const secret = "ab".repeat(32);
    await store().write({ SPA_TOKEN_SECRET: secret });
    expect(await ensureTokenSecretInKvs(run, cf, KVS_ARN, progress)).toBe(true);
    expect(kvs.data.get(`${KVS_ARN}|token_secret`)).toBe(secret);
    const put = kvs.calls.find((c) => c.method === "PUT");
    expect(put?.ifMatch).toBe("E1");
    expect(put?.authorization).toMatch(/^AWS4-ECDSA-P256-SHA256 /);
  });

  it("writes nothing when the store already holds the value", async () => {
    const before = kvs.calls.length;
    expect(await ensureTokenSecretInKvs(run, cf, KVS_ARN, progress)).toBe(false);
    expect(kvs.calls.slice(before).map((c) => c.method)).toEqual(["GET"]);
  });

  it("replaces a value that differs (a secret restored from elsewhere)", async () => {
    await store().write({ SPA_TOKEN_SECRET: "cd".repeat(32) });
    expect(await ensureTokenSecretInKvs(run, cf, KVS_ARN, progress)).toBe(true);
    expect(kvs.data.get(`${KVS_ARN}|token_secret`)).toBe("cd".repeat(32));
  });

  it("says what to do when the secret does not exist", async () => {
    await store().remove();
    await expect(ensureTokenSecretInKvs(run, cf, KVS_ARN, progress)).rejects.toThrow(
      "the managed secret SPA_TOKEN_SECRET does not exist yet.",
    );
  });
});
