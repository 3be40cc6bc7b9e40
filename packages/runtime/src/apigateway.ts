import { envLoaded, loadEnv } from "./env.js";
import { PocketRuntimeError } from "./errors.js";
import { FORWARDED_HOST_HEADER, type OriginCheck, VIEWER_IP_HEADER, verifyOrigin } from "./origin.js";

/**
 * An API Gateway HTTP API (payload format 2.0) proxy event: the one declaration of its shape,
 * which the adapters read and `pocket dev` builds (packages/cli/src/local/events.ts `httpEvent`).
 * API Gateway fills every field but the optional lists; only `rawPath` and `requestContext.http`
 * are required here, so an event written by hand in a test needs no more than the adapters read.
 */
export interface ApiGatewayV2Event {
  version?: string;
  routeKey?: string;
  rawPath: string;
  rawQueryString?: string;
  cookies?: string[];
  headers?: Record<string, string | undefined>;
  queryStringParameters?: Record<string, string | undefined>;
  pathParameters?: Record<string, string | undefined>;
  stageVariables?: Record<string, string | undefined>;
  requestContext: {
    accountId?: string;
    apiId?: string;
    domainName?: string;
    domainPrefix?: string;
    stage?: string;
    requestId?: string;
    routeKey?: string;
    http: { method: string; path?: string; protocol?: string; sourceIp?: string; userAgent?: string };
    /** `12/Mar/2020:19:03:58 +0000` */
    time?: string;
    timeEpoch?: number;
    [key: string]: unknown;
  };
  body?: string;
  isBase64Encoded?: boolean;
}

export interface ApiGatewayV2Result {
  statusCode: number;
  headers: Record<string, string>;
  cookies?: string[];
  body: string;
  isBase64Encoded: boolean;
}

/** The parts of the Lambda context object the adapters pass on; Lambda gives more. */
export interface LambdaContext {
  awsRequestId?: string;
  functionName?: string;
  getRemainingTimeInMillis?: () => number;
  [key: string]: unknown;
}

/** A Lambda handler for an HTTP API: what `httpHandler` and `nodeHttpHandler` return. */
export type HttpHandler = (event: ApiGatewayV2Event, context?: LambdaContext) => Promise<ApiGatewayV2Result>;

/**
 * The host the viewer asked for: CloudFront does not forward `Host` to an API origin, so the
 * distribution passes it as `x-forwarded-host`, which counts only on a request whose origin-verify
 * header matched (anyone can send it to the API directly); otherwise it is the API's own domain.
 */
export function eventHost(event: ApiGatewayV2Event, check: OriginCheck = eventOrigin(event)): string {
  const headers = event.headers ?? {};
  return (check.verified && check.host) || event.requestContext.domainName || headers.host || "localhost";
}

/** `verifyOrigin` for an event's headers. */
export function eventOrigin(event: ApiGatewayV2Event): OriginCheck {
  return verifyOrigin(event.headers ?? {});
}

/**
 * The event's headers (names lower-cased) for the app: the viewer headers of a request that is
 * not verified are dropped, so no framework (Express's `trust proxy`) takes them for CloudFront's.
 */
export function appHeaders(event: ApiGatewayV2Event, check: OriginCheck): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    if (!check.verified && (lower === FORWARDED_HOST_HEADER || lower === VIEWER_IP_HEADER)) continue;
    headers[lower] = value;
  }
  return headers;
}

export function eventBody(event: ApiGatewayV2Event): Buffer | undefined {
  if (event.body === undefined || event.body === null) return undefined;
  return Buffer.from(event.body, event.isBase64Encoded ? "base64" : "utf8");
}

export function pathWithQuery(event: ApiGatewayV2Event): string {
  const path = event.rawPath || "/";
  return event.rawQueryString ? `${path}?${event.rawQueryString}` : path;
}

// Bodies API Gateway can carry as text; anything else goes base64 so no byte is altered.
const TEXT_TYPE =
  /^(?:text\/|application\/(?:json|javascript|ecmascript|xml|xhtml\+xml|x-www-form-urlencoded|graphql|x-ndjson)\b|image\/svg\+xml\b|[a-z]+\/[^;]*\+(?:json|xml)\b)/i;

/** Whether a response body with these headers is sent as UTF-8 text rather than base64. */
export function isTextBody(contentType: string | undefined, contentEncoding: string | undefined): boolean {
  if (contentEncoding && contentEncoding.toLowerCase() !== "identity") return false;
  return contentType === undefined || contentType === "" || TEXT_TYPE.test(contentType);
}

/**
 * Refuses what is not a payload 2.0 event (an SQS batch sent to the web handler, a REST API
 * 1.0 event) with a message that names the mistake instead of a TypeError deep in the adapter.
 */
export function assertHttpEvent(event: unknown): asserts event is ApiGatewayV2Event {
  const e = event as Partial<ApiGatewayV2Event> | null;
  if (typeof e?.rawPath === "string" && typeof e.requestContext?.http?.method === "string") return;
  throw new PocketRuntimeError(
    "invalid-event",
    "the web handler received an event that is not an API Gateway HTTP API (payload 2.0) event; " +
      "check that pocket.toml gives this handler `apigateway` and points `command` at the right export",
  );
}

const FORBIDDEN: ApiGatewayV2Result = {
  statusCode: 403,
  headers: { "content-type": "text/plain; charset=utf-8" },
  body: "Forbidden: this origin only answers requests forwarded by its CloudFront distribution.\n",
  isBase64Encoded: false,
};

/**
 * Whether an adapter refuses the request: with `POCKET_ORIGIN_VERIFY_SECRET` set, a request whose
 * origin-verify header does not match is refused unless the app opted out (`verifyOrigin: false`),
 * as the Python `OriginVerifyMiddleware` does.
 */
function refusedOrigin(check: OriginCheck, option: boolean | undefined): boolean {
  return option !== false && !check.ok;
}

/**
 * What both adapters do before the app sees a request: the environment loaded once per cold
 * start, the event checked, the origin verified (403 when refused); then `serve` answers it.
 */
export function webHandler(
  verifyOriginOption: boolean | undefined,
  serve: (
    event: ApiGatewayV2Event,
    context: LambdaContext | undefined,
    check: OriginCheck,
  ) => Promise<ApiGatewayV2Result>,
): HttpHandler {
  return async (event, context) => {
    if (!envLoaded()) await loadEnv();
    assertHttpEvent(event);
    const check = eventOrigin(event);
    if (refusedOrigin(check, verifyOriginOption)) return { ...FORBIDDEN, headers: { ...FORBIDDEN.headers } };
    return serve(event, context, check);
  };
}
