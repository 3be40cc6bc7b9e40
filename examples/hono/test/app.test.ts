import { createHash } from "node:crypto";
import { join } from "node:path";
import { loadConfig } from "@magic-pocket/config";
import { COOKIE_NAME, resetEnvLoaded, type SqsRecord, verifyToken } from "@magic-pocket/runtime";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { apiEvent } from "../../../packages/runtime/test/fixtures.js";
import { management, sent, web, worker } from "../src/index.js";

const SECRET = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const saved = { ...process.env };

beforeAll(() => {
  // The environment the deploy gives the functions, minus secrets: loadEnv() has nothing to read.
  resetEnvLoaded();
  process.env.POCKET_STAGE = "dev";
  process.env.POCKET_REGION = "ap-northeast-1";
  delete process.env.POCKET_SECRETS;
  delete process.env.POCKET_RDS_SECRET_ARN;
  process.env.API_TOKEN = "t0ken-from-secrets";
  process.env.SPA_TOKEN_SECRET = SECRET;
});
afterAll(() => {
  process.env = { ...saved };
});

describe("the example's pocket.toml", () => {
  it("validates for every stage", () => {
    for (const stage of ["dev", "prd"]) {
      const r = loadConfig({ cwd: join(import.meta.dirname, ".."), stage, env: {} });
      expect(r.ok, r.ok ? "" : JSON.stringify(r.diagnostics, null, 2)).toBe(true);
    }
  });
});

describe("web through API Gateway v2 events", () => {
  it("serves the page with the query string", async () => {
    const out = await web(apiEvent("GET", "/", { query: "name=%3Cpocket%3E&x=1" }));
    expect(out.statusCode).toBe(200);
    expect(out.headers["content-type"]).toBe("text/html; charset=UTF-8");
    expect(out.body).toContain("<h1>Hello, &#60;pocket&#62;!</h1>");
  });

  it("the JSON API needs the secret and filters by repeated query keys", async () => {
    expect((await web(apiEvent("GET", "/api/items"))).statusCode).toBe(401);
    const wrong = { authorization: "Bearer nope" };
    expect((await web(apiEvent("GET", "/api/items", { headers: wrong }))).statusCode).toBe(401);
    const out = await web(
      apiEvent("GET", "/api/items", {
        query: "tag=camping&tag=kitchen",
        headers: { authorization: "Bearer t0ken-from-secrets" },
      }),
    );
    expect(out.statusCode).toBe(200);
    expect(JSON.parse(out.body).items.map((i: { id: number }) => i.id)).toEqual([2, 3]);
  });

  it("reads a base64 body byte for byte", async () => {
    const bytes = Buffer.from([0, 1, 2, 253, 254, 255, 0x89, 0x50]);
    const out = await web(
      apiEvent("POST", "/api/upload", { body: bytes, headers: { "content-type": "image/png" } }),
    );
    expect(JSON.parse(out.body)).toEqual({
      bytes: 8,
      sha256: createHash("sha256").update(bytes).digest("hex"),
      type: "image/png",
    });
  });

  it("returns a binary response base64-encoded", async () => {
    const out = await web(apiEvent("GET", "/api/pixel.png"));
    expect(out.isBase64Encoded).toBe(true);
    expect(out.headers["content-type"]).toBe("image/png");
    expect(Buffer.from(out.body, "base64").subarray(0, 8)).toEqual(
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    );
  });

  it("login sets several cookies, the SPA token verifies, and the cookie signs the user in", async () => {
    const login = await web(
      apiEvent("POST", "/api/auth/login", {
        body: '{"user":"ada"}',
        headers: { "content-type": "application/json", "x-forwarded-host": "www.example.com" },
      }),
    );
    expect(login.statusCode).toBe(200);
    expect(login.cookies).toHaveLength(2);
    const [spa, theme] = login.cookies!;
    expect(spa).toMatch(
      new RegExp(`^${COOKIE_NAME}=ada:\\d+:[0-9a-f]{64}; .*HttpOnly; Secure; SameSite=Lax$`),
    );
    expect(theme).toBe("theme=light; Path=/; SameSite=Lax");
    const token = spa!.split(";")[0]!.slice(COOKIE_NAME.length + 1);
    expect(verifyToken(token, { secret: SECRET })).toBe("ada");
    // API Gateway hands cookies over in its `cookies` array.
    const me = await web(apiEvent("GET", "/api/me", { cookies: ["theme=light", `${COOKIE_NAME}=${token}`] }));
    expect(JSON.parse(me.body)).toEqual({ user: "ada" });
    const anonymous = await web(
      apiEvent("GET", "/api/me", { cookies: [`${COOKIE_NAME}=ada:1:${"0".repeat(64)}`] }),
    );
    expect(anonymous.statusCode).toBe(401);
    const logout = await web(apiEvent("POST", "/api/auth/logout", { body: "" }));
    expect(logout.statusCode).toBe(204);
    expect(logout.cookies).toEqual([expect.stringMatching(new RegExp(`^${COOKIE_NAME}=; .*Max-Age=0`))]);
  });

  it("a job without a queue on this stage is logged with its code and answered 500", async () => {
    delete process.env.POCKET_WORKER_QUEUEURL;
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const out = await web(
      apiEvent("POST", "/api/jobs", {
        body: '{"email":"a@example.com"}',
        headers: { "content-type": "application/json" },
      }),
    );
    expect(out.statusCode).toBe(500);
    expect(JSON.parse(out.body)).toEqual({ error: "internal error" });
    expect(logged.mock.calls[0]![1]).toMatchObject({
      code: "queue-not-configured",
      location: "POCKET_WORKER_QUEUEURL",
    });
    logged.mockRestore();
  });
});

describe("worker through an SQS batch", () => {
  it("sends what it can and reports only the failing record", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const arn = "arn:aws:sqs:ap-northeast-1:123456789012:dev-hono-example-worker";
    const record = (messageId: string, body: unknown): SqsRecord => ({
      messageId,
      body: JSON.stringify(body),
      eventSource: "aws:sqs",
      eventSourceARN: arn,
      attributes: { ApproximateReceiveCount: "1" },
    });
    const out = await worker({
      Records: [
        record("1", { kind: "welcome-mail", email: "ada@example.com" }),
        record("2", { kind: "welcome-mail", email: "not an address" }),
        record("3", { kind: "welcome-mail", email: "grace@example.com" }),
      ],
    });
    expect(out).toEqual({ batchItemFailures: [{ itemIdentifier: "2" }] });
    expect(sent).toEqual(["ada@example.com", "grace@example.com"]);
  });
});

describe("management tasks", () => {
  it("runs a command and a schedule's command line", async () => {
    vi.spyOn(console, "log").mockImplementation(() => {});
    expect(await management({ command: "stats" })).toEqual({
      exitCode: 0,
      output: `welcome mails sent by this instance: ${sent.length}\n`,
    });
    expect(await management({ manage: "greet 'Ada Lovelace'" })).toEqual({
      exitCode: 0,
      output: "hello Ada Lovelace\n",
    });
  });
});
