import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  CLOUDFRONT_FUNCTION_MAX_BYTES,
  KVS_ID_PLACEHOLDER,
  redirectFunctionSource,
  spaViewerRequestFunction,
} from "../../src/cloudfront/functions/index.js";
import { loadFunction, viewerRequest } from "./harness.js";

const vectors = JSON.parse(readFileSync(join(__dirname, "../../../../vectors/spa-token.json"), "utf8")) as {
  cookie_name: string;
  secret_hex: string;
  valid: { token: string; user_id: string; expiry: number }[];
  expired: { token: string }[];
  invalid: { token: string; why: string }[];
};
const kvs = {
  get: async (key: string) => (key === "token_secret" ? vectors.secret_hex : Promise.reject(new Error(key))),
};
const NOW = 1_800_000_000_000; // ms; the valid vectors expire long after, the expired one before

const plain = (prefix = "/", html = "index.html") =>
  loadFunction(spaViewerRequestFunction({ routePrefix: prefix, fallbackHtml: html, requireToken: false }));
const guarded = (options: { kvs?: typeof kvs; now?: number } = { kvs, now: NOW }) =>
  loadFunction(
    spaViewerRequestFunction({
      routePrefix: "/",
      fallbackHtml: "index.html",
      requireToken: true,
      loginPath: "/api/auth/login",
      kvsId: "kvs-id-123",
    }),
    options,
  );

describe("SPA fallback function", () => {
  it.each([
    ["/", "/index.html"],
    ["/users/42", "/index.html"],
    ["/users/42/", "/index.html"],
    ["/main.js", "/main.js"],
    ["/assets/logo.svg", "/assets/logo.svg"],
  ])("rewrites %s to %s on the root route", async (uri, expected) => {
    const out = (await plain().handler(viewerRequest(uri))) as { uri: string };
    expect(out.uri).toBe(expected);
  });

  it("uses the route's folder and fallback file", async () => {
    const f = plain("/app/", "app.html");
    expect(((await f.handler(viewerRequest("/app/settings"))) as { uri: string }).uri).toBe("/app/app.html");
    expect(((await f.handler(viewerRequest("/app/chunk.1.js"))) as { uri: string }).uri).toBe(
      "/app/chunk.1.js",
    );
  });
});

describe("SPA token function", () => {
  it("reads the secret from the associated KVS id", async () => {
    const f = guarded();
    await f.handler(viewerRequest("/", { cookies: { "pocket-spa-token": vectors.valid[0]!.token } }));
    expect(f.kvsIds).toEqual(["kvs-id-123"]);
  });

  it.each(vectors.valid.filter((v) => /^[\x21-\x7e]+$/.test(v.user_id)))(
    "lets a valid token through and applies the fallback ($user_id)",
    async (v) => {
      const out = (await guarded().handler(
        viewerRequest("/dashboard", { cookies: { [vectors.cookie_name]: v.token } }),
      )) as { uri: string; statusCode?: number };
      expect(out.statusCode).toBeUndefined();
      expect(out.uri).toBe("/index.html");
    },
  );

  it.each([...vectors.expired.map((v) => ({ token: v.token, why: "expired" })), ...vectors.invalid])(
    "redirects to login for $why",
    async ({ token }) => {
      const out = (await guarded().handler(
        viewerRequest("/dashboard", { cookies: { [vectors.cookie_name]: token } }),
      )) as { statusCode: number; headers: Record<string, { value: string }> };
      expect(out.statusCode).toBe(302);
      expect(out.headers.location!.value).toBe("/api/auth/login?next=%2Fdashboard");
      expect(out.headers["cache-control"]!.value).toBe("no-store");
    },
  );

  it("redirects without a cookie and keeps the query string in next", async () => {
    const out = (await guarded().handler(viewerRequest("/reports", { querystring: { page: "2" } }))) as {
      statusCode: number;
      headers: Record<string, { value: string }>;
    };
    expect(out.statusCode).toBe(302);
    expect(out.headers.location!.value).toBe(`/api/auth/login?next=${encodeURIComponent("/reports?page=2")}`);
  });

  it("exempts the login path and what is under it, not look-alikes", async () => {
    const f = guarded();
    expect(((await f.handler(viewerRequest("/api/auth/login"))) as { uri: string }).uri).toBe(
      "/api/auth/login",
    );
    expect(((await f.handler(viewerRequest("/api/auth/login/callback"))) as { uri: string }).uri).toBe(
      "/api/auth/login/callback",
    );
    expect(((await f.handler(viewerRequest("/api/auth/loginX"))) as { statusCode: number }).statusCode).toBe(
      302,
    );
  });

  it.each([
    "/api/auth/login/../../dashboard",
    "/api/auth/login/%2e%2e/%2e%2e/dashboard",
    "/api/auth/login/..;/admin",
    "/api/auth/login%2F..%2F..%2Fadmin",
    "/api/auth/login/%252e%252e/admin",
  ])("does not take %s for the login path (the origin could read it as another path)", async (uri) => {
    const out = (await guarded().handler(viewerRequest(uri))) as { statusCode: number };
    expect(out.statusCode).toBe(302);
  });

  it("takes the login path with repeated or escaped slashes for what it is", async () => {
    const f = guarded();
    expect(((await f.handler(viewerRequest("//api/auth/login"))) as { uri: string }).uri).toBe(
      "//api/auth/login",
    );
  });

  it("fails closed when the KVS cannot be read", async () => {
    const broken = { get: async () => Promise.reject(new Error("KVS unavailable")) };
    const out = (await guarded({ kvs: broken, now: NOW }).handler(
      viewerRequest("/", { cookies: { [vectors.cookie_name]: vectors.valid[0]!.token } }),
    )) as { statusCode: number };
    expect(out.statusCode).toBe(302);
  });

  it("rejects a token once its expiry has passed", async () => {
    const v = vectors.valid[1]!; // expires 2100-01-01
    const later = guarded({ kvs, now: (v.expiry + 1) * 1000 });
    const out = (await later.handler(
      viewerRequest("/", { cookies: { [vectors.cookie_name]: v.token } }),
    )) as {
      statusCode: number;
    };
    expect(out.statusCode).toBe(302);
  });

  it("stays within CloudFront's 10 KB limit", () => {
    const source = spaViewerRequestFunction({
      routePrefix: "/a/very/long/route/prefix/",
      fallbackHtml: "index.html",
      requireToken: true,
      loginPath: "/api/auth/login",
      kvsId: KVS_ID_PLACEHOLDER,
    });
    expect(Buffer.byteLength(source)).toBeLessThan(CLOUDFRONT_FUNCTION_MAX_BYTES);
  });
});

describe("redirect_from function", () => {
  it("answers 301 to the main domain with path and query", async () => {
    const f = loadFunction(redirectFunctionSource("www.example.com"));
    const out = (await f.handler(viewerRequest("/blog/1", { querystring: { a: "1", b: "" } }))) as {
      statusCode: number;
      headers: Record<string, { value: string }>;
    };
    expect(out.statusCode).toBe(301);
    expect(out.headers.location!.value).toBe("https://www.example.com/blog/1?a=1&b");
  });
});
