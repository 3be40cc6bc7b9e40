/**
 * `httpHandler(app)`: API Gateway HTTP API (payload 2.0) events, directly or through CloudFront,
 * to a Fetch-API app (Hono, itty-router, anything with `fetch(Request): Response`) and back.
 */
import type { ApiGatewayV2Event, ApiGatewayV2Result, HttpHandler, LambdaContext } from "./apigateway.js";
import {
  appHeaders,
  eventBody,
  eventHost,
  eventOrigin,
  isTextBody,
  pathWithQuery,
  webHandler,
} from "./apigateway.js";
import type { OriginCheck } from "./origin.js";

/** What the app receives as its second argument (Hono: `c.env`). */
export interface LambdaBindings {
  event: ApiGatewayV2Event;
  lambdaContext: LambdaContext | undefined;
}

type FetchFunction = (request: Request, env: LambdaBindings) => Response | Promise<Response>;
export type FetchApp = FetchFunction | { fetch: FetchFunction };

export interface HttpHandlerOptions {
  /**
   * Answer 403 to requests that did not come through the stage's CloudFront distribution
   * (see `verifyOrigin`). On whenever `POCKET_ORIGIN_VERIFY_SECRET` is set; `false` serves direct
   * calls too (their `x-forwarded-host` is still ignored).
   */
  verifyOrigin?: boolean;
}

export function httpHandler(app: FetchApp, options: HttpHandlerOptions = {}): HttpHandler {
  const call: FetchFunction = typeof app === "function" ? app : app.fetch.bind(app);
  return webHandler(options.verifyOrigin, async (event, context, check) => {
    const request = toRequest(event, check);
    const response = await call(request, { event, lambdaContext: context });
    return fromResponse(response, request.method);
  });
}

/**
 * The web-standard Request for an API Gateway v2 event. The viewer headers count only when the
 * origin check verified them (`check`, by default computed from the event).
 */
export function toRequest(event: ApiGatewayV2Event, check: OriginCheck = eventOrigin(event)): Request {
  const method = event.requestContext.http.method.toUpperCase();
  const headers = new Headers();
  for (const [name, value] of Object.entries(appHeaders(event, check))) headers.append(name, value);
  // API Gateway moves the Cookie header into `cookies`; apps expect it back in one header.
  if (event.cookies?.length) headers.set("cookie", event.cookies.join("; "));
  const url = `https://${eventHost(event, check)}${pathWithQuery(event)}`;
  const body = method === "GET" || method === "HEAD" ? undefined : eventBody(event);
  // A Buffer is a valid body; the cast only bridges the DOM lib's narrower BodyInit typing
  // (ArrayBuffer-backed views only), which an app's tsconfig may include.
  return new Request(url, { method, headers, body: body as Uint8Array<ArrayBuffer> | undefined });
}

/** An API Gateway v2 result for a web-standard Response. */
export async function fromResponse(response: Response, method = "GET"): Promise<ApiGatewayV2Result> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  const result: ApiGatewayV2Result = {
    statusCode: response.status,
    headers,
    body: "",
    isBase64Encoded: false,
  };
  if (cookies.length > 0) result.cookies = cookies;
  if (response.body === null || method === "HEAD") return result;
  if (isTextBody(headers["content-type"], headers["content-encoding"])) {
    result.body = await response.text();
  } else {
    result.body = Buffer.from(await response.arrayBuffer()).toString("base64");
    result.isBase64Encoded = true;
  }
  return result;
}
