import { createServer, type IncomingMessage, request, type ServerResponse } from "node:http";
import type { Socket } from "node:net";

/**
 * What the proxy does with one request:
 * - `pass`: forwards it and its answer;
 * - `cut-answer`: forwards it (the server acts on it), then closes the connection without a
 *   byte of the answer, as a network that drops the reply does;
 * - `cut-body`: forwards it, sends the answer's status and headers, then closes the connection
 *   before the body (the SDK has already handed the stream to the caller, so it does not retry);
 * - `hang`: never answers and never forwards, as an endpoint that stopped answering.
 */
export type Fault = "pass" | "cut-answer" | "cut-body" | "hang";

export interface FaultProxy {
  url: string;
  /** Decides each request's fault; replace it at any time. */
  rule: (req: { method: string; path: string; headers: IncomingMessage["headers"] }) => Fault;
  /** `METHOD path fault` of every request seen, in order. */
  log: string[];
  close(): Promise<void>;
}

/** A loopback HTTP proxy in front of moto that injects network faults into chosen requests. */
export async function faultProxy(target: string): Promise<FaultProxy> {
  const sockets = new Set<Socket>();
  const proxy: FaultProxy = {
    url: "",
    rule: () => "pass",
    log: [],
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? "GET";
    const path = req.url ?? "/";
    const fault = proxy.rule({ method, path, headers: req.headers });
    proxy.log.push(`${method} ${path} ${fault}`);
    if (fault === "hang") {
      req.resume();
      return;
    }
    const upstream = request(new URL(path, target), { method, headers: req.headers }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on("data", (c: Buffer) => chunks.push(c));
      answer.on("end", () => {
        if (fault === "cut-answer") {
          req.socket.destroy();
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        if (fault === "cut-body") {
          res.flushHeaders();
          setTimeout(() => req.socket.destroy(), 20);
          return;
        }
        res.end(Buffer.concat(chunks));
      });
    });
    upstream.on("error", () => req.socket.destroy());
    req.pipe(upstream);
  });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  proxy.url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  return proxy;
}
