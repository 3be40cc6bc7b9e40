import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pocketAsync, project } from "../cli/run.js";
import { motoEnv } from "../moto/moto.js";
import { djangoContainer, freshMoto, general, REGION } from "./harness.js";

// Issue 24, item 9: `pocket invoke` and `pocket django manage` when Lambda, or a proxy or load
// balancer in between, answers an HTML page or a 5xx: one error with the status and what to do,
// never the SDK's "Deserialization error: ... inspect the hidden field {error}.$response".
// packages/cli/src/aws/errors.ts (aws-bad-answer, aws-server-error) already gives it; these
// tests hold both commands to it.
const TOML = `${general("djm")}\n${djangoContainer({ management: [] })}`;
let dir: string;
let server: Server;
let url: string;

beforeAll(async () => {
  await freshMoto();
  dir = project(TOML, "djm");
  server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      if (req.url?.includes("dev-djm-pocket-wsgi")) {
        // Lambda's own failure: JSON with its error type, a 5xx.
        res.writeHead(500, { "content-type": "application/json", "x-amzn-errortype": "ServiceException" });
        res.end(JSON.stringify({ Type: "Service", message: "internal failure" }));
        return;
      }
      // A load balancer's page where Lambda's JSON was due.
      res.writeHead(502, { "content-type": "text/html" });
      res.end("<html><body><h1>502 Bad Gateway</h1></body></html>");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

const run = (args: string[]) =>
  pocketAsync(args, { cwd: dir, env: { ...motoEnv(REGION), AWS_ENDPOINT_URL_LAMBDA: url } });

function expectOneClearError(stderr: string, status: RegExp, next: string): void {
  expect(stderr).not.toMatch(/Deserialization error|\$response/);
  expect(stderr).toMatch(status);
  expect(stderr).toContain(next);
  // One error line, not a stack.
  expect(stderr.match(/^error/gm)).toHaveLength(1);
  expect(stderr).not.toMatch(/^\s+at /m);
}

describe("an answer that is not Lambda's", () => {
  it("pocket invoke: an HTML 502 from something in between names the status, the content type and the next step", async () => {
    const r = await run(["invoke", "management", "--stage", "dev"]);
    expect(r.status).toBe(1);
    expectOneClearError(
      r.stderr,
      /Lambda Invoke got an answer that is not in AWS's format \(.*HTTP 502, text\/html/,
      "Run the command again",
    );
  });

  it("pocket django manage: the same error", async () => {
    const r = await run(["django", "manage", "migrate", "--stage", "dev"]);
    expect(r.status).toBe(1);
    expectOneClearError(
      r.stderr,
      /HTTP 502, text\/html/,
      "Something between pocket and AWS answered instead",
    );
  });

  it("pocket invoke: Lambda's own 5xx says it failed on AWS's side, with the status", async () => {
    const r = await run(["invoke", "wsgi", "--stage", "dev"]);
    expect(r.status).toBe(1);
    expectOneClearError(
      r.stderr,
      /failed on AWS's side: HTTP 500 ServiceException/,
      "Run the command again in a minute",
    );
  });
});
