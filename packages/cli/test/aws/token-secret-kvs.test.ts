import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runContext } from "../../src/engine/run-context.js";
import { ensureTokenSecretInKvs } from "../../src/resources/cloudfront/token-secret.js";
import { managedSecretStore } from "../../src/resources/secrets/store.js";
import { resetMoto, useMoto } from "../moto/moto.js";
import { loadInline } from "../templates/context.js";

// moto has no CloudFront KeyValueStore data plane, so this contract server stands in for it,
// with the REST shapes of the service's API reference: GET/PUT /key-value-stores/{arn}/keys/{key}
// and GET /key-value-stores/{arn}, an ETag on every read and If-Match required on writes.
// The secret itself lives in moto's Secrets Manager, as in a deploy.
const KVS_ARN = "arn:aws:cloudfront::123456789012:key-value-store/0a1b2c3d-4e5f-6789-abcd-ef0123456789";

interface Call {
  method: string;
  path: string;
  ifMatch?: string;
  authorization?: string;
}

function startKvsServer() {
  const data = new Map<string, string>();
  let etag = 1;
  const calls: Call[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://x");
      const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
      calls.push({
        method: req.method ?? "",
        path: url.pathname,
        ifMatch: req.headers["if-match"] as string | undefined,
        authorization: req.headers.authorization,
      });
      const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { "Content-Type": "application/json", ...headers });
        res.end(JSON.stringify(payload));
      };
      if (parts[0] !== "key-value-stores" || parts[1] !== KVS_ARN) {
        return send(404, { Message: "no such store" }, { "x-amzn-errortype": "ResourceNotFoundException" });
      }
      const key = parts[3];
      if (parts.length === 2 && req.method === "GET") {
        return send(
          200,
          { KvsARN: KVS_ARN, ItemCount: data.size, TotalSizeInBytes: 0, Status: "READY" },
          { ETag: `E${etag}` },
        );
      }
      if (parts[2] === "keys" && key && req.method === "GET") {
        const value = data.get(key);
        if (value === undefined) {
          return send(404, { Message: "key not found" }, { "x-amzn-errortype": "ResourceNotFoundException" });
        }
        return send(200, { Key: key, Value: value, ItemCount: data.size, TotalSizeInBytes: 0 });
      }
      if (parts[2] === "keys" && key && req.method === "PUT") {
        if (req.headers["if-match"] !== `E${etag}`) {
          return send(409, { Message: "ETag mismatch" }, { "x-amzn-errortype": "ConflictException" });
        }
        data.set(key, JSON.parse(body).Value);
        etag++;
        return send(200, { ItemCount: data.size, TotalSizeInBytes: 0 }, { ETag: `E${etag}` });
      }
      return send(400, { Message: "unsupported" }, { "x-amzn-errortype": "ValidationException" });
    });
  });
  return { server, calls, data };
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

const kvs = startKvsServer();
const progress = { update: () => {}, log: () => {} };

beforeAll(async () => {
  await resetMoto();
  useMoto();
  await new Promise<void>((resolve) => kvs.server.listen(0, "127.0.0.1", resolve));
  const { port } = kvs.server.address() as AddressInfo;
  process.env.AWS_ENDPOINT_URL_CLOUDFRONT_KEYVALUESTORE = `http://localhost:${port}`;
});
afterAll(async () => {
  delete process.env.AWS_ENDPOINT_URL_CLOUDFRONT_KEYVALUESTORE;
  await new Promise<void>((resolve) => kvs.server.close(() => resolve()));
});

describe("the SPA token secret in the CloudFront KeyValueStore", () => {
  const config = loadInline(TOML);
  const run = runContext(config, {});
  const cf = config.context.cloudfront!.main!;
  const secrets = config.context.container!.secrets!;
  const store = () => managedSecretStore(run.aws(secrets.region), secrets, "dev", "spa");

  it("copies the managed secret into the store, signed with SigV4A and guarded by the ETag", async () => {
    const secret = "ab".repeat(32);
    await store().write({ SPA_TOKEN_SECRET: secret });
    expect(await ensureTokenSecretInKvs(run, cf, KVS_ARN, progress)).toBe(true);
    expect(kvs.data.get("token_secret")).toBe(secret);
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
    expect(kvs.data.get("token_secret")).toBe("cd".repeat(32));
  });

  it("says what to do when the secret does not exist", async () => {
    await store().remove();
    await expect(ensureTokenSecretInKvs(run, cf, KVS_ARN, progress)).rejects.toThrow(
      "the managed secret SPA_TOKEN_SECRET does not exist yet.",
    );
  });
});
