import Fastify from "fastify";
import Koa from "koa";
import { beforeEach, describe, expect, it } from "vitest";
import { nodeHttpHandler, resetEnvLoaded } from "../src/index.js";
import { apiEvent } from "./fixtures.js";

// The `(req, res)` frameworks the README names, through node:http's own request and response.
beforeEach(() => {
  delete process.env.POCKET_STAGE;
  resetEnvLoaded();
});

describe("nodeHttpHandler with Koa", () => {
  const app = new Koa();
  app.use(async (ctx) => {
    if (ctx.path === "/echo" && ctx.method === "POST") {
      const chunks: Buffer[] = [];
      for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
      ctx.set("x-length", String(Buffer.concat(chunks).length));
      ctx.body = { got: Buffer.concat(chunks).toString("utf8"), q: ctx.query, ip: ctx.ip };
      return;
    }
    ctx.cookies.set("k1", "v1", { secure: false });
    ctx.cookies.set("k2", "v2", { secure: false });
    ctx.status = 404;
    ctx.body = "nothing here";
  });
  const handler = nodeHttpHandler(app.callback());

  it("reads the body and query, answers JSON", async () => {
    const out = await handler(apiEvent("POST", "/echo", { query: "a=1&a=2", body: "héllo" }));
    expect(out.statusCode).toBe(200);
    expect(out.headers["x-length"]).toBe("6");
    expect(JSON.parse(out.body)).toEqual({ got: "héllo", q: { a: ["1", "2"] }, ip: "198.51.100.7" });
  });

  it("sets several cookies and a status", async () => {
    const out = await handler(apiEvent("GET", "/missing"));
    expect(out.statusCode).toBe(404);
    expect(out.body).toBe("nothing here");
    expect(out.cookies).toEqual(["k1=v1; path=/; httponly", "k2=v2; path=/; httponly"]);
  });
});

describe("nodeHttpHandler with Fastify's server", () => {
  it("routes through fastify.routing once the app is ready", async () => {
    const app = Fastify();
    app.post("/items/:id", async (req, reply) => {
      reply.header("set-cookie", ["a=1", "b=2"]);
      return { id: (req.params as { id: string }).id, body: req.body, q: req.query };
    });
    app.get("/bin", async (_req, reply) =>
      reply.type("application/octet-stream").send(Buffer.from([0, 255, 1])),
    );
    await app.ready();
    const handler = nodeHttpHandler((req, res) => app.routing(req, res));
    const out = await handler(
      apiEvent("POST", "/items/7", {
        query: "x=y",
        body: '{"name":"pocket"}',
        headers: { "content-type": "application/json" },
      }),
    );
    expect(out.statusCode).toBe(200);
    expect(JSON.parse(out.body)).toEqual({ id: "7", body: { name: "pocket" }, q: { x: "y" } });
    expect(out.cookies).toEqual(["a=1", "b=2"]);
    const bin = await handler(apiEvent("GET", "/bin"));
    expect(bin.isBase64Encoded).toBe(true);
    expect(Buffer.from(bin.body, "base64")).toEqual(Buffer.from([0, 255, 1]));
    await app.close();
  });
});
