import { createHash, randomUUID } from "node:crypto";
// Types only: the event shapes are declared once, by the runtime that reads them; the CLI
// bundle carries none of the runtime's code.
import type { ApiGatewayV2Event, SqsEvent, SqsRecord } from "@magic-pocket/runtime";
import { regionPartition } from "../aws/partition.js";

/**
 * Lambda events as AWS sends them, for running handlers outside Lambda (the journey test,
 * `pocket dev`, and the runtime's own tests: packages/runtime/test/fixtures.ts). Only the fields
 * the pocket runtimes and common frameworks read are filled; each has the shape AWS documents,
 * so a handler cannot tell these from real ones.
 */

export type { ApiGatewayV2Event, SqsEvent, SqsRecord };

export interface HttpEventInput {
  method?: string;
  /** The path as the client sent it, percent-encoded, without the query (e.g. `/admin/login/`). */
  path: string;
  /** Query parameters; a repeated key is an array. Or a raw query string (`a=1&b=2`). */
  query?: Record<string, string | string[]> | string;
  /** Header names are lower-cased (HTTP API does); repeated values are joined with `,`. */
  headers?: Record<string, string>;
  /** `name=value` pairs; HTTP API moves the Cookie header here. */
  cookies?: string[];
  body?: string | Uint8Array;
  /** Force base64 for a string body (binary bodies always travel as base64). */
  base64?: boolean;
  /** The API's domain (`{apiId}.execute-api.{region}.amazonaws.com`, or a custom domain). */
  host?: string;
  sourceIp?: string;
  userAgent?: string;
  stage?: string;
  /** When the request arrived (default: now). */
  time?: Date;
  /** `requestContext.requestId` (default: a fresh UUID, as each request gets one). */
  requestId?: string;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** `12/Mar/2020:19:03:58 +0000`, the format of requestContext.time. */
function clfTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(
    d.getUTCMinutes(),
  )}:${p(d.getUTCSeconds())} +0000`;
}

function encodeQuery(query: HttpEventInput["query"]): { raw: string; params?: Record<string, string> } {
  if (query === undefined || query === "") return { raw: "" };
  const search =
    typeof query === "string"
      ? new URLSearchParams(query)
      : new URLSearchParams(
          Object.entries(query).flatMap(([k, v]): [string, string][] =>
            Array.isArray(v) ? v.map((x): [string, string] => [k, x]) : [[k, v]],
          ),
        );
  const params: Record<string, string> = {};
  // HTTP API joins repeated parameters with commas in queryStringParameters.
  for (const [k, v] of search) params[k] = k in params ? `${params[k]},${v}` : v;
  return { raw: typeof query === "string" ? query : search.toString(), params };
}

/** An API Gateway HTTP API (payload format 2.0) proxy event for one request. */
export function httpEvent(input: HttpEventInput): ApiGatewayV2Event {
  const method = (input.method ?? "GET").toUpperCase();
  const host = input.host ?? "localhost";
  const time = input.time ?? new Date();
  const sourceIp = input.sourceIp ?? "127.0.0.1";
  const userAgent = input.userAgent ?? "pocket-local";
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.headers ?? {})) {
    const name = k.toLowerCase();
    headers[name] = name in headers ? `${headers[name]},${v}` : v;
  }
  headers.host ??= host;
  headers["user-agent"] ??= userAgent;
  headers["x-forwarded-for"] ??= sourceIp;
  headers["x-forwarded-proto"] ??= "https";
  headers["x-forwarded-port"] ??= "443";
  let body: string | undefined;
  let isBase64Encoded = false;
  if (input.body !== undefined) {
    if (typeof input.body === "string") {
      body = input.base64 ? Buffer.from(input.body).toString("base64") : input.body;
      isBase64Encoded = input.base64 === true;
    } else {
      body = Buffer.from(input.body).toString("base64");
      isBase64Encoded = true;
    }
    headers["content-length"] ??= String(
      typeof input.body === "string" ? Buffer.byteLength(input.body) : input.body.byteLength,
    );
  }
  const { raw, params } = encodeQuery(input.query);
  const apiId = host.split(".")[0] ?? host;
  const event: ApiGatewayV2Event = {
    version: "2.0",
    routeKey: "$default",
    rawPath: input.path,
    rawQueryString: raw,
    headers,
    requestContext: {
      accountId: "123456789012",
      apiId,
      domainName: host,
      domainPrefix: apiId,
      http: { method, path: input.path, protocol: "HTTP/1.1", sourceIp, userAgent },
      requestId: input.requestId ?? randomUUID(),
      routeKey: "$default",
      stage: input.stage ?? "$default",
      time: clfTime(time),
      timeEpoch: time.getTime(),
    },
    isBase64Encoded,
  };
  if (input.cookies && input.cookies.length > 0) event.cookies = [...input.cookies];
  if (params) event.queryStringParameters = params;
  if (body !== undefined) event.body = body;
  return event;
}

/** The queue ARN for a queue URL (`https://sqs.{region}.amazonaws.com/{account}/{name}`) or name. */
export function queueArn(queue: string, options: { region?: string; accountId?: string } = {}): string {
  if (queue.startsWith("arn:")) return queue;
  const m = /^https?:\/\/[^/]+\/(\d{12})\/([^/?#]+)/.exec(queue);
  const region = options.region ?? /sqs\.([a-z0-9-]+)\./.exec(queue)?.[1] ?? "us-east-1";
  const account = m?.[1] ?? options.accountId ?? "123456789012";
  return `arn:${regionPartition(region)}:sqs:${region}:${account}:${m?.[2] ?? queue}`;
}

/**
 * An SQS batch as Lambda delivers it. `bodies` are sent as is when strings, else as JSON (what
 * `pocket_call_command` and the Node `enqueue` send).
 */
export function sqsEvent(
  queue: string,
  bodies: unknown[],
  options: { region?: string; accountId?: string; receiveCount?: number } = {},
): SqsEvent {
  const arn = queueArn(queue, options);
  const region = arn.split(":")[3]!;
  const now = String(Date.now());
  return {
    Records: bodies.map((b) => {
      const body = typeof b === "string" ? b : JSON.stringify(b);
      const messageId = randomUUID();
      return {
        messageId,
        receiptHandle: `local-${messageId}`,
        body,
        attributes: {
          ApproximateReceiveCount: String(options.receiveCount ?? 1),
          SentTimestamp: now,
          SenderId: "AIDAEXAMPLE",
          ApproximateFirstReceiveTimestamp: now,
        },
        messageAttributes: {},
        md5OfBody: createHash("md5").update(body).digest("hex"),
        eventSource: "aws:sqs",
        eventSourceARN: arn,
        awsRegion: region,
      };
    }),
  };
}

/** What `pocket django manage` sends the management handler. */
export function managementEvent(
  command: string,
  args: string[] = [],
  kwargs: Record<string, unknown> = {},
): { command: string; args: string[]; kwargs: Record<string, unknown> } {
  return { command, args, kwargs };
}

/** What a schedule sends: one command line, split by the handler like a shell does. */
export function manageLineEvent(line: string): { manage: string } {
  return { manage: line };
}
