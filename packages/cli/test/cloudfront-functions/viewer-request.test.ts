import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  CLOUDFRONT_FUNCTION_MAX_BYTES,
  KVS_ID_PLACEHOLDER,
  type ViewerRequestOptions,
  viewerRequestFunction,
} from "../../src/cloudfront/functions/index.js";
import { loadFunction, viewerRequest } from "./harness.js";

const vectors = JSON.parse(readFileSync(join(__dirname, "../../../../vectors/spa-token.json"), "utf8")) as {
  secret_hex: string;
  valid: { token: string; user_id: string }[];
};
const NOW = 1_800_000_000_000;
const USER = "staff";
const PASSWORD = "correct horse: battery";
const store: Record<string, string> = {
  basic_auth: createHash("sha256").update(`${USER}:${PASSWORD}`).digest("hex"),
  token_secret: vectors.secret_hex,
};
const kvs = { get: async (key: string) => store[key] ?? Promise.reject(new Error(`no key ${key}`)) };
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

type Answer = { statusCode?: number; uri?: string; headers: Record<string, { value: string }> };
const run = async (o: ViewerRequestOptions, request: ReturnType<typeof viewerRequest>, k = kvs) =>
  (await loadFunction(viewerRequestFunction({ kvsId: "kvs-1", ...o }), { kvs: k, now: NOW }).handler(
    request,
  )) as Answer;

const auth: ViewerRequestOptions = { basicAuth: { realm: "staging", exclude: ["/health", "/.well-known/"] } };

describe("basic auth", () => {
  it("lets the right credentials through", async () => {
    const out = await run(
      auth,
      viewerRequest("/page", { headers: { authorization: basic(USER, PASSWORD) } }),
    );
    expect(out.statusCode).toBeUndefined();
    expect(out.uri).toBe("/page");
  });

  it("accepts the scheme in any case", async () => {
    const header = basic(USER, PASSWORD).replace("Basic", "bAsIc");
    const out = await run(auth, viewerRequest("/", { headers: { authorization: header } }));
    expect(out.statusCode).toBeUndefined();
  });

  it.each([
    ["a wrong password", basic(USER, "nope")],
    ["a wrong user", basic("admin", PASSWORD)],
    ["the stored digest itself", `Basic ${store.basic_auth}`],
    ["another scheme", `Bearer ${Buffer.from(`${USER}:${PASSWORD}`).toString("base64")}`],
    ["garbage", "Basic !!!"],
    ["no header", undefined],
  ])("answers 401 with the realm for %s", async (_why, header) => {
    const out = await run(auth, viewerRequest("/page", header ? { headers: { authorization: header } } : {}));
    expect(out.statusCode).toBe(401);
    expect(out.headers["www-authenticate"]!.value).toBe('Basic realm="staging"');
    expect(out.headers["cache-control"]!.value).toBe("no-store");
  });

  it("lets excluded prefixes through without credentials", async () => {
    expect((await run(auth, viewerRequest("/health"))).uri).toBe("/health");
    expect((await run(auth, viewerRequest("/health/db"))).uri).toBe("/health/db");
    expect((await run(auth, viewerRequest("/.well-known/acme"))).uri).toBe("/.well-known/acme");
    expect((await run(auth, viewerRequest("/admin/health"))).statusCode).toBe(401);
  });

  it.each([
    ["a longer first segment", "/healthcheck-admin"],
    ["a dot-dot segment", "/health/../admin"],
    ["an encoded dot-dot segment", "/health/%2e%2e/admin"],
    ["encoded slashes around dot-dot", "/health%2F..%2Fadmin"],
    ["a dot segment", "/health/./db"],
    ["a dot-dot segment with a parameter", "/health/..;/admin"],
    ["a backslash", "/health\\..\\admin"],
    ["a double-encoded dot-dot", "/health/%252e%252e/admin"],
    ["a malformed escape", "/health/%zz"],
  ])("asks for credentials on %s (%s)", async (_why, uri) => {
    expect((await run(auth, viewerRequest(uri))).statusCode).toBe(401);
  });

  it("matches excluded prefixes on the decoded path, with repeated slashes collapsed", async () => {
    expect((await run(auth, viewerRequest("/%68ealth"))).uri).toBe("/%68ealth");
    expect((await run(auth, viewerRequest("//health//db"))).uri).toBe("//health//db");
    expect((await run(auth, viewerRequest("/.well-known"))).uri).toBe("/.well-known");
  });

  it("fails closed when the store has no digest or cannot be read", async () => {
    const header = { headers: { authorization: basic(USER, PASSWORD) } };
    const empty = { get: async () => Promise.reject(new Error("KVS unavailable")) };
    expect((await run(auth, viewerRequest("/", header), empty)).statusCode).toBe(401);
    expect((await run(auth, viewerRequest("/", header), { get: async () => "" })).statusCode).toBe(401);
  });

  it("keeps quotes out of the realm", () => {
    const source = viewerRequestFunction({ basicAuth: { realm: 'a"b\\c', exclude: [] } });
    expect(source).toContain('Basic realm=\\"abc\\"');
  });
});

describe("basic auth combined with the SPA token and fallback", () => {
  const combined: ViewerRequestOptions = {
    ...auth,
    spa: { routePrefix: "/", fallbackHtml: "index.html", requireToken: true, loginPath: "/api/auth/login" },
  };
  const token = vectors.valid[0]!.token;

  it("asks for the password before looking at the token", async () => {
    const out = await run(combined, viewerRequest("/dashboard", { cookies: { "pocket-spa-token": token } }));
    expect(out.statusCode).toBe(401);
  });

  it("with the password, a missing token still goes to the login page", async () => {
    const out = await run(
      combined,
      viewerRequest("/dashboard", { headers: { authorization: basic(USER, PASSWORD) } }),
    );
    expect(out.statusCode).toBe(302);
    expect(out.headers.location!.value).toBe("/api/auth/login?next=%2Fdashboard");
  });

  it("with the password and a valid token, the fallback applies", async () => {
    const out = await run(
      combined,
      viewerRequest("/dashboard", {
        headers: { authorization: basic(USER, PASSWORD) },
        cookies: { "pocket-spa-token": token },
      }),
    );
    expect(out.statusCode).toBeUndefined();
    expect(out.uri).toBe("/index.html");
  });

  it("an excluded path still needs the token", async () => {
    const out = await run({ ...combined, basicAuth: { realm: "s", exclude: ["/"] } }, viewerRequest("/x"));
    expect(out.statusCode).toBe(302);
  });

  it("the fallback alone with basic auth", async () => {
    const o = { ...auth, spa: { routePrefix: "/app/", fallbackHtml: "app.html", requireToken: false } };
    const ok = await run(
      o,
      viewerRequest("/app/settings", { headers: { authorization: basic(USER, PASSWORD) } }),
    );
    expect(ok.uri).toBe("/app/app.html");
    expect((await run(o, viewerRequest("/app/settings"))).statusCode).toBe(401);
  });
});

describe("viewer headers on API routes", () => {
  it("adds the viewer's address and host, replacing what the viewer sent", async () => {
    const out = await run(
      { viewerHeaders: true },
      viewerRequest("/api/items", {
        headers: { "x-pocket-viewer-ip": "10.0.0.1", host: "shop.example.com" },
      }),
    );
    expect(out.headers["x-pocket-viewer-ip"]!.value).toBe("198.51.100.1");
    expect(out.headers["x-forwarded-host"]!.value).toBe("shop.example.com");
    expect(out.uri).toBe("/api/items");
  });

  it("adds them after basic auth passed, not before", async () => {
    const o = { ...auth, viewerHeaders: true };
    expect((await run(o, viewerRequest("/api/items"))).statusCode).toBe(401);
    const ok = await run(
      o,
      viewerRequest("/api/items", { headers: { authorization: basic(USER, PASSWORD) } }),
    );
    expect(ok.headers["x-pocket-viewer-ip"]!.value).toBe("198.51.100.1");
    expect(ok.headers.authorization!.value).toBe(basic(USER, PASSWORD));
  });

  it("needs no KeyValueStore", () => {
    const source = viewerRequestFunction({ viewerHeaders: true });
    expect(source).not.toContain("cloudfront");
    expect(source).not.toContain("async");
  });
});

describe("canonical host (redirect_from as aliases of the one distribution)", () => {
  const spa: ViewerRequestOptions = {
    canonicalHost: "www.example.com",
    spa: { routePrefix: "/", fallbackHtml: "index.html", requireToken: false },
  };

  it("answers another host with a 301 to the canonical one, path and query kept", async () => {
    const out = await run(
      spa,
      viewerRequest("/shop/item", { headers: { host: "example.com" }, querystring: { page: "2", q: "" } }),
    );
    expect(out.statusCode).toBe(301);
    expect(out.headers.location!.value).toBe("https://www.example.com/shop/item?page=2&q");
  });

  it("goes on with the route's own work for the canonical host", async () => {
    const out = await run(spa, viewerRequest("/shop/item", { headers: { host: "www.example.com" } }));
    expect(out.statusCode).toBeUndefined();
    expect(out.uri).toBe("/index.html");
  });

  it("redirects before basic auth asks for credentials", async () => {
    const o = { ...auth, canonicalHost: "www.example.com" };
    expect((await run(o, viewerRequest("/page", { headers: { host: "example.com" } }))).statusCode).toBe(301);
    expect((await run(o, viewerRequest("/page", { headers: { host: "www.example.com" } }))).statusCode).toBe(
      401,
    );
  });

  it("alone, is a function that passes the canonical host through unchanged", async () => {
    const out = await run(
      { canonicalHost: "www.example.com" },
      viewerRequest("/static/a.css", { headers: { host: "www.example.com" } }),
    );
    expect(out.uri).toBe("/static/a.css");
    expect(viewerRequestFunction({ canonicalHost: "www.example.com" })).not.toContain("async");
  });
});

describe("size", () => {
  it("every part together stays within CloudFront's 10 KB limit", () => {
    const source = viewerRequestFunction({
      basicAuth: {
        realm: "x".repeat(200),
        exclude: Array.from({ length: 20 }, (_, i) => `/excluded/path/${i}`),
      },
      spa: {
        routePrefix: "/a/very/long/route/prefix/",
        fallbackHtml: "index.html",
        requireToken: true,
        loginPath: "/api/auth/login",
      },
      viewerHeaders: true,
      kvsId: KVS_ID_PLACEHOLDER,
    });
    expect(Buffer.byteLength(source)).toBeLessThan(CLOUDFRONT_FUNCTION_MAX_BYTES / 2);
  });

  it("refuses an empty function", () => {
    expect(() => viewerRequestFunction({})).toThrow(/at least one part/);
  });
});
