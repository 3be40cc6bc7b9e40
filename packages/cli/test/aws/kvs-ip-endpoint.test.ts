import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { runContext } from "../../src/engine/run-context.js";
import { ensureTokenSecretInKvs } from "../../src/resources/cloudfront/token-secret.js";
import { managedSecretStore } from "../../src/resources/secrets/store.js";
import { useMoto } from "../moto/moto.js";
import { loadInline } from "../templates/context.js";
import { freshMoto } from "./harness.js";
import { KVS_ARN, type KvsServer, startKvsServer, TOKEN_SECRET_STAGE } from "./kvs-server.js";

// Many set AWS_ENDPOINT_URL to an emulator by address (http://127.0.0.1:PORT). The KVS endpoint
// rules put the account id in front of the host, which makes no URL of an address; pocket points
// the KVS client at localhost on the same port, resolved to that address (src/aws/clients.ts).
// kvs-server.ts is that emulator here: the KVS data plane (moto has none), and every other call
// passed on to moto.

let emulator: KvsServer;
let port = 0;

beforeAll(async () => {
  await freshMoto({ cli: false });
  emulator = await startKvsServer({ stores: [KVS_ARN], otherCallsTo: inject("motoEndpoint") });
  port = emulator.port;
  // Every service, the KVS data plane included, at one address: no service-specific variable.
  delete process.env.AWS_ENDPOINT_URL_CLOUDFRONT_KEYVALUESTORE;
  process.env.AWS_ENDPOINT_URL = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  useMoto();
  await emulator.close();
});

describe("the KeyValueStore behind an endpoint given as an IP address", () => {
  it("is written through AWS_ENDPOINT_URL=http://127.0.0.1:PORT, on that address and port", async () => {
    const config = loadInline(TOKEN_SECRET_STAGE);
    const run = runContext(config, {});
    const secrets = config.context.container!.secrets!;
    const secret = "ab".repeat(32);
    await managedSecretStore(run.aws(secrets.region), secrets, "dev", "spa").write({
      SPA_TOKEN_SECRET: secret,
    });
    const progress = { update: () => {}, log: () => {} };
    expect(await ensureTokenSecretInKvs(run, config.context.cloudfront!.main!, KVS_ARN, progress)).toBe(true);
    expect(emulator.data.get(`${KVS_ARN}|token_secret`)).toBe(secret);
    // The account id stays in front of the host, as the endpoint rules want; the name resolves
    // to the address given.
    expect(new Set(emulator.calls.map((c) => c.host))).toEqual(new Set([`123456789012.localhost:${port}`]));
  });
});
