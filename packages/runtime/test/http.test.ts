import express from "express";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { httpHandler, nodeHttpHandler, resetEnvLoaded, verifyOrigin } from "../src/index.js";
import { apiEvent } from "./fixtures.js";

const saved = { ...process.env };
beforeEach(() => {
  // Not deployed, no pocket.toml above the test's cwd matters: loadEnv only reads a .env.
  delete process.env.POCKET_STAGE;
  resetEnvLoaded();
});
afterEach(() => {
  process.env = { ...saved };
});

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0xfe]);

/** A Fetch-API app that echoes what it received. */
async function echo(req: Request): Promise<Response> {
  const url = new URL(req.url);
  if (url.pathname === "/image") return new Response(PNG, { headers: { "content-type": "image/png" } });
  if (url.pathname === "/login") {
    const headers = new Headers({ "content-type": "text/plain" });
    headers.append("set-cookie", "a=1; Path=/");
    headers.append("set-cookie", "b=2; Path=/; HttpOnly");
    headers.append("set-cookie", "c=3, with comma; Path=/");
    return new Response("ok", { status: 201, headers });
  }
  const body = req.method === "GET" ? null : Buffer.from(await req.arrayBuffer()).toString("hex");
  return Response.json({
    method: req.method,
    url: req.url,
    query: url.searchParams.getAll("tag"),
    cookie: req.headers.get("cookie"),
    body,
  });
}

describe("httpHandler", () => {
  const handler = httpHandler(echo);

  it("passes method, host, path and raw query string (repeated keys, encoding) through", async () => {
    const out = await handler(apiEvent("GET", "/api/items", { query: "tag=a&tag=b%20c&empty=" }));
    expect(out.statusCode).toBe(200);
    expect(out.isBase64Encoded).toBe(false);
    expect(out.headers["content-type"]).toMatch(/^application\/json/);
    const json = JSON.parse(out.body);
    expect(json).toMatchObject({
      method: "GET",
      url: "https://abc123.execute-api.ap-northeast-1.amazonaws.com/api/items?tag=a&tag=b%20c&empty=",
      query: ["a", "b c"],
    });
  });

  it("joins API Gateway's cookies array back into one Cookie header", async () => {
    const out = await handler(apiEvent("GET", "/", { cookies: ["a=1", "pocket-spa-token=u:1:f"] }));
    expect(JSON.parse(out.body).cookie).toBe("a=1; pocket-spa-token=u:1:f");
  });

  it("decodes a base64 request body byte for byte", async () => {
    const out = await handler(
      apiEvent("POST", "/upload", { body: PNG, headers: { "content-type": "image/png" } }),
    );
    expect(JSON.parse(out.body).body).toBe(PNG.toString("hex"));
  });

  it("passes a text body as UTF-8", async () => {
    const out = await handler(apiEvent("PUT", "/t", { body: "héllo" }));
    expect(JSON.parse(out.body).body).toBe(Buffer.from("héllo").toString("hex"));
  });

  it("returns a binary response base64-encoded", async () => {
    const out = await handler(apiEvent("GET", "/image"));
    expect(out.isBase64Encoded).toBe(true);
    expect(Buffer.from(out.body, "base64")).toEqual(PNG);
  });

  it("returns every Set-Cookie in cookies, none folded into headers", async () => {
    const out = await handler(apiEvent("POST", "/login", { body: "" }));
    expect(out.statusCode).toBe(201);
    expect(out.cookies).toEqual(["a=1; Path=/", "b=2; Path=/; HttpOnly", "c=3, with comma; Path=/"]);
    expect(out.headers["set-cookie"]).toBeUndefined();
    expect(out.body).toBe("ok");
  });

  it("uses x-forwarded-host through CloudFront (the origin-verify header matches)", async () => {
    process.env.POCKET_ORIGIN_VERIFY_SECRET = "s3cret";
    const headers = { "x-forwarded-host": "www.example.com", "x-pocket-origin-verify": "s3cret" };
    const out = await handler(apiEvent("GET", "/p", { headers }));
    expect(JSON.parse(out.body).url).toBe("https://www.example.com/p");
  });

  it("calls app.fetch with the Lambda event and context as its second argument", async () => {
    let seen: unknown;
    const app = {
      fetch(_req: Request, env: unknown) {
        seen = env;
        return new Response(null, { status: 204 });
      },
    };
    const event = apiEvent("GET", "/");
    const out = await httpHandler(app)(event, { awsRequestId: "r1" });
    expect(out).toEqual({ statusCode: 204, headers: {}, body: "", isBase64Encoded: false });
    expect(seen).toEqual({ event, lambdaContext: { awsRequestId: "r1" } });
  });

  it("answers 403 with verifyOrigin when the origin header is wrong or missing", async () => {
    process.env.POCKET_ORIGIN_VERIFY_SECRET = "old-value,new-value";
    const guarded = httpHandler(echo, { verifyOrigin: true });
    expect((await guarded(apiEvent("GET", "/"))).statusCode).toBe(403);
    const wrong = apiEvent("GET", "/", { headers: { "x-pocket-origin-verify": "other" } });
    expect((await guarded(wrong)).statusCode).toBe(403);
    const right = apiEvent("GET", "/", { headers: { "x-pocket-origin-verify": "old-value" } });
    expect((await guarded(right)).statusCode).toBe(200);
  });
});

describe("origin verification by default (POCKET_ORIGIN_VERIFY_SECRET set)", () => {
  const forged = { "x-forwarded-host": "evil.example", "x-pocket-viewer-ip": "192.0.2.66" };

  it("httpHandler answers 403 to a direct call without verifyOrigin being asked for", async () => {
    process.env.POCKET_ORIGIN_VERIFY_SECRET = "s3cret";
    const out = await httpHandler(echo)(apiEvent("GET", "/p", { headers: forged }));
    expect(out.statusCode).toBe(403);
    expect(out.body).not.toContain("evil.example");
    // Through CloudFront (the header matches) the viewer's host is the request's.
    const headers = { "x-pocket-origin-verify": "s3cret", "x-forwarded-host": "www.example.com" };
    const verified = await httpHandler(echo)(apiEvent("GET", "/p", { headers }));
    expect(verified.statusCode).toBe(200);
    expect(JSON.parse(verified.body).url).toBe("https://www.example.com/p");
  });

  it("nodeHttpHandler answers 403 to a direct call without verifyOrigin being asked for", async () => {
    process.env.POCKET_ORIGIN_VERIFY_SECRET = "s3cret";
    let host: string | undefined;
    const node = nodeHttpHandler((req, res) => {
      host = req.headers.host;
      res.end("in");
    });
    expect((await node(apiEvent("GET", "/", { headers: forged }))).statusCode).toBe(403);
    const headers = { "x-pocket-origin-verify": "s3cret", "x-forwarded-host": "www.example.com" };
    expect((await node(apiEvent("GET", "/", { headers }))).statusCode).toBe(200);
    expect(host).toBe("www.example.com");
  });

  it("verifyOrigin: false serves direct calls, but never with the forwarded host", async () => {
    process.env.POCKET_ORIGIN_VERIFY_SECRET = "s3cret";
    const out = await httpHandler(echo, { verifyOrigin: false })(apiEvent("GET", "/p", { headers: forged }));
    expect(out.statusCode).toBe(200);
    expect(JSON.parse(out.body).url).toBe("https://abc123.execute-api.ap-northeast-1.amazonaws.com/p");
    let seen: Record<string, unknown> = {};
    const node = nodeHttpHandler(
      (req, res) => {
        seen = { ...req.headers };
        res.end("in");
      },
      { verifyOrigin: false },
    );
    expect((await node(apiEvent("GET", "/", { headers: forged }))).statusCode).toBe(200);
    expect(seen.host).toBe("abc123.execute-api.ap-northeast-1.amazonaws.com");
    expect(seen["x-forwarded-host"]).toBeUndefined();
    expect(seen["x-pocket-viewer-ip"]).toBeUndefined();
  });

  it("without the variable, x-forwarded-host is not trusted (nothing can verify it)", async () => {
    delete process.env.POCKET_ORIGIN_VERIFY_SECRET;
    const out = await httpHandler(echo)(apiEvent("GET", "/p", { headers: forged }));
    expect(out.statusCode).toBe(200);
    expect(JSON.parse(out.body).url).toBe("https://abc123.execute-api.ap-northeast-1.amazonaws.com/p");
  });
});

describe("events of the wrong kind", () => {
  it("both adapters refuse an SQS batch or a REST API (1.0) event with a clear error", async () => {
    const sqs = { Records: [{ messageId: "m", body: "{}", eventSource: "aws:sqs" }] };
    const rest = { httpMethod: "GET", path: "/", headers: {} };
    for (const handler of [httpHandler(echo), nodeHttpHandler(() => {})]) {
      await expect(handler(sqs as never)).rejects.toMatchObject({ code: "invalid-event" });
      await expect(handler(rest as never)).rejects.toThrow(
        /not an API Gateway HTTP API \(payload 2.0\) event/,
      );
    }
  });
});

describe("verifyOrigin", () => {
  it("accepts everything when the variable is unset, but reports no viewer ip or host", () => {
    delete process.env.POCKET_ORIGIN_VERIFY_SECRET;
    const r = new Request("https://x/", {
      headers: { "x-pocket-viewer-ip": "203.0.113.9", "x-forwarded-host": "app.example.com" },
    });
    expect(verifyOrigin(r)).toEqual({ ok: true, verified: false, viewerIp: undefined, host: undefined });
  });

  it("reports viewer ip and host of a verified request only", () => {
    const env = { POCKET_ORIGIN_VERIFY_SECRET: "a1" };
    const headers = { "x-pocket-viewer-ip": "203.0.113.9", "x-forwarded-host": "app.example.com" };
    expect(verifyOrigin({ ...headers, "x-pocket-origin-verify": "a1" }, env)).toEqual({
      ok: true,
      verified: true,
      viewerIp: "203.0.113.9",
      host: "app.example.com",
    });
    expect(verifyOrigin({ ...headers, "x-pocket-origin-verify": "a2" }, env)).toEqual({
      ok: false,
      verified: false,
      viewerIp: undefined,
      host: undefined,
    });
  });

  it("checks each listed value, from web Headers or Node header records", () => {
    const env = { POCKET_ORIGIN_VERIFY_SECRET: " a1 , b2 " };
    expect(verifyOrigin({ headers: { "x-pocket-origin-verify": "b2" } }, env).ok).toBe(true);
    expect(verifyOrigin(new Headers({ "X-Pocket-Origin-Verify": "a1" }), env).ok).toBe(true);
    expect(verifyOrigin({ "x-pocket-origin-verify": "a" }, env).ok).toBe(false);
    expect(verifyOrigin({}, env)).toEqual({
      ok: false,
      verified: false,
      viewerIp: undefined,
      host: undefined,
    });
  });
});

describe("nodeHttpHandler", () => {
  const app = express();
  app.use(express.json());
  app.use(express.raw({ type: "application/octet-stream" }));
  app.get("/hello", (req, res) => {
    res.json({
      q: req.query,
      ip: req.ip,
      host: req.hostname,
      secure: req.secure,
      cookie: req.headers.cookie,
    });
  });
  app.post("/json", (req, res) => {
    res.status(201).json({ got: req.body });
  });
  app.post("/bytes", (req, res) => {
    res.type("application/octet-stream").send(Buffer.from((req.body as Buffer).reverse()));
  });
  app.get("/cookies", (_req, res) => {
    res.cookie("a", "1").cookie("b", "2", { httpOnly: true }).send("two cookies");
  });
  app.get("/image", (_req, res) => {
    res.type("png").send(PNG);
  });
  app.get("/boom", () => {
    throw new Error("boom");
  });
  const handler = nodeHttpHandler(app);

  it("runs an Express app: query, host, client address, cookies", async () => {
    const out = await handler(
      apiEvent("GET", "/hello", { query: "a=1&a=2&b=x%2By", cookies: ["s=1", "t=2"] }),
    );
    expect(out.statusCode).toBe(200);
    expect(out.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(out.headers.connection).toBeUndefined();
    expect(JSON.parse(out.body)).toEqual({
      q: { a: ["1", "2"], b: "x+y" },
      ip: "198.51.100.7",
      host: "abc123.execute-api.ap-northeast-1.amazonaws.com",
      secure: true,
      cookie: "s=1; t=2",
    });
  });

  it("parses a JSON body even when API Gateway sent no content-length", async () => {
    const event = apiEvent("POST", "/json", {
      body: '{"x":[1,2]}',
      headers: { "content-type": "application/json" },
    });
    delete event.headers!["content-length"];
    const out = await handler(event);
    expect(out.statusCode).toBe(201);
    expect(JSON.parse(out.body)).toEqual({ got: { x: [1, 2] } });
  });

  it("round-trips binary request and response bodies", async () => {
    const out = await handler(
      apiEvent("POST", "/bytes", { body: PNG, headers: { "content-type": "application/octet-stream" } }),
    );
    expect(out.isBase64Encoded).toBe(true);
    expect(Buffer.from(out.body, "base64")).toEqual(Buffer.from(PNG).reverse());
    const image = await handler(apiEvent("GET", "/image"));
    expect(image.headers["content-type"]).toBe("image/png");
    expect(Buffer.from(image.body, "base64")).toEqual(PNG);
  });

  it("returns several Set-Cookie headers as cookies", async () => {
    const out = await handler(apiEvent("GET", "/cookies"));
    expect(out.cookies).toEqual(["a=1; Path=/", "b=2; Path=/; HttpOnly"]);
    expect(out.body).toBe("two cookies");
  });

  it("passes errors through Express's own handler (500) and unknown routes (404)", async () => {
    const quiet = process.env.NODE_ENV;
    process.env.NODE_ENV = "production";
    try {
      expect((await handler(apiEvent("GET", "/boom"))).statusCode).toBe(500);
    } finally {
      process.env.NODE_ENV = quiet;
    }
    expect((await handler(apiEvent("GET", "/nowhere"))).statusCode).toBe(404);
  });

  it("reads a plain listener's writeHead headers, chunked writes and HEAD", async () => {
    const plain = nodeHttpHandler((req, res) => {
      res.writeHead(202, { "content-type": "text/plain", "x-list": ["a", "b"] });
      res.write("part one, ");
      res.end(`${req.method} ${req.url}`);
    });
    const out = await plain(apiEvent("GET", "/x", { query: "y=1" }));
    expect(out).toMatchObject({ statusCode: 202, body: "part one, GET /x?y=1", isBase64Encoded: false });
    expect(out.headers["x-list"]).toBe("a, b");
    const head = await plain(apiEvent("HEAD", "/x"));
    expect(head).toMatchObject({ statusCode: 202, body: "" });
  });

  it("undoes chunked framing the app asked for, and keeps Latin-1 and binary writes byte-exact", async () => {
    const chunkedApp = nodeHttpHandler((_req, res) => {
      res.setHeader("transfer-encoding", "chunked");
      res.setHeader("content-type", "text/plain; charset=utf-8");
      res.write("first ");
      res.write(Buffer.from("second ", "utf8"));
      res.end("ünïcode");
    });
    const chunked = await chunkedApp(apiEvent("GET", "/"));
    expect(chunked.body).toBe("first second ünïcode");
    expect(chunked.headers["transfer-encoding"]).toBeUndefined();
    const latin1 = nodeHttpHandler((_req, res) => {
      res.setHeader("content-type", "application/octet-stream");
      res.end("\u00ff\u00fe\u0000A", "latin1");
    });
    expect(Buffer.from((await latin1(apiEvent("GET", "/"))).body, "base64")).toEqual(
      Buffer.from([255, 254, 0, 65]),
    );
    const mixed = nodeHttpHandler((_req, res) => {
      res.setHeader("content-type", "text/plain");
      res.write(new Uint8Array([0x68, 0x69]));
      res.end(" there");
    });
    expect((await mixed(apiEvent("GET", "/"))).body).toBe("hi there");
  });

  it("rejects when the listener throws or its promise rejects", async () => {
    await expect(
      nodeHttpHandler(() => {
        throw new Error("sync");
      })(apiEvent("GET", "/")),
    ).rejects.toThrow("sync");
    await expect(
      nodeHttpHandler(async () => Promise.reject(new Error("async")))(apiEvent("GET", "/")),
    ).rejects.toThrow("async");
  });

  it("answers 403 with verifyOrigin and gives the listener req.lambda", async () => {
    process.env.POCKET_ORIGIN_VERIFY_SECRET = "s3cret";
    let lambda: unknown;
    const guarded = nodeHttpHandler(
      (req, res) => {
        lambda = (req as { lambda?: unknown }).lambda;
        res.end("in");
      },
      { verifyOrigin: true },
    );
    expect((await guarded(apiEvent("GET", "/"))).statusCode).toBe(403);
    const event = apiEvent("GET", "/", { headers: { "x-pocket-origin-verify": "s3cret" } });
    expect((await guarded(event, { awsRequestId: "r" })).body).toBe("in");
    expect(lambda).toEqual({ event, context: { awsRequestId: "r" } });
  });
});
