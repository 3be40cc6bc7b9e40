import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll } from "vitest";

/**
 * For the describe block that calls it: a local HTTP server answering as `handler` says, made
 * the AWS endpoint (AWS_ENDPOINT_URL, test credentials) of every client the factory builds; the
 * environment is restored and the server closed after the block. `url()` is its address.
 */
export function useLocalAwsEndpoint(handler: RequestListener): { url: () => string } {
  let server: Server;
  let url = "";
  const saved = { ...process.env };
  beforeAll(async () => {
    server = createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: url,
      AWS_ACCESS_KEY_ID: "testing",
      AWS_SECRET_ACCESS_KEY: "testing",
    });
  });
  afterAll(async () => {
    process.env = saved;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: () => url };
}
