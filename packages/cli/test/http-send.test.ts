import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { httpSend } from "../src/aws/http-send.js";

/*
 * The lean S3 PUT's transport (aws/http-send.ts, docs/decisions.md#p7-front-end-upload) against a
 * local server: an answer cut in the middle of its body is a failure the PUT retries (ECONNRESET),
 * never a promise that stays pending; a whole answer comes back with its status, headers and body.
 */
let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

async function serve(handler: Parameters<typeof createServer>[1]): Promise<URL> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/bucket/key`);
}

describe("httpSend", () => {
  it("returns a whole answer", async () => {
    const url = await serve((req, res) => {
      req.resume();
      req.on("end", () => {
        res.writeHead(200, { etag: '"abc"' });
        res.end("ok");
      });
    });
    const answer = await httpSend({ url, method: "PUT", headers: {}, body: new TextEncoder().encode("x") });
    expect(answer.status).toBe(200);
    expect(answer.headers.etag).toBe('"abc"');
    expect(answer.body.toString()).toBe("ok");
  });

  it("fails with ECONNRESET when the connection closes in the middle of the answer", async () => {
    const url = await serve((req, res) => {
      req.resume();
      req.on("end", () => {
        res.writeHead(500, { "content-length": "100" });
        res.write("<Error>", () => res.socket?.destroy());
      });
    });
    const error = await httpSend({ url, method: "PUT", headers: {}, body: new Uint8Array() }).catch((e) => e);
    expect(error).toMatchObject({ message: "aborted", code: "ECONNRESET" });
  });
});
