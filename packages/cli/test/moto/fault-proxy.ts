import { createServer, request as httpRequest, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * An HTTP proxy between the CLI and moto that spoils answers, the way a real network and a busy
 * AWS do. Two ways to choose which request gets which fault:
 * - seeded (`seed`, `rate`, `kinds`): a share of the requests, drawn from a seeded generator, so a
 *   seed names one sequence of draws (the CLI's concurrent calls may still take them in another
 *   order from run to run);
 * - by rule: `proxy.rule` decides each request from its method, path and headers; replace it at
 *   any time (a test that spoils one chosen call).
 */
/** The faults a seeded proxy draws from. */
export type FaultKind = "throttle" | "server-error" | "html" | "cut";
export const FAULT_KINDS: readonly FaultKind[] = ["throttle", "server-error", "html", "cut"];

/**
 * What the proxy does with one request:
 * - `pass`: forwards it and its answer;
 * - `throttle`, `server-error`: answers as the request's service does when it throttles or fails
 *   (never forwarded); `html`: answers a load balancer's HTML page;
 * - `cut`: forwards it (the server acts on it), then sends half of the answer and closes the
 *   connection (an empty answer: closes without a byte);
 * - `cut-answer`: forwards it, then closes the connection without a byte of the answer, as a
 *   network that drops the reply does;
 * - `cut-body`: forwards it, sends the answer's status and headers, then closes the connection
 *   before the body (the SDK has already handed the stream to the caller, so it does not retry);
 * - `hang`: never answers and never forwards, as an endpoint that stopped answering.
 */
export type Fault = "pass" | FaultKind | "cut-answer" | "cut-body" | "hang";

export interface FaultRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
}

export interface FaultProxy {
  /** Point AWS_ENDPOINT_URL here. */
  readonly url: string;
  /** Decides each request's fault (seeded draws when the proxy was started with a seed). */
  rule: (req: FaultRequest) => Fault;
  /** Requests seen, by the fault they got, since the start (or the last `resetCounts`). */
  readonly counts: Record<Fault, number>;
  /** `kind METHOD operation-or-path` of each fault injected, in order. */
  readonly faults: readonly string[];
  /** `METHOD path fault` of every request seen, in order. */
  readonly log: readonly string[];
  resetCounts(): void;
  close(): Promise<void>;
}

export interface FaultProxyOptions {
  seed: number;
  /** Share of requests that get a fault, 0..1. */
  rate: number;
  kinds?: readonly FaultKind[];
}

/** mulberry32: a small, well-mixed 32-bit generator; the same seed gives the same draws. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A rule that spoils a seeded share of the requests with faults drawn from `kinds`. */
export function seededFaults(options: FaultProxyOptions): () => Fault {
  const random = mulberry32(options.seed);
  const kinds = options.kinds ?? FAULT_KINDS;
  return () => (random() < options.rate ? kinds[Math.floor(random() * kinds.length)]! : "pass");
}

/** Starts the proxy in front of `target`: seeded when given options, else passing all until told. */
export async function startFaultProxy(target: string, options?: FaultProxyOptions): Promise<FaultProxy> {
  const zero = (): Record<Fault, number> => ({
    pass: 0,
    throttle: 0,
    "server-error": 0,
    html: 0,
    cut: 0,
    "cut-answer": 0,
    "cut-body": 0,
    hang: 0,
  });
  let counts = zero();
  let faults: string[] = [];
  const log: string[] = [];
  const upstream = new URL(target);

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const method = req.method ?? "GET";
      const path = req.url ?? "/";
      const fault = proxy.rule({ method, path, headers: req.headers });
      counts[fault]++;
      log.push(`${method} ${path} ${fault}`);
      if (fault !== "pass") faults.push(`${fault} ${method} ${operationOf(req, body)}`);
      if (fault === "hang") return;
      const protocol = protocolOf(req);
      if (fault === "throttle") return sendError(res, throttleAnswer(protocol));
      if (fault === "server-error") return sendError(res, serverErrorAnswer(protocol));
      if (fault === "html") return sendError(res, HTML_ANSWER);
      forward(req, body, (answer, answerBody) => {
        // For every cut the request has reached moto and done its work; only the answer is lost.
        if (fault === "cut-answer" || (fault === "cut" && answerBody.length < 2)) {
          // Lost as a closed connection ("socket hang up").
          res.socket?.destroy();
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
        if (fault === "cut-body") {
          res.flushHeaders();
          setTimeout(() => res.socket?.destroy(), 20);
          return;
        }
        if (fault === "cut") {
          res.write(answerBody.subarray(0, Math.floor(answerBody.length / 2)), () => res.socket?.destroy());
          return;
        }
        res.end(answerBody);
      });
    });
  });

  function forward(
    req: IncomingMessage,
    body: Buffer,
    done: (answer: IncomingMessage, body: Buffer) => void,
  ) {
    const out = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        const parts: Buffer[] = [];
        answer.on("data", (c: Buffer) => parts.push(c));
        answer.on("end", () => done(answer, Buffer.concat(parts)));
      },
    );
    out.on("error", () => {
      // moto itself failed: the CLI sees a closed connection, as it would from AWS.
      req.socket.destroy();
    });
    out.end(body);
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const proxy: FaultProxy = {
    url: `http://127.0.0.1:${port}`,
    rule: options ? seededFaults(options) : () => "pass",
    get counts() {
      return counts;
    },
    get faults() {
      return faults;
    },
    log,
    resetCounts() {
      counts = zero();
      faults = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return proxy;
}

/** The operation a request names (JSON target, query Action, S3's x-id), else its path. */
function operationOf(req: IncomingMessage, body: Buffer): string {
  const target = req.headers["x-amz-target"];
  if (typeof target === "string") return target.split(".").pop()!;
  const url = new URL(req.url ?? "/", "http://proxy");
  const action = /(?:^|&)Action=(\w+)/.exec(body.toString("latin1"))?.[1] ?? url.searchParams.get("Action");
  return action ?? url.searchParams.get("x-id") ?? url.pathname;
}

type Protocol = "json" | "rest-json" | "query" | "s3" | "rest-xml";

/** The wire protocol of a request, from the signing service and the request's shape. */
function protocolOf(req: IncomingMessage): Protocol {
  const service = /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(req.headers.authorization ?? "")?.[1];
  if (service === "s3") return "s3";
  if (service === "cloudfront" || service === "route53") return "rest-xml";
  if (req.headers["x-amz-target"]) return "json";
  if (String(req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded"))
    return "query";
  return "rest-json";
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function sendError(res: import("node:http").ServerResponse, answer: Answer): void {
  res.writeHead(answer.status, { ...answer.headers, "Content-Length": Buffer.byteLength(answer.body) });
  res.end(answer.body);
}

/** What each protocol's services send when they throttle (S3 says SlowDown with a 503). */
function throttleAnswer(protocol: Protocol): Answer {
  return errorAnswer(protocol, protocol === "s3" ? 503 : 400, {
    s3: "SlowDown",
    xml: "Throttling",
    json: "ThrottlingException",
    message: "Rate exceeded",
  });
}

function serverErrorAnswer(protocol: Protocol): Answer {
  return errorAnswer(protocol, 500, {
    s3: "InternalError",
    xml: "InternalFailure",
    json: "InternalFailure",
    message: "We encountered an internal error. Please try again.",
  });
}

function errorAnswer(
  protocol: Protocol,
  status: number,
  code: { s3: string; xml: string; json: string; message: string },
): Answer {
  const requestId = "fault-proxy-0000";
  switch (protocol) {
    case "s3":
      return {
        status,
        headers: { "Content-Type": "application/xml", "x-amz-request-id": requestId },
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code.s3}</Code><Message>${code.message}</Message><RequestId>${requestId}</RequestId></Error>`,
      };
    case "query":
    case "rest-xml":
      return {
        status,
        headers: { "Content-Type": "text/xml", "x-amzn-RequestId": requestId },
        body: `<ErrorResponse><Error><Type>${status >= 500 ? "Receiver" : "Sender"}</Type><Code>${code.xml}</Code><Message>${code.message}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      };
    case "json":
      return {
        status,
        headers: { "Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": requestId },
        body: JSON.stringify({ __type: code.json, message: code.message }),
      };
    case "rest-json":
      return {
        status,
        headers: {
          "Content-Type": "application/json",
          "x-amzn-RequestId": requestId,
          "x-amzn-ErrorType": code.json,
        },
        body: JSON.stringify({ message: code.message }),
      };
  }
}

/** A load balancer's or captive portal's page: not in any AWS protocol. */
const HTML_ANSWER: Answer = {
  status: 503,
  headers: { "Content-Type": "text/html" },
  body: "<!DOCTYPE html>\n<html><head><title>503 Service Temporarily Unavailable</title></head><body><h1>503 Service Temporarily Unavailable</h1></body></html>\n",
};
