import { request, type Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { acceptsHost, closeServers, extraHostNames, listenLocal } from "../src/local/http-server.js";

// pocket dev's servers answer only requests that name them: a page on another site whose name
// resolves to 127.0.0.1 (DNS rebinding) sends its own name in Host and must not reach the app.

const open: Server[][] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await closeServers(s);
});

/** A real loopback server on a free port whose handler answers 200 "app". */
async function serve(host?: string): Promise<number> {
  const servers = await listenLocal(0, (_req, res) => res.end("app"), { host });
  open.push(servers);
  return (servers[0]!.address() as { port: number }).port;
}

/** GET / on 127.0.0.1:port with the given Host header. */
function get(port: number, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: "/", headers: { host } }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => {
        body += d.toString("utf8");
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("pocket dev's servers and the Host header", () => {
  it("refuse a name that is not a loopback name, saying how to allow one; answer the loopback names", async () => {
    const port = await serve();
    for (const host of [
      `evil.example:${port}`,
      "evil.example",
      "localhost.evil.example",
      "127.0.0.1.nip.io",
    ]) {
      const out = await get(port, host);
      expect(out.status, host).toBe(403);
      expect(out.body).not.toBe("app");
      expect(out.body).toContain("pocket dev --host");
    }
    // The loopback names, with or without a port, reach the app.
    for (const host of [
      `localhost:${port}`,
      "LOCALHOST",
      "app.localhost:1",
      "127.0.0.1",
      "127.1.2.3:80",
      "[::1]:8",
    ]) {
      expect(await get(port, host), host).toEqual({ status: 200, body: "app" });
    }
  });

  it("with --host, answer that name too", async () => {
    const port = await serve("127.0.0.1");
    expect((await get(port, "127.0.0.1")).status).toBe(200);
    expect(acceptsHost("devbox.lan:3000", extraHostNames("devbox.lan"))).toBe(true);
    expect(acceptsHost("other.lan:3000", extraHostNames("devbox.lan"))).toBe(false);
    expect(acceptsHost("[fd00::5]:3000", extraHostNames("fd00::5"))).toBe(true);
    // 0.0.0.0 listens on every interface: each of their addresses is a name of this server.
    expect(extraHostNames("0.0.0.0")).toContain("127.0.0.1");
    expect(acceptsHost("evil.example", extraHostNames("0.0.0.0"))).toBe(false);
  });
});
