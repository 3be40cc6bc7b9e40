import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  CLOUDFRONT_FUNCTION_MAX_BYTES,
  spaViewerRequestFunction,
} from "../src/cloudfront/functions/index.js";
import { loadFunction, viewerRequest } from "./cloudfront-functions/harness.js";

const vectors = JSON.parse(readFileSync(join(__dirname, "../../../vectors/spa-token.json"), "utf8")) as {
  cookie_name: string;
  secret_hex: string;
};
const kvs = { get: async () => vectors.secret_hex };
const source = spaViewerRequestFunction({
  routePrefix: "/",
  fallbackHtml: "index.html",
  requireToken: true,
  loginPath: "/api/auth/login",
  kvsId: "kvs-id-123",
});
const sign = (userId: string, expiry: number) =>
  `${userId}:${expiry}:${createHmac("sha256", Buffer.from(vectors.secret_hex, "hex"))
    .update(`${userId}:${expiry}`)
    .digest("hex")}`;

describe("issue 11 item 19: the SPA token at the edge", () => {
  it("refuses a correctly signed token whose user id is empty, as the Python side does", async () => {
    const f = loadFunction(source, { kvs, now: 1_800_000_000_000 });
    const out = (await f.handler(
      viewerRequest("/dashboard", { cookies: { [vectors.cookie_name]: sign("", 9_999_999_999) } }),
    )) as { statusCode?: number; headers?: Record<string, { value: string }> };
    expect(out.statusCode).toBe(302);
    expect(out.headers?.location?.value).toBe("/api/auth/login?next=%2Fdashboard");
  });

  it("still lets the same token through with a user id", async () => {
    const f = loadFunction(source, { kvs, now: 1_800_000_000_000 });
    const out = (await f.handler(
      viewerRequest("/dashboard", { cookies: { [vectors.cookie_name]: sign("u1", 9_999_999_999) } }),
    )) as { statusCode?: number; uri?: string };
    expect(out.statusCode).toBeUndefined();
    expect(out.uri).toBe("/index.html");
    expect(Buffer.byteLength(source)).toBeLessThan(CLOUDFRONT_FUNCTION_MAX_BYTES);
  });
});
