import { createServer, request as httpRequest, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * An HTTP proxy between the CLI and moto that spoils a share of the answers, the way a real
 * network and a busy AWS do: throttling, 5xx, an HTML error page from something in between, and
 * answers cut mid-body. Which request gets which fault is drawn from a seeded generator, so a
 * seed names one sequence of draws (the CLI's concurrent calls may still take them in another
 * order from run to run).
 */
export type FaultKind = "throttle" | "server-error" | "html" | "cut";
export const FAULT_KINDS: readonly FaultKind[] = ["throttle", "server-error", "html", "cut"];

export interface FaultProxy {
  /** Point AWS_ENDPOINT_URL here. */
  readonly url: string;
  /** Requests seen and faults injected since the start (or the last `resetCounts`). */
  readonly counts: Record<FaultKind | "pass", number>;
  /** `kind METHOD operation-or-path` of each fault injected, in order. */
  readonly faults: readonly string[];
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

export async function startFaultProxy(target: string, options: FaultProxyOptions): Promise<FaultProxy> {
  const random = mulberry32(options.seed);
  const kinds = options.kinds ?? FAULT_KINDS;
  const zero = () => ({ pass: 0, throttle: 0, "server-error": 0, html: 0, cut: 0 });
  let counts: Record<FaultKind | "pass", number> = zero();
  let faults: string[] = [];
  const upstream = new URL(target);

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const fault = random() < options.rate ? kinds[Math.floor(random() * kinds.length)]! : undefined;
      counts[fault ?? "pass"]++;
      if (fault) faults.push(`${fault} ${req.method} ${operationOf(req, body)}`);
      const protocol = protocolOf(req);
      if (fault === "throttle") return sendError(res, throttleAnswer(protocol));
      if (fault === "server-error") return sendError(res, serverErrorAnswer(protocol));
      if (fault === "html") return sendError(res, HTML_ANSWER);
      forward(req, body, (answer, answerBody) => {
        if (fault !== "cut") {
          res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
          res.end(answerBody);
          return;
        }
        // The request has reached moto and done its work; only the answer is lost. An empty
        // answer is lost as a closed connection ("socket hang up"), any other halfway through.
        if (answerBody.length < 2) {
          res.socket?.destroy();
          return;
        }
        res.writeHead(answer.statusCode ?? 200, answer.rawHeaders);
        res.write(answerBody.subarray(0, Math.floor(answerBody.length / 2)), () => res.socket?.destroy());
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
  return {
    url: `http://127.0.0.1:${port}`,
    get counts() {
      return counts;
    },
    get faults() {
      return faults;
    },
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
