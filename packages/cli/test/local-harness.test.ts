import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  HandlerError,
  type HandlerProcess,
  httpEvent,
  localEnvironment,
  placeholderId,
  queueArn,
  sqsEvent,
  startHandlerProcess,
  withPlaceholders,
} from "../src/local/index.js";
import { loadInline } from "./templates/context.js";

const started: HandlerProcess[] = [];
afterAll(async () => {
  for (const p of started) await p.stop();
});

describe("events", () => {
  it("builds an HTTP API 2.0 event with query, lower-cased headers, cookies and a base64 binary body", () => {
    const e = httpEvent({
      method: "post",
      path: "/caf%C3%A9/",
      query: { a: "1", b: ["2", "3"] },
      headers: { "Content-Type": "application/octet-stream", "X-A": "1" },
      cookies: ["csrftoken=abc", "sessionid=xyz"],
      body: new Uint8Array([0, 255]),
      host: "abc1234567.execute-api.ap-northeast-1.amazonaws.com",
      time: new Date(Date.UTC(2020, 2, 12, 19, 3, 58)),
    });
    expect(e).toMatchObject({
      version: "2.0",
      routeKey: "$default",
      rawPath: "/caf%C3%A9/",
      rawQueryString: "a=1&b=2&b=3",
      queryStringParameters: { a: "1", b: "2,3" },
      cookies: ["csrftoken=abc", "sessionid=xyz"],
      body: "AP8=",
      isBase64Encoded: true,
      requestContext: {
        apiId: "abc1234567",
        domainName: "abc1234567.execute-api.ap-northeast-1.amazonaws.com",
        http: { method: "POST", path: "/caf%C3%A9/" },
        stage: "$default",
        time: "12/Mar/2020:19:03:58 +0000",
      },
    });
    expect(e.headers).toMatchObject({
      "content-type": "application/octet-stream",
      "x-a": "1",
      host: "abc1234567.execute-api.ap-northeast-1.amazonaws.com",
      "content-length": "2",
      "x-forwarded-proto": "https",
    });
    const get = httpEvent({ path: "/", body: "a=1", query: "x=%20" });
    expect(get).toMatchObject({ body: "a=1", isBase64Encoded: false, rawQueryString: "x=%20" });
    expect(get.queryStringParameters).toEqual({ x: " " });
    expect(get).not.toHaveProperty("cookies");
  });

  it("builds SQS records whose eventSourceARN names the queue of a URL", () => {
    const url = "https://sqs.ap-northeast-1.amazonaws.com/111122223333/dev-app-pocket-worker";
    expect(queueArn(url)).toBe("arn:aws:sqs:ap-northeast-1:111122223333:dev-app-pocket-worker");
    expect(queueArn("q", { region: "eu-west-1" })).toBe("arn:aws:sqs:eu-west-1:123456789012:q");
    const e = sqsEvent(url, [{ command: "migrate" }, "clearsessions"]);
    expect(e.Records.map((r) => r.body)).toEqual(['{"command":"migrate"}', "clearsessions"]);
    expect(e.Records[0]).toMatchObject({
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:ap-northeast-1:111122223333:dev-app-pocket-worker",
      awsRegion: "ap-northeast-1",
      md5OfBody: createHash("md5").update('{"command":"migrate"}').digest("hex"),
    });
    expect(new Set(e.Records.map((r) => r.messageId)).size).toBe(2);
  });
});

describe("environment", () => {
  it("replaces references an emulator left unresolved with stable placeholders", () => {
    const env = withPlaceholders({
      POCKET_WSGI_HOST: "${WsgiApi}.execute-api.ap-northeast-1.amazonaws.com",
      POCKET_HOSTS: "${WsgiApi}.execute-api.ap-northeast-1.amazonaws.com",
      POCKET_STAGE: "dev",
    });
    const id = placeholderId("WsgiApi");
    expect(id).toMatch(/^[0-9a-f]{10}$/);
    expect(env.placeholders).toEqual({ WsgiApi: id });
    expect(env.variables.POCKET_WSGI_HOST).toBe(`${id}.execute-api.ap-northeast-1.amazonaws.com`);
    expect(env.variables.POCKET_STAGE).toBe("dev");
  });

  it("assembles a stage's environment locally, with real queue URLs and placeholders for the rest", () => {
    const ctx = loadInline(`
[general]
region = "ap-northeast-1"
project_name = "myapp"
stages = ["dev"]

[ses]
from_email = "a@example.com"

[awscontainer]
dockerfile_path = "Dockerfile"

[awscontainer.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"
apigateway = {}

[awscontainer.handlers.worker]
command = "pocket.django.lambda_handlers.sqs_management_command_handler"
sqs = {}
`).context;
    const env = localEnvironment(ctx, { accountId: "111122223333" });
    const api = placeholderId("WsgiApi");
    expect(env.variables).toMatchObject({
      POCKET_STAGE: "dev",
      POCKET_WSGI_HOST: `${api}.execute-api.ap-northeast-1.amazonaws.com`,
      POCKET_WSGI_ENDPOINT: `https://${api}.execute-api.ap-northeast-1.amazonaws.com`,
      POCKET_HOSTS: `${api}.execute-api.ap-northeast-1.amazonaws.com`,
      POCKET_WORKER_QUEUEURL: "https://sqs.ap-northeast-1.amazonaws.com/111122223333/dev-myapp-pocket-worker",
      POCKET_WORKER_REPORT_BATCH_ITEM_FAILURES: "true",
      POCKET_SES_FROM_EMAIL: "a@example.com",
    });
    expect(env.placeholders).toEqual({ WsgiApi: api });
    for (const v of Object.values(env.variables)) expect(typeof v).toBe("string");
    const known = localEnvironment(ctx, { refs: { WsgiApi: "localhost:8000" } });
    expect(known.variables.POCKET_WSGI_HOST).toBe("localhost:8000.execute-api.ap-northeast-1.amazonaws.com");
    expect(known.placeholders).toEqual({});
  });
});

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "pocket-harness-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

async function start(options: Parameters<typeof startHandlerProcess>[0]): Promise<HandlerProcess> {
  const p = await startHandlerProcess(options);
  started.push(p);
  return p;
}

describe("handler processes", () => {
  it("hosts a Python handler: one INIT, the exact environment, prints kept out of the replies", async () => {
    const cwd = folder({
      "app.py": `import os\nCOUNT = {"init": 0}\nCOUNT["init"] += 1\ndef handler(event, context):\n    print("log line")\n    if event.get("fail"):\n        raise ValueError("boom")\n    return {"env": os.environ.get("GREETING"), "leak": os.environ.get("NOT_PASSED"), "inits": COUNT["init"], "name": context.function_name, "left": context.get_remaining_time_in_millis() > 0, "echo": event}\n`,
    });
    process.env.NOT_PASSED = "x";
    const p = await start({
      runtime: "python",
      handler: "app.handler",
      env: { GREETING: "hi" },
      cwd,
      functionName: "dev-app-web",
    });
    const [a, b] = await Promise.all([p.invoke({ n: 1 }), p.invoke({ n: 2 })]);
    expect(a).toEqual({ env: "hi", leak: null, inits: 1, name: "dev-app-web", left: true, echo: { n: 1 } });
    expect(b).toMatchObject({ inits: 1, echo: { n: 2 } });
    const failed = await p.invoke({ fail: true }).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(HandlerError);
    expect((failed as HandlerError).failure).toMatchObject({ errorType: "ValueError", errorMessage: "boom" });
    expect(await p.invoke({ n: 3 })).toMatchObject({ echo: { n: 3 } });
    expect(p.logs()).toContain("log line");
  });

  it("hosts a Node handler (async and callback styles)", async () => {
    const cwd = folder({
      "app.mjs": `export const web = async (event, context) => { console.log("noise"); return { got: event.x, env: process.env.GREETING, fn: context.functionName }; };\nexport const cb = (event, context, callback) => { setTimeout(() => callback(null, event.x * 2), 5); };\nexport const bad = async () => { throw new TypeError("nope"); };\n`,
    });
    const web = await start({ runtime: "node", handler: "app.web", env: { GREETING: "hey" }, cwd });
    expect(await web.invoke({ x: 1 })).toEqual({ got: 1, env: "hey", fn: "app.web" });
    expect(web.logs()).toContain("noise");
    const cb = await start({ runtime: "node", handler: "app.cb", env: {}, cwd });
    expect(await cb.invoke({ x: 21 })).toBe(42);
    const bad = await start({ runtime: "node", handler: "app.bad", env: {}, cwd });
    await expect(bad.invoke({})).rejects.toThrow("app.bad raised TypeError: nope");
  });

  it("reports an INIT failure with the log, and ends a handler that runs past its timeout", async () => {
    const cwd = folder({
      "broken.py": "import sys\nprint('starting', file=sys.stderr)\nimport no_such_module\n",
      "slow.py": "import time\ndef handler(event, context):\n    time.sleep(5)\n",
    });
    await expect(
      startHandlerProcess({ runtime: "python", handler: "broken.handler", env: {}, cwd }),
    ).rejects.toThrow(
      /broken\.handler failed at import \(INIT\): ModuleNotFoundError: No module named 'no_such_module'[\s\S]*starting/,
    );
    const slow = await start({ runtime: "python", handler: "slow.handler", env: {}, cwd, timeoutSeconds: 1 });
    await expect(slow.invoke({})).rejects.toThrow("slow.handler did not finish within 1 s.");
    await expect(slow.invoke({})).rejects.toThrow(/process ended/);
  });
});
