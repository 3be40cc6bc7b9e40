import type { ApiGatewayV2Event } from "../src/index.js";

/** An API Gateway HTTP API payload 2.0 event as API Gateway sends it (header names lower case). */
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
  const binary = Buffer.isBuffer(options.body);
  const domainName = options.domainName ?? "abc123.execute-api.ap-northeast-1.amazonaws.com";
  const event: ApiGatewayV2Event = {
    version: "2.0",
    routeKey: "$default",
    rawPath,
    rawQueryString: options.query ?? "",
    headers: {
      accept: "*/*",
      host: domainName,
      "user-agent": "vitest",
      "x-forwarded-for": "198.51.100.7",
      "x-forwarded-port": "443",
      "x-forwarded-proto": "https",
      ...options.headers,
    },
    requestContext: {
      accountId: "123456789012",
      apiId: "abc123",
      domainName,
      domainPrefix: "abc123",
      http: { method, path: rawPath, protocol: "HTTP/1.1", sourceIp: "198.51.100.7", userAgent: "vitest" },
      requestId: "req-1",
      routeKey: "$default",
      stage: "$default",
      time: "01/Dec/2026:10:00:00 +0000",
      timeEpoch: 1_796_119_200_000,
    },
    isBase64Encoded: binary,
  };
  if (options.cookies) event.cookies = options.cookies;
  if (options.body !== undefined) {
    event.body = binary ? (options.body as Buffer).toString("base64") : (options.body as string);
  }
  if (options.query) {
    event.queryStringParameters = Object.fromEntries(new URLSearchParams(options.query));
  }
  return event;
}
