import { createHash, createHmac } from "node:crypto";
import vm from "node:vm";

export interface FakeKvs {
  get(key: string): Promise<string>;
}

/**
 * Runs CloudFront Function source the way the edge does: `handler(event)` with a viewer-request
 * event. The two module imports the runtime provides (`cloudfront` for the KeyValueStore,
 * `crypto` for HMAC) are bound to a fake KVS and Node's crypto; nothing else is reachable from
 * the sandbox, so a function that used another API would fail here too.
 */
export function loadFunction(source: string, options: { kvs?: FakeKvs; now?: number } = {}) {
  const kvsIds: string[] = [];
  const code = source
    .replace(/^import cf from 'cloudfront';$/m, "var cf = __cloudfront;")
    .replace(/^import crypto from 'crypto';$/m, "var crypto = __crypto;");
  if (/^\s*import\s/m.test(code)) throw new Error("function imports a module the harness does not provide");
  const RealDate = Date;
  const now = options.now;
  const context = vm.createContext({
    __cloudfront: {
      kvs: (id: string) => {
        kvsIds.push(id);
        return options.kvs ?? { get: async () => Promise.reject(new Error("no KVS associated")) };
      },
    },
    __crypto: { createHash, createHmac },
    Buffer,
    Date: now === undefined ? RealDate : Object.assign(class extends RealDate {}, { now: () => now }),
  });
  vm.runInContext(`${code}\nthis.__handler = handler;`, context);
  const handler = (context as { __handler: (e: unknown) => unknown }).__handler;
  return { handler: async (event: unknown) => handler(event), kvsIds };
}

export function viewerRequest(
  uri: string,
  options: {
    cookies?: Record<string, string>;
    querystring?: Record<string, string>;
    headers?: Record<string, string>;
  } = {},
) {
  return {
    version: "1.0",
    context: { eventType: "viewer-request", distributionId: "E123", requestId: "r-1" },
    viewer: { ip: "198.51.100.1" },
    request: {
      method: "GET",
      uri,
      headers: Object.fromEntries(
        Object.entries({ host: "example.com", ...options.headers }).map(([k, v]) => [k, { value: v }]),
      ),
      querystring: Object.fromEntries(
        Object.entries(options.querystring ?? {}).map(([k, v]) => [k, { value: v }]),
      ),
      cookies: Object.fromEntries(Object.entries(options.cookies ?? {}).map(([k, v]) => [k, { value: v }])),
    },
  };
}

/** A viewer-response event: the answer CloudFront got from the cache or the origin. */
export function viewerResponse(
  uri: string,
  statusCode: number,
  headers: Record<string, string>,
  options: { cookies?: Record<string, string> } = {},
) {
  const { request } = viewerRequest(uri, options);
  return {
    version: "1.0",
    context: { eventType: "viewer-response", distributionId: "E123", requestId: "r-1" },
    viewer: { ip: "198.51.100.1" },
    request,
    response: {
      statusCode,
      statusDescription: "OK",
      headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, { value: v }])),
      cookies: {},
    },
  };
}
