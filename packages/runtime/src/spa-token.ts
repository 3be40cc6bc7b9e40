/**
 * SPA token authentication: the app side of CloudFront `require_token` routes.
 *
 * Token: `{user_id}:{expiry}:{sig}`, `expiry` in integer Unix seconds, `sig` the lower-case hex
 * HMAC-SHA256 of UTF-8 `{user_id}:{expiry}` keyed with the hex-decoded secret. The CloudFront
 * Function at the edge and the Python runtime check the same token (vectors/spa-token.json is the
 * shared known-answer file). The secret is the managed `spa_token_secret` value, in the variable
 * that `POCKET_SECRETS` names for it (`SPA_TOKEN_SECRET` when nothing says otherwise).
 */
import { nodeCrypto } from "./builtins.js";
import { PocketRuntimeError } from "./errors.js";

export const COOKIE_NAME = "pocket-spa-token";
/** 7 days, the edge's default. */
export const DEFAULT_MAX_AGE = 604_800;
const DEFAULT_SECRET_ENV = "SPA_TOKEN_SECRET";

const HEX = /^(?:[0-9a-fA-F]{2})+$/;
const SIG = /^[0-9a-f]{64}$/;
const DIGITS = /^[0-9]+$/;
// Characters a cookie value carries unquoted (what Django leaves alone), minus ':' (the token
// separator): anything else would be quoted or rejected and the edge could not verify it.
const COOKIE_SAFE_USER_ID = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;

export interface TokenOptions {
  /** The hex secret; default: the `spa_token_secret` variable. */
  secret?: string;
  /** Lifetime in seconds (default 604800). */
  maxAge?: number;
  /** The clock, in milliseconds (tests). */
  now?: number;
}

/**
 * The variable holding the SPA token secret: the `env` of the `spa_token_secret` entry in
 * `POCKET_SECRETS`; with several, the one named `SPA_TOKEN_SECRET` (pass others as `secret`).
 */
export function secretEnvName(env: NodeJS.ProcessEnv = process.env): string {
  const raw = env.POCKET_SECRETS;
  if (!raw) return DEFAULT_SECRET_ENV;
  let entries: [string, string][];
  try {
    const managed =
      (JSON.parse(raw) as { managed?: Record<string, { type?: string; env?: string }> }).managed ?? {};
    entries = Object.entries(managed)
      .filter(([, s]) => s?.type === "spa_token_secret" && typeof s.env === "string")
      .map(([name, s]) => [name, s.env!]);
  } catch {
    throw new PocketRuntimeError(
      "secrets-document-malformed",
      "POCKET_SECRETS is malformed; redeploy with `pocket deploy`",
      {
        location: "POCKET_SECRETS",
      },
    );
  }
  if (entries.length === 1) return entries[0]![1];
  const preferred = entries.find(([name]) => name === DEFAULT_SECRET_ENV);
  if (preferred) return preferred[1];
  if (entries.length > 1) {
    throw new PocketRuntimeError(
      "spa-secret-ambiguous",
      `several spa_token_secret secrets are declared (${entries
        .map(([n]) => n)
        .sort()
        .join(", ")}); pass secret explicitly`,
      { location: "POCKET_SECRETS" },
    );
  }
  return DEFAULT_SECRET_ENV;
}

function key(secret: string | undefined): Buffer {
  let value = secret;
  if (value === undefined) {
    const name = secretEnvName();
    value = process.env[name] ?? "";
    if (!value) {
      throw new PocketRuntimeError(
        "spa-secret-missing",
        `${name} is not set: declare ${name} = { type = "spa_token_secret" } in [awscontainer.secrets.managed] ` +
          "and call loadEnv() first (locally, put it in .env)",
        { location: name },
      );
    }
  }
  if (!HEX.test(value)) {
    throw new PocketRuntimeError(
      "spa-secret-invalid",
      "the SPA token secret must be a hex string (the managed value is 64 hex characters)",
    );
  }
  return Buffer.from(value, "hex");
}

function signature(k: Buffer, userId: string, expiry: string): string {
  return nodeCrypto().createHmac("sha256", k).update(`${userId}:${expiry}`, "utf8").digest("hex");
}

function nowSeconds(now: number | undefined): number {
  return Math.floor((now ?? Date.now()) / 1000);
}

/** A token for `userId`, valid until now + `maxAge` seconds. The id must be non-empty, without `:`. */
export function generateToken(userId: string | number, options: TokenOptions = {}): string {
  const uid = String(userId);
  if (!uid || uid.includes(":")) {
    throw new PocketRuntimeError(
      "invalid-user-id",
      `SPA token user id must be non-empty and contain no ':' (got ${JSON.stringify(uid)})`,
    );
  }
  const maxAge = options.maxAge ?? DEFAULT_MAX_AGE;
  if (!Number.isSafeInteger(maxAge) || maxAge < 0) {
    throw new PocketRuntimeError(
      "invalid-max-age",
      "maxAge must be a non-negative integer number of seconds",
    );
  }
  const expiry = String(nowSeconds(options.now) + maxAge);
  return `${uid}:${expiry}:${signature(key(options.secret), uid, expiry)}`;
}

/**
 * The user id of a valid, unexpired token, else `null`. Strict like the edge: three parts, an
 * expiry of ASCII digits, a signature of 64 lower-case hex digits compared in constant time; a
 * token stays valid through its expiry second. A bad secret is thrown, not "invalid token".
 */
export function verifyToken(token: unknown, options: Omit<TokenOptions, "maxAge"> = {}): string | null {
  const k = key(options.secret);
  if (typeof token !== "string") return null;
  const parts = token.split(":");
  if (parts.length !== 3) return null;
  const [userId, expiry, sig] = parts as [string, string, string];
  if (!userId || !DIGITS.test(expiry) || !SIG.test(sig)) return null;
  const expected = signature(k, userId, expiry);
  if (!nodeCrypto().timingSafeEqual(Buffer.from(sig, "ascii"), Buffer.from(expected, "ascii"))) return null;
  if (nowSeconds(options.now) > Number(expiry)) return null;
  return userId;
}

const COOKIE_ATTRIBUTES = "Path=/; HttpOnly; Secure; SameSite=Lax";

/**
 * A `Set-Cookie` value that logs the user in at the edge. The id must be cookie-safe (letters,
 * digits and ``!#$%&'*+-.^_`|~``): anything else would reach the edge altered and be refused.
 */
export function loginCookie(userId: string | number, options: TokenOptions = {}): string {
  const uid = String(userId);
  if (!COOKIE_SAFE_USER_ID.test(uid)) {
    throw new PocketRuntimeError(
      "invalid-user-id",
      `SPA token user id ${JSON.stringify(uid)} is not cookie-safe; use the primary key or another id made ` +
        "of letters, digits and !#$%&'*+-.^_`|~",
    );
  }
  const maxAge = options.maxAge ?? DEFAULT_MAX_AGE;
  const token = generateToken(uid, { ...options, maxAge });
  const expires = new Date((nowSeconds(options.now) + maxAge) * 1000).toUTCString();
  return `${COOKIE_NAME}=${token}; Expires=${expires}; Max-Age=${maxAge}; ${COOKIE_ATTRIBUTES}`;
}

/** A `Set-Cookie` value that removes the token, with the attributes it was set with. */
export function logoutCookie(): string {
  return `${COOKIE_NAME}=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; ${COOKIE_ATTRIBUTES}`;
}
