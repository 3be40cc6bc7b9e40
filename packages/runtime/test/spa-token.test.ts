import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { spaViewerRequestFunction } from "../../cli/src/cloudfront/functions/spa.js";
import { loadFunction, viewerRequest } from "../../cli/test/cloudfront-functions/harness.js";
import {
  COOKIE_NAME,
  DEFAULT_MAX_AGE,
  generateToken,
  loginCookie,
  logoutCookie,
  PocketRuntimeError,
  secretEnvName,
  verifyToken,
} from "../src/index.js";

interface Vectors {
  cookie_name: string;
  secret_hex: string;
  default_max_age: number;
  valid: { user_id: string; expiry: number; token: string }[];
  expired: { user_id: string; expiry: number; token: string }[];
  invalid: { token: string; why: string }[];
}
const vectors = JSON.parse(
  readFileSync(join(import.meta.dirname, "../../../vectors/spa-token.json"), "utf8"),
) as Vectors;
const secret = vectors.secret_hex;

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

describe("SPA token on the shared vectors", () => {
  it("uses the shared cookie name and lifetime", () => {
    expect(COOKIE_NAME).toBe(vectors.cookie_name);
    expect(DEFAULT_MAX_AGE).toBe(vectors.default_max_age);
  });

  it.each(vectors.valid)("generates the vector token for $user_id byte for byte", (v) => {
    const now = (v.expiry - 3600) * 1000;
    expect(generateToken(v.user_id, { secret, maxAge: 3600, now })).toBe(v.token);
    expect(verifyToken(v.token, { secret, now })).toBe(v.user_id);
  });

  it("accepts a token through its expiry second and not after", () => {
    const v = vectors.valid[1]!;
    expect(verifyToken(v.token, { secret, now: v.expiry * 1000 + 999 })).toBe(v.user_id);
    expect(verifyToken(v.token, { secret, now: (v.expiry + 1) * 1000 })).toBeNull();
  });

  it.each(vectors.expired)("rejects the expired vector $token", (v) => {
    expect(verifyToken(v.token, { secret })).toBeNull();
  });

  it.each(vectors.invalid)("rejects $token ($why)", ({ token }) => {
    expect(verifyToken(token, { secret, now: 0 })).toBeNull();
  });

  it("rejects a non-string token and a token signed with another secret", () => {
    expect(verifyToken(undefined, { secret })).toBeNull();
    expect(verifyToken(vectors.valid[0]!.token, { secret: "ab".repeat(32), now: 0 })).toBeNull();
  });

  it("rejects an empty user id and one with ':'", () => {
    expect(() => generateToken("", { secret })).toThrow(PocketRuntimeError);
    expect(() => generateToken("a:b", { secret })).toThrow(/contain no ':'/);
  });

  it("refuses a secret that is not hex, whatever the token", () => {
    expect(() => verifyToken("x:1:2", { secret: "not-hex" })).toThrow(
      expect.objectContaining({ code: "spa-secret-invalid" }),
    );
  });

  it("a token made here passes the CloudFront Function, one made with another secret does not", async () => {
    const source = spaViewerRequestFunction({
      routePrefix: "/",
      fallbackHtml: "index.html",
      requireToken: true,
    });
    const now = Date.now();
    const f = loadFunction(source, { kvs: { get: async () => secret }, now });
    const good = generateToken("user-7", { secret, now, maxAge: 60 });
    const passed = (await f.handler(viewerRequest("/dashboard", { cookies: { [COOKIE_NAME]: good } }))) as {
      uri?: string;
    };
    expect(passed.uri).toBe("/index.html");
    const bad = generateToken("user-7", { secret: "cd".repeat(32), now, maxAge: 60 });
    const refused = (await f.handler(viewerRequest("/dashboard", { cookies: { [COOKIE_NAME]: bad } }))) as {
      statusCode?: number;
    };
    expect(refused.statusCode).toBe(302);
  });
});

describe("the secret's variable", () => {
  it("is SPA_TOKEN_SECRET by default, else the env of the one spa_token_secret entry", () => {
    delete process.env.POCKET_SECRETS;
    expect(secretEnvName()).toBe("SPA_TOKEN_SECRET");
    process.env.POCKET_SECRETS = JSON.stringify({
      managed: {
        EDGE: { type: "spa_token_secret", env: "EDGE_TOKEN" },
        KEY: { type: "password", env: "KEY" },
      },
    });
    expect(secretEnvName()).toBe("EDGE_TOKEN");
    process.env.EDGE_TOKEN = secret;
    const v = vectors.valid[0]!;
    expect(verifyToken(v.token, { now: 0 })).toBe(v.user_id);
  });

  it("is an error naming the variable when it is not set", () => {
    delete process.env.POCKET_SECRETS;
    delete process.env.SPA_TOKEN_SECRET;
    expect(() => generateToken("u1")).toThrow(
      expect.objectContaining({ code: "spa-secret-missing", location: "SPA_TOKEN_SECRET" }),
    );
  });

  it("must be named when several are declared and none is SPA_TOKEN_SECRET", () => {
    process.env.POCKET_SECRETS = JSON.stringify({
      managed: { A: { type: "spa_token_secret", env: "A" }, B: { type: "spa_token_secret", env: "B" } },
    });
    expect(() => secretEnvName()).toThrow(/pass secret explicitly/);
  });
});

describe("cookies", () => {
  it("login sets the token with the edge's attributes", () => {
    const now = Date.UTC(2030, 0, 1);
    const cookie = loginCookie(42, { secret, now, maxAge: 3600 });
    const token = generateToken("42", { secret, now, maxAge: 3600 });
    expect(cookie).toBe(
      `pocket-spa-token=${token}; Expires=Tue, 01 Jan 2030 01:00:00 GMT; Max-Age=3600; Path=/; HttpOnly; Secure; SameSite=Lax`,
    );
  });

  it("login refuses an id the cookie cannot carry unaltered", () => {
    expect(() => loginCookie("ユーザー", { secret })).toThrow(/not cookie-safe/);
    expect(() => loginCookie("a b", { secret })).toThrow(PocketRuntimeError);
  });

  it("logout expires the cookie with the same attributes", () => {
    expect(logoutCookie()).toBe(
      "pocket-spa-token=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax",
    );
  });
});
