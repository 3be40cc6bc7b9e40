import { nodeCrypto } from "./builtins.js";

/** Headers as a web `Headers`, a Node `IncomingHttpHeaders`, or a plain record. */
export type HeaderSource =
  | Headers
  | Record<string, string | string[] | undefined>
  | { headers: Headers | Record<string, string | string[] | undefined> };

export interface OriginCheck {
  /** The request came through the stage's CloudFront distribution (or no check is configured). */
  ok: boolean;
  /** A check is configured and the header matched: only then are `viewerIp` and `host` set. */
  verified: boolean;
  /** The viewer's address as CloudFront saw it (`x-pocket-viewer-ip`), on a verified request. */
  viewerIp: string | undefined;
  /** The host the viewer asked for (`x-forwarded-host`), on a verified request. */
  host: string | undefined;
}

export const ORIGIN_VERIFY_HEADER = "x-pocket-origin-verify";
export const VIEWER_IP_HEADER = "x-pocket-viewer-ip";
export const FORWARDED_HOST_HEADER = "x-forwarded-host";
export const ORIGIN_VERIFY_VARIABLE = "POCKET_ORIGIN_VERIFY_SECRET";

// Duck-typed rather than `instanceof Headers`: touching the global Headers makes Node 20 load its
// fetch implementation, which a `(req, res)` app never needs.
const isHeaders = (v: unknown): v is Headers => typeof (v as Headers).get === "function";

export function headerValue(source: HeaderSource, name: string): string | undefined {
  const headers = "headers" in source && !isHeaders(source) ? source.headers : source;
  if (isHeaders(headers)) return headers.get(name) ?? undefined;
  const h = headers as Record<string, string | string[] | undefined>;
  const value = h[name] ?? h[Object.keys(h).find((k) => k.toLowerCase() === name) ?? ""];
  return Array.isArray(value) ? value.join(",") : value;
}

/**
 * Checks that a request came through the stage's CloudFront distribution: the distribution adds
 * the header `x-pocket-origin-verify`, and `POCKET_ORIGIN_VERIFY_SECRET` lists the accepted values
 * (comma-separated, so a rotation can accept the old and the new one). With the variable unset,
 * every request is accepted but none is `verified`. Values are compared through their SHA-256
 * digests with `timingSafeEqual`, every accepted value each time, so the timing says nothing
 * about them. The viewer headers are reported only for a verified request: anyone calling the API
 * directly can send them (docs/runtime-contract.md, POCKET_ORIGIN_VERIFY_SECRET).
 */
export function verifyOrigin(request: HeaderSource, env: NodeJS.ProcessEnv = process.env): OriginCheck {
  const accepted = (env[ORIGIN_VERIFY_VARIABLE] ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const refused = { ok: false, verified: false, viewerIp: undefined, host: undefined };
  if (accepted.length === 0) return { ...refused, ok: true };
  const given = headerValue(request, ORIGIN_VERIFY_HEADER);
  if (!given) return refused;
  const { createHash, timingSafeEqual } = nodeCrypto();
  const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();
  const givenDigest = digest(given);
  let ok = false;
  for (const value of accepted) ok = timingSafeEqual(givenDigest, digest(value)) || ok;
  if (!ok) return refused;
  return {
    ok,
    verified: true,
    viewerIp: headerValue(request, VIEWER_IP_HEADER) || undefined,
    host: headerValue(request, FORWARDED_HOST_HEADER)?.split(",")[0]?.trim() || undefined,
  };
}
