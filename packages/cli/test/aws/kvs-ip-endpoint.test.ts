import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { runContext } from "../../src/engine/run-context.js";
import { ensureTokenSecretInKvs } from "../../src/resources/cloudfront/token-secret.js";
import { managedSecretStore } from "../../src/resources/secrets/store.js";
import { resetMoto, useMoto } from "../moto/moto.js";
import { loadInline } from "../templates/context.js";

// Many set AWS_ENDPOINT_URL to an emulator by address (http://127.0.0.1:PORT). The KVS endpoint
// rules put the account id in front of the host, which makes no URL of an address; pocket points
// the KVS client at localhost on the same port, resolved to that address (src/aws/clients.ts).
// This loopback server is that emulator: the KVS data plane (moto has none) with the REST shapes
// of the service's API reference, and every other call passed on to moto.
const KVS_ARN = "arn:aws:cloudfront::123456789012:key-value-store/0a1b2c3d-4e5f-6789-abcd-ef0123456789";

function startEmulator(moto: URL) {
  const data = new Map<string, string>();
  const hosts: string[] = [];
  let etag = 1;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    if (parts[0] !== "key-value-stores") {
      const upstream = request(
        { host: moto.hostname, port: moto.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      req.pipe(upstream);
      return;
    }
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      hosts.push(req.headers.host ?? "");
      const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { "Content-Type": "application/json", ...headers });
        res.end(JSON.stringify(payload));
      };
      if (parts[1] !== KVS_ARN)
        return send(404, { Message: "no store" }, { "x-amzn-errortype": "ResourceNotFoundException" });
      if (parts.length === 2)
        return send(
          200,
          { KvsARN: KVS_ARN, ItemCount: data.size, TotalSizeInBytes: 0 },
          { ETag: `E${etag}` },
        );
      const key = parts[3]!;
      if (req.method === "GET") {
        const value = data.get(key);
        if (value === undefined)
          return send(404, { Message: "no key" }, { "x-amzn-errortype": "ResourceNotFoundException" });
        return send(200, { Key: key, Value: value, ItemCount: data.size, TotalSizeInBytes: 0 });
      }
      if (req.headers["if-match"] !== `E${etag}`)
        return send(409, { Message: "ETag" }, { "x-amzn-errortype": "ConflictException" });
      data.set(key, JSON.parse(body).Value);
      etag++;
      return send(200, { ItemCount: data.size, TotalSizeInBytes: 0 }, { ETag: `E${etag}` });
    });
  });
  return { server, data, hosts };
}

const TOML = `
[general]
region = "ap-northeast-1"
project_name = "spa"
stages = ["dev"]

[s3]

[awscontainer]
dockerfile_path = "Dockerfile"

[awscontainer.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"

[awscontainer.secrets.managed]
SPA_TOKEN_SECRET = { type = "spa_token_secret" }

[cloudfront.main]
token_secret = "SPA_TOKEN_SECRET"
routes = [{ is_default = true, is_spa = true, require_token = true }]
`;

const emulator = startEmulator(new URL(inject("motoEndpoint")));
let port = 0;

beforeAll(async () => {
  await resetMoto();
  useMoto();
  await new Promise<void>((resolve) => emulator.server.listen(0, "127.0.0.1", resolve));
  port = (emulator.server.address() as AddressInfo).port;
  // Every service, the KVS data plane included, at one address: no service-specific variable.
  delete process.env.AWS_ENDPOINT_URL_CLOUDFRONT_KEYVALUESTORE;
  process.env.AWS_ENDPOINT_URL = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  useMoto();
  await new Promise<void>((resolve) => emulator.server.close(() => resolve()));
});

describe("the KeyValueStore behind an endpoint given as an IP address", () => {
  it("is written through AWS_ENDPOINT_URL=http://127.0.0.1:PORT, on that address and port", async () => {
    const config = loadInline(TOML);
    const run = runContext(config, {});
    const secrets = config.context.container!.secrets!;
    const secret = "ab".repeat(32);
    await managedSecretStore(run.aws(secrets.region), secrets, "dev", "spa").write({
      SPA_TOKEN_SECRET: secret,
    });
    const progress = { update: () => {}, log: () => {} };
    expect(await ensureTokenSecretInKvs(run, config.context.cloudfront!.main!, KVS_ARN, progress)).toBe(true);
    expect(emulator.data.get("token_secret")).toBe(secret);
    // The account id stays in front of the host, as the endpoint rules want; the name resolves
    // to the address given.
    expect(new Set(emulator.hosts)).toEqual(new Set([`123456789012.localhost:${port}`]));
  });
});
