// The one builder of API Gateway events, which `pocket dev` and the journey test use too.
import { httpEvent } from "../../cli/src/local/events.js";
import type { ApiGatewayV2Event } from "../src/index.js";

const DOMAIN = "abc123.execute-api.ap-northeast-1.amazonaws.com";

/**
 * An API Gateway HTTP API payload 2.0 event as API Gateway sends it (header names lower case),
 * with fixed ids and time so a test's output does not change from run to run.
 */
export function apiEvent(
  method: string,
  rawPath: string,
  options: {
    query?: string;
    headers?: Record<string, string>;
    cookies?: string[];
    body?: string | Buffer;
    domainName?: string;
  } = {},
): ApiGatewayV2Event {
  return httpEvent({
    method,
    path: rawPath,
    query: options.query,
    headers: { accept: "*/*", ...options.headers },
    cookies: options.cookies,
    body: options.body,
    host: options.domainName ?? DOMAIN,
    sourceIp: "198.51.100.7",
    userAgent: "vitest",
    requestId: "req-1",
    time: new Date("2026-12-01T10:00:00Z"),
  });
}
