import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { awsClients } from "../../src/aws/clients.js";
import { explainAwsError } from "../../src/aws/errors.js";
import { bucketPut } from "../../src/aws/s3-put.js";
import { applySync } from "../../src/buckets/sync.js";
import { type Fault, type FaultProxy, type FaultRequest, startFaultProxy } from "../moto/fault-proxy.js";
import { freshMoto, REGION, s3 } from "./harness.js";

/*
 * The lean PUT of a sync (aws/s3-put.ts, docs/decisions.md#p7-front-end-upload) against moto,
 * through the fault proxy (test/moto/fault-proxy.ts), which records each request's headers and
 * spoils the answers a test chooses. moto checks no signature, so the signature is checked here
 * against botocore's own SigV4 for S3 (the Python SDK moto ships with).
 */
const BUCKET = "dev-leanput-pocket";
const ACCOUNT = "123456789012";
let proxy: FaultProxy;
let seen: FaultRequest[] = [];
/** The fault the n-th PUT (0-based) of a key gets; every other request passes. */
let putFault: (n: number) => Fault = () => "pass";

/**
 * awsClients caches one set of clients per region and profile, made from the environment of the
 * moment: each test that changes the environment takes a region of its own (moto serves any).
 */
const regions = [
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "eu-central-1",
  "eu-north-1",
  "us-west-1",
  "us-west-2",
  "us-east-2",
  "ap-southeast-1",
  "ap-southeast-2",
  "ap-south-1",
  "sa-east-1",
  "ca-central-1",
  "ap-northeast-2",
];
let nextRegion = 0;
/** The environment after freshMoto, given back after each test. */
let saved: NodeJS.ProcessEnv = {};
const freshClients = (env: Record<string, string | undefined>, profile?: string) => {
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  const region = regions[nextRegion++];
  if (!region) throw new Error("add a region to the list: one per test");
  return awsClients(region, profile ? { profile } : {});
};
const noWait = { sleep: async () => {} };

beforeAll(async () => {
  await freshMoto({ cli: false });
  saved = { ...process.env };
  await s3().send(
    new CreateBucketCommand({ Bucket: BUCKET, CreateBucketConfiguration: { LocationConstraint: REGION } }),
  );
  proxy = await startFaultProxy(inject("motoEndpoint"));
  const puts = new Map<string, number>();
  proxy.rule = (req) => {
    seen.push(req);
    if (req.method !== "PUT") return "pass";
    const n = puts.get(req.path) ?? 0;
    puts.set(req.path, n + 1);
    return putFault(n);
  };
});
afterAll(() => proxy.close());
afterEach(() => {
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
  Object.assign(process.env, saved);
  seen = [];
  putFault = () => "pass";
});

const putsSeen = () => seen.filter((r) => r.method === "PUT");
const body = (text: string) => new TextEncoder().encode(text);
const object = async (key: string) => {
  const head = await s3().send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
  const got = await s3().send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return {
    type: head.ContentType,
    cache: head.CacheControl,
    metadata: head.Metadata,
    etag: head.ETag,
    text: await got.Body!.transformToString(),
  };
};

describe("the lean S3 PUT", () => {
  it("stores the object, its type, cache header and metadata as the SDK's PutObject does", async () => {
    const clients = freshClients({ AWS_ENDPOINT_URL: proxy.url });
    const put = (await bucketPut(clients, BUCKET))!;
    const fields = {
      contentType: "text/html; charset=utf-8",
      cacheControl: "no-cache",
      metadata: { "pocket-release": "20261207-160000-abcdef" },
    };
    expect(await put({ key: "lean/a b(1)/index.html", body: body("<h1>hi</h1>"), ...fields })).toEqual({
      attempts: 1,
    });
    await s3().send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: "sdk/a b(1)/index.html",
        Body: "<h1>hi</h1>",
        ContentType: fields.contentType,
        CacheControl: fields.cacheControl,
        Metadata: fields.metadata,
      }),
    );
    const lean = await object("lean/a b(1)/index.html");
    expect(lean).toEqual(await object("sdk/a b(1)/index.html"));
    expect(lean.etag).toBe(`"${createHash("md5").update("<h1>hi</h1>").digest("hex")}"`);

    const [request] = putsSeen();
    expect(request!.path).toBe(`/${BUCKET}/lean/a%20b%281%29/index.html?x-id=PutObject`);
    expect(request!.headers).toMatchObject({
      "content-md5": createHash("md5").update("<h1>hi</h1>").digest("base64"),
      "x-amz-content-sha256": createHash("sha256").update("<h1>hi</h1>").digest("hex"),
      "x-amz-expected-bucket-owner": ACCOUNT,
      "x-amz-security-token": "testing",
    });
    expect(request!.headers.authorization).toMatch(
      new RegExp(`^AWS4-HMAC-SHA256 Credential=testing/\\d{8}/${clients.region}/s3/aws4_request, `),
    );
    expect(botocoreSignature(request!, "<h1>hi</h1>", clients.region)).toBe(signatureOf(request!));
  });

  it("carries a sync's uploads without the SDK (no SDK invocation header on any PUT)", async () => {
    const clients = freshClients({ AWS_ENDPOINT_URL: proxy.url });
    const dir = mkdtempSync(join(tmpdir(), "pocket-lean-put-"));
    writeFileSync(join(dir, "app.0123456789ab.js"), "console.log(1)");
    const target = { bucket: BUCKET, prefix: "synced" };
    await applySync(
      clients,
      target,
      [
        {
          kind: "upload",
          key: "synced/app.0123456789ab.js",
          file: join(dir, "app.0123456789ab.js"),
          reason: "new",
        },
      ],
      () => {},
    );
    expect(putsSeen()).toHaveLength(1);
    expect(putsSeen()[0]!.headers["amz-sdk-invocation-id"]).toBeUndefined();
    expect(await object("synced/app.0123456789ab.js")).toMatchObject({
      type: "text/javascript; charset=utf-8",
      cache: "public, max-age=31536000, immutable",
      text: "console.log(1)",
    });
  });

  it.each([
    ["SlowDown (503)", "throttle"],
    ["an answer lost on a cut connection", "cut-answer"],
    ["a connection cut halfway through the answer", "cut"],
    ["AWS's 500", "server-error"],
  ] as const)("tries again after %s, and says it needed retries", async (_what, fault) => {
    const clients = freshClients({ AWS_ENDPOINT_URL: proxy.url });
    const put = (await bucketPut(clients, BUCKET, noWait))!;
    putFault = (n) => (n === 0 ? fault : "pass");
    const key = `retried/${fault}.txt`;
    expect(await put({ key, body: body(`after ${fault}`), contentType: "text/plain" })).toEqual({
      attempts: 2,
    });
    expect(putsSeen()).toHaveLength(2);
    expect((await object(key)).text).toBe(`after ${fault}`);
  });

  it.each([
    ["throttle", "aws-throttled", /AWS kept throttling S3 PutObject/],
    [
      "server-error",
      "aws-server-error",
      /S3 PutObject failed on AWS's side: HTTP 500 InternalError \(http:\/\/127\.0\.0\.1:\d+, after 3 attempts\)/,
    ],
    [
      "html",
      "aws-bad-answer",
      /S3 PutObject got an answer that is not in AWS's format \(http:\/\/127\.0\.0\.1:\d+, HTTP 503, text\/html, after 3 attempts\)/,
    ],
    [
      "cut-answer",
      "aws-unreachable",
      /S3 PutObject at http:\/\/127\.0\.0\.1:\d+: the connection closed before the answer \(after 3 attempts\)/,
    ],
  ] as const)(
    "every answer %s: gives up after AWS_MAX_ATTEMPTS with the error the SDK's would give",
    async (fault, code, message) => {
      const clients = freshClients({ AWS_ENDPOINT_URL: proxy.url, AWS_MAX_ATTEMPTS: "3" });
      const put = (await bucketPut(clients, BUCKET, noWait))!;
      putFault = () => fault;
      const error = await put({
        key: `failed/${fault}.txt`,
        body: body("x"),
        contentType: "text/plain",
      }).catch((e: unknown) => e);
      expect(putsSeen()).toHaveLength(3);
      const explained = explainAwsError(error, clients.region);
      expect(explained?.code).toBe(code);
      expect(explained?.message).toMatch(message);
    },
  );

  it("signs with the credentials of a profile", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pocket-lean-put-profile-"));
    writeFileSync(
      join(dir, "credentials"),
      "[other]\naws_access_key_id = AKIAPROFILEEXAMPLE\naws_secret_access_key = profile-secret\n",
    );
    const clients = freshClients(
      {
        AWS_ENDPOINT_URL: proxy.url,
        AWS_SHARED_CREDENTIALS_FILE: join(dir, "credentials"),
        AWS_CONFIG_FILE: join(dir, "config"),
        AWS_ACCESS_KEY_ID: undefined,
        AWS_SECRET_ACCESS_KEY: undefined,
        AWS_SESSION_TOKEN: undefined,
      },
      "other",
    );
    const put = (await bucketPut(clients, BUCKET))!;
    await put({ key: "profile.txt", body: body("from a profile"), contentType: "text/plain" });
    const [request] = putsSeen();
    expect(request!.headers.authorization).toContain("Credential=AKIAPROFILEEXAMPLE/");
    expect(request!.headers["x-amz-security-token"]).toBeUndefined();
    expect(
      botocoreSignature(request!, "from a profile", clients.region, "AKIAPROFILEEXAMPLE", "profile-secret"),
    ).toBe(signatureOf(request!));
  });

  it("signs with the credentials of the environment", async () => {
    const clients = freshClients({
      AWS_ENDPOINT_URL: proxy.url,
      AWS_ACCESS_KEY_ID: "AKIAENVEXAMPLE",
      AWS_SECRET_ACCESS_KEY: "env-secret",
      AWS_SESSION_TOKEN: undefined,
    });
    const put = (await bucketPut(clients, BUCKET))!;
    await put({ key: "env.txt", body: body("from the environment"), contentType: "text/plain" });
    const [request] = putsSeen();
    expect(request!.headers.authorization).toContain("Credential=AKIAENVEXAMPLE/");
    expect(
      botocoreSignature(request!, "from the environment", clients.region, "AKIAENVEXAMPLE", "env-secret"),
    ).toBe(signatureOf(request!));
  });

  it("goes where the S3 client goes: AWS_ENDPOINT_URL_S3 over AWS_ENDPOINT_URL", async () => {
    const clients = freshClients({
      AWS_ENDPOINT_URL: inject("motoEndpoint"),
      AWS_ENDPOINT_URL_S3: proxy.url,
    });
    const put = (await bucketPut(clients, BUCKET))!;
    await put({ key: "endpoint.txt", body: body("via the S3 endpoint"), contentType: "text/plain" });
    // Only the PUT went through the proxy: STS was asked at AWS_ENDPOINT_URL.
    expect(seen.map((r) => `${r.method} ${r.path}`)).toEqual([`PUT /${BUCKET}/endpoint.txt?x-id=PutObject`]);
    expect((await object("endpoint.txt")).text).toBe("via the S3 endpoint");
  });
});

describe("the lean S3 PUT's clock", () => {
  it("corrects a clock S3 finds skewed (RequestTimeTooSkewed) and signs the retry with S3's time", async () => {
    // moto checks no time: a local server answers as S3 does to a request signed an hour off.
    const hourAhead = new Date(Date.now() + 3_600_000);
    const dates: string[] = [];
    const server = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        dates.push(String(req.headers["x-amz-date"]));
        if (dates.length > 1) return res.writeHead(200).end();
        res.writeHead(403, { "content-type": "application/xml", date: hourAhead.toUTCString() });
        res.end(
          "<Error><Code>RequestTimeTooSkewed</Code><Message>The difference between the request time and the current time is too large.</Message></Error>",
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const clients = freshClients({
        AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      });
      const put = (await bucketPut(clients, BUCKET, noWait))!;
      expect(await put({ key: "skewed.txt", body: body("x"), contentType: "text/plain" })).toEqual({
        attempts: 2,
      });
      const signedAt = (d: string) =>
        Date.parse(d.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, "$1-$2-$3T$4:$5:$6Z"));
      expect(Math.abs(signedAt(dates[0]!) - Date.now())).toBeLessThan(600_000);
      expect(Math.abs(signedAt(dates[1]!) - hourAhead.getTime())).toBeLessThan(600_000);
    } finally {
      server.close();
    }
  });
});

const signatureOf = (request: FaultRequest) =>
  /Signature=([0-9a-f]{64})/.exec(request.headers.authorization!)![1];

/**
 * The signature botocore computes for the request as it arrived (its signed headers, its body),
 * at the time it names: an implementation of SigV4 for S3 other than the one that signed it.
 */
function botocoreSignature(
  request: FaultRequest,
  payload: string,
  region: string,
  key = "testing",
  secret = "testing",
): string {
  const signedHeaders = /SignedHeaders=([^,]+)/.exec(request.headers.authorization!)![1]!.split(";");
  const headers = Object.fromEntries(signedHeaders.map((h) => [h, String(request.headers[h])]));
  const script = `
import json, sys
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
r = json.load(sys.stdin)
req = AWSRequest(method="PUT", url="http://" + r["headers"]["host"] + r["path"], data=r["payload"].encode(), headers=r["headers"])
auth = S3SigV4Auth(Credentials(r["key"], r["secret"], r["headers"].get("x-amz-security-token")), "s3", r["region"])
req.context["timestamp"] = r["headers"]["x-amz-date"]
canonical = auth.canonical_request(req)
print(auth.signature(auth.string_to_sign(req, canonical), req))
`;
  return execFileSync("python3", ["-c", script], {
    input: JSON.stringify({ path: request.path, headers, payload, region, key, secret }),
    encoding: "utf8",
  }).trim();
}
