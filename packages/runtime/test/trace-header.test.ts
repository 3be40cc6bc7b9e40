import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { GetParametersCommand } from "@aws-sdk/client-ssm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Clients } from "../src/secrets.js";

/*
 * `tracing = true` (issue 26): with X-Ray active tracing, Lambda puts the invocation's trace id in
 * `_X_AMZN_TRACE_ID`; the runtime's AWS calls (secrets at cold start) carry it as the
 * X-Amzn-Trace-Id header, so they show in the trace. A plain HTTP server records what arrives.
 */
const TRACE = "Root=1-67891233-abcdef012345678912345678;Parent=53995c3f42cd8ad8;Sampled=1";
let seen: IncomingHttpHeaders[] = [];
const server = createServer((req, res) => {
  seen.push(req.headers);
  req.resume();
  req.on("end", () => {
    res.setHeader("content-type", "application/x-amz-json-1.1");
    res.end(JSON.stringify({ Parameters: [], InvalidParameters: [] }));
  });
});
const saved = { ...process.env };

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
    AWS_LAMBDA_FUNCTION_NAME: "dev-myapp-pocket-wsgi",
  });
});

afterAll(() => {
  server.close();
  process.env = saved;
});

async function call(): Promise<IncomingHttpHeaders> {
  seen = [];
  const ssm = await new Clients("ap-northeast-1").ssm();
  await ssm.send(new GetParametersCommand({ Names: ["/dev-myapp-pocket/x"] }));
  return seen[0]!;
}

describe("the runtime's AWS calls carry the invocation's trace header", () => {
  it("sends _X_AMZN_TRACE_ID as X-Amzn-Trace-Id inside a traced function", async () => {
    process.env._X_AMZN_TRACE_ID = TRACE;
    expect((await call())["x-amzn-trace-id"]).toBe(TRACE);
  });

  it("follows the trace id of each invocation (Lambda sets it anew every time)", async () => {
    const next = TRACE.replace("Parent=53995c3f42cd8ad8", "Parent=0000000000000001");
    process.env._X_AMZN_TRACE_ID = next;
    expect((await call())["x-amzn-trace-id"]).toBe(next);
  });

  it("sends none without a trace id (tracing off, or outside Lambda)", async () => {
    delete process.env._X_AMZN_TRACE_ID;
    expect((await call())["x-amzn-trace-id"]).toBeUndefined();
  });
});
