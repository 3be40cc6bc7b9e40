import type { Agent as HttpAgent, IncomingHttpHeaders } from "node:http";

/**
 * One HTTP request on a kept-alive connection, for the lean S3 PUT (aws/s3-put.ts,
 * docs/decisions.md#p7-front-end-upload). Network failures come back as Node's own errors (code
 * ECONNRESET, message `socket hang up` or `aborted`, ...), which aws/errors.ts already words.
 */
export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface HttpRequestSpec {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: Uint8Array;
}

/** The SDK's limits (aws/clients.ts TIMEOUTS): connect within 10 s, no 2 minutes without a byte. */
const CONNECT_MS = 10_000;
const IDLE_MS = 120_000;

/** One agent per protocol: as many sockets as the S3 client keeps (50), kept alive between PUTs. */
const agents = new Map<string, HttpAgent>();
function agentFor(protocol: string): HttpAgent {
  let agent = agents.get(protocol);
  if (!agent) {
    const options = { keepAlive: true, maxSockets: 50, maxFreeSockets: 50 };
    agent =
      protocol === "https:"
        ? new (process.getBuiltinModule("node:https").Agent)(options)
        : new (process.getBuiltinModule("node:http").Agent)(options);
    agents.set(protocol, agent);
  }
  return agent;
}

export function httpSend(spec: HttpRequestSpec): Promise<HttpAnswer> {
  const { request } =
    spec.url.protocol === "https:"
      ? process.getBuiltinModule("node:https")
      : process.getBuiltinModule("node:http");
  return new Promise((resolve, reject) => {
    const req = request(spec.url, {
      method: spec.method,
      headers: spec.headers,
      agent: agentFor(spec.url.protocol),
    });
    req.setTimeout(IDLE_MS, () => req.destroy(timeoutError("no answer within the time limit")));
    req.on("socket", (socket) => {
      if (!socket.connecting) return;
      const timer = setTimeout(
        () => req.destroy(timeoutError(`did not establish a connection within ${CONNECT_MS} ms`)),
        CONNECT_MS,
      );
      socket.once("connect", () => clearTimeout(timer));
      socket.once("close", () => clearTimeout(timer));
    });
    req.on("error", reject);
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.end(spec.body);
  });
}

function timeoutError(message: string): Error {
  return Object.assign(new Error(message), { name: "TimeoutError", code: "ETIMEDOUT" });
}
