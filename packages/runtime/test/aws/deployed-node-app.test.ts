import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  GetFunctionConfigurationCommand,
  LambdaClient,
  ListEventSourceMappingsCommand,
  UpdateEventSourceMappingCommand,
} from "@aws-sdk/client-lambda";
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { beforeAll, describe, expect, it } from "vitest";
import { freshMoto } from "../../../cli/test/aws/harness.js";
import { pocket, project, repoRoot } from "../../../cli/test/cli/run.js";
import { motoEnv, putTestImage } from "../../../cli/test/moto/moto.js";
import { apiEvent } from "../fixtures.js";

// A Node app deployed with `pocket deploy --image` against moto; its handlers then run in a fresh
// Node process given exactly the environment the deploy gave each Lambda function (plus what
// Lambda itself adds: region and credentials), on the built runtime package, as in the image.
// The stage has a CloudFront distribution with origin verification (moto's stand-in, see
// packages/cli/test/moto/server.py), so its domain and the origin-verify secret reach the app too.
const REGION = "ap-northeast-1";
const TOML = `
[general]
region = "${REGION}"
project_name = "nodeapp"
stages = ["dev", "prd"]

[s3]

[awscontainer]
dockerfile_path = "pocket.Dockerfile"

[awscontainer.envs]
GREETING = "hello"

[awscontainer.handlers.web]
command = "app.web"
apigateway = {}

[awscontainer.handlers.worker]
command = "app.worker"
sqs = {}

[awscontainer.handlers.management]
command = "app.management"
timeout = 600

[awscontainer.secrets.managed]
SECRET_KEY = { type = "password", options = { length = 40 } }
SPA_TOKEN_SECRET = { type = "spa_token_secret" }

[awscontainer.secrets.user]
API_KEY = { name = "shared/node-api-key", store = "sm" }
PARTNER_TOKEN = { name = "/shared/partner-token", store = "ssm" }

[cloudfront.main]
enable_origin_verify = true
routes = [
  { is_default = true, is_spa = true },
  { path_pattern = "/api/*", type = "api", handler = "web" },
]
`;

// The app module the image would hold; it imports the runtime as built for npm.
const APP = `
import ${JSON.stringify(pathToFileURL(join(repoRoot, "packages/runtime/dist/env-entry.js")).href)};
import { envLoaded, enqueue, generateToken, httpHandler, sqsHandler, taskHandler, verifyToken } from ${JSON.stringify(
  pathToFileURL(join(repoRoot, "packages/runtime/dist/index.js")).href,
)};
export const web = httpHandler(async (req) => {
  if (new URL(req.url).pathname === "/api/origin") return Response.json({ verified: true });
  const url = new URL(req.url);
  if (url.pathname === "/enqueue") return Response.json({ id: await enqueue("worker", { n: 1 }) });
  const token = generateToken("u1", { maxAge: 60 });
  return Response.json({
    host: url.host,
    greeting: process.env.GREETING,
    secretKeyLength: process.env.SECRET_KEY?.length,
    apiKey: process.env.API_KEY,
    partner: process.env.PARTNER_TOKEN,
    allowedHosts: process.env.ALLOWED_HOSTS,
    tokenOk: verifyToken(token) === "u1",
    entryLoaded: envLoaded(),
  });
});
export const guarded = httpHandler(() => Response.json({ verified: true }), { verifyOrigin: true });
export const worker = sqsHandler((body) => { if (body.fail) throw new Error("record failed"); }, { logError() {} });
export const management = taskHandler({ ping: (args) => "pong " + args.join(" ") });
`;

const RUNNER = `
// Lambda sends console output to the log; here stdout carries only the handler's result.
console.log = console.error;
const [file, name, event] = process.argv.slice(1); // -e: no script path in argv
const mod = await import(file);
try {
  process.stdout.write(JSON.stringify({ ok: await mod[name](JSON.parse(event), {}) }));
} catch (e) {
  process.stdout.write(JSON.stringify({ error: String(e && e.message) }));
}
`;

let dir: string;
const functionEnv = new Map<string, Record<string, string>>();

/** Runs one handler the way Lambda would: a Node process with the function's environment. */
function invoke(handler: string, event: unknown): { ok?: unknown; error?: string } {
  const moto = motoEnv(REGION);
  const env = {
    PATH: process.env.PATH ?? "",
    ...functionEnv.get(handler === "guarded" ? "web" : handler),
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: moto.AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: moto.AWS_SECRET_ACCESS_KEY,
    AWS_SESSION_TOKEN: moto.AWS_SESSION_TOKEN,
    AWS_ENDPOINT_URL: moto.AWS_ENDPOINT_URL,
  };
  const r = spawnSync(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      RUNNER,
      pathToFileURL(join(dir, "app.mjs")).href,
      handler,
      JSON.stringify(event),
    ],
    { cwd: dir, env, encoding: "utf8" },
  );
  if (r.status !== 0) throw new Error(`handler process failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

// The API's own domain, as API Gateway sends it (moto leaves the deploy's POCKET_WEB_HOST
// unresolved, so the event does not take it from there).
const API_HOST = "abc123.execute-api.ap-northeast-1.amazonaws.com";

function httpEvent(path: string, headers: Record<string, string> = {}) {
  return apiEvent("GET", path, { headers, domainName: API_HOST });
}

/** The header CloudFront adds to requests for the API (the first stored origin-verify value). */
async function throughCloudFront(): Promise<Record<string, string>> {
  const doc = JSON.parse(functionEnv.get("web")!.POCKET_SECRETS!);
  const stored = JSON.parse(
    (
      await new SecretsManagerClient({ region: REGION }).send(
        new GetSecretValueCommand({ SecretId: doc.key }),
      )
    ).SecretString!,
  );
  return { "x-pocket-origin-verify": stored.dev.nodeapp.POCKET_ORIGIN_VERIFY_SECRET.split(",")[0] };
}

beforeAll(async () => {
  await freshMoto(); // its CLI build also builds packages/runtime/dist
  await new SecretsManagerClient({ region: REGION }).send(
    new CreateSecretCommand({ Name: "shared/node-api-key", SecretString: "api-key-value" }),
  );
  await new SSMClient({ region: REGION }).send(
    new PutParameterCommand({ Name: "/shared/partner-token", Value: "partner-value", Type: "SecureString" }),
  );
  const image = await putTestImage("dev-nodeapp-pocket-lambda", "dev", REGION);
  dir = project(TOML, "nodeapp");
  writeFileSync(join(dir, "app.mjs"), APP);
  const r = pocket(["deploy", "--stage", "dev", "--image", image], { cwd: dir, env: motoEnv(REGION) });
  expect(r.status, r.stderr).toBe(0);
  const lambda = new LambdaClient({ region: REGION });
  for (const handler of ["web", "worker", "management"]) {
    const config = await lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: `dev-nodeapp-pocket-${handler}` }),
    );
    functionEnv.set(handler, config.Environment!.Variables!);
  }
  // This test plays Lambda's part for the worker; moto would otherwise try to run the function
  // (in Docker) on every message sent to its queue.
  const mappings = await lambda.send(
    new ListEventSourceMappingsCommand({ FunctionName: "dev-nodeapp-pocket-worker" }),
  );
  for (const m of mappings.EventSourceMappings ?? []) {
    await lambda.send(new UpdateEventSourceMappingCommand({ UUID: m.UUID!, Enabled: false }));
  }
}, 180_000);

describe("a deployed Node app's handlers, in the deployed functions' environment", () => {
  it("every function gets the same environment", () => {
    expect(functionEnv.get("worker")).toEqual(functionEnv.get("web"));
    expect(functionEnv.get("management")).toEqual(functionEnv.get("web"));
  });

  it("web: managed secrets (SM), user secrets (SM and SSM), hosts and envs reach the app", async () => {
    // The stage verifies its origin: httpHandler refuses a direct call without being asked to.
    const direct = invoke("web", httpEvent("/")) as { ok: { statusCode: number } };
    expect(direct.ok.statusCode).toBe(403);
    const out = invoke("web", httpEvent("/", await throughCloudFront())) as {
      ok: { statusCode: number; body: string };
    };
    expect(out.ok.statusCode).toBe(200);
    const body = JSON.parse(out.ok.body);
    expect(body).toEqual({
      host: API_HOST,
      greeting: "hello",
      secretKeyLength: 40,
      apiKey: "api-key-value",
      partner: "partner-value",
      // API Gateway's host, then the distribution's domain.
      allowedHosts: `${functionEnv.get("web")!.POCKET_HOSTS},${functionEnv.get("web")!.POCKET_CLOUDFRONT_MAIN_DOMAIN}`,
      tokenOk: true,
      // The side-effect entry and the main entry share one load (one chunk in dist/).
      entryLoaded: true,
    });
  });

  it("web -> enqueue -> the worker's queue; the worker reports only the failing record", async () => {
    const sent = invoke("web", httpEvent("/enqueue", await throughCloudFront())) as { ok: { body: string } };
    expect(sent.ok, JSON.stringify(sent)).toBeDefined();
    expect(JSON.parse(sent.ok.body).id).toMatch(/\S/);
    const url = functionEnv.get("worker")!.POCKET_WORKER_QUEUEURL!;
    // The deploy recorded the queue's AWS URL; moto answers on its own endpoint.
    const sqs = new SQSClient({ region: REGION, useQueueUrlAsEndpoint: false });
    const message = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1 })))
      .Messages![0]!;
    expect(JSON.parse(message.Body!)).toEqual({ n: 1 });
    const arn = `arn:aws:sqs:${REGION}:123456789012:${url.split("/").at(-1)}`;
    const batch = {
      Records: [
        { messageId: message.MessageId, body: message.Body, eventSource: "aws:sqs", eventSourceARN: arn },
        { messageId: "bad", body: '{"fail":true}', eventSource: "aws:sqs", eventSourceARN: arn },
      ],
    };
    expect(invoke("worker", batch)).toEqual({ ok: { batchItemFailures: [{ itemIdentifier: "bad" }] } });
  });

  it("origin verification: the managed secret reaches the app, only CloudFront's header passes", async () => {
    const doc = JSON.parse(functionEnv.get("web")!.POCKET_SECRETS!);
    expect(doc.managed.POCKET_ORIGIN_VERIFY_SECRET).toEqual({
      type: "origin_verify",
      env: "POCKET_ORIGIN_VERIFY_SECRET",
    });
    const stored = JSON.parse(
      (
        await new SecretsManagerClient({ region: REGION }).send(
          new GetSecretValueCommand({ SecretId: doc.key }),
        )
      ).SecretString!,
    );
    const header = stored.dev.nodeapp.POCKET_ORIGIN_VERIFY_SECRET.split(",")[0];
    expect(header).toMatch(/^[0-9a-f]{64}$/);
    const direct = invoke("guarded", httpEvent("/api/origin")) as { ok: { statusCode: number } };
    expect(direct.ok.statusCode).toBe(403);
    const viaCloudFront = invoke(
      "guarded",
      httpEvent("/api/origin", { "x-pocket-origin-verify": header, "x-forwarded-host": "www.example.com" }),
    ) as { ok: { statusCode: number; body: string } };
    expect(viaCloudFront.ok.statusCode).toBe(200);
  });

  it("management: a task runs with its exit code and output", () => {
    expect(invoke("management", { command: "ping", args: ["a", "b"] })).toEqual({
      ok: { exitCode: 0, output: "pong a b\n" },
    });
  });
});
