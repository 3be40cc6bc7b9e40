import { createHash, randomBytes } from "node:crypto";

/**
 * HTTP Digest authentication (RFC 7616), which the TiDB Cloud API requires: the private key never
 * crosses the network. Written here rather than taken from a package because the popular ones
 * bring their own fetch and hash libraries for what node:crypto and global fetch already do.
 */
export interface DigestChallenge {
  realm: string;
  nonce: string;
  qop?: string;
  opaque?: string;
  algorithm: string;
}

/** Parses `WWW-Authenticate: Digest realm="x", nonce="y", qop="auth", ...`; undefined if not Digest. */
export function parseDigestChallenge(header: string | null): DigestChallenge | undefined {
  if (!header || !/^\s*Digest\s/i.test(header)) return undefined;
  const fields: Record<string, string> = {};
  for (const m of header
    .replace(/^\s*Digest\s+/i, "")
    .matchAll(/([a-zA-Z]+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
    fields[m[1]!.toLowerCase()] = (m[2] ?? m[3] ?? "").replace(/\\(.)/g, "$1");
  }
  if (!fields.realm || !fields.nonce) return undefined;
  return {
    realm: fields.realm,
    nonce: fields.nonce,
    qop: fields.qop,
    opaque: fields.opaque,
    algorithm: fields.algorithm ?? "MD5",
  };
}

/** The `Authorization` header value for one request; `nc` counts requests made with this nonce. */
export function digestAuthorization(
  challenge: DigestChallenge,
  credentials: { username: string; password: string },
  request: { method: string; uri: string },
  nc: number,
  cnonce = randomBytes(8).toString("hex"),
): string {
  const algorithm = challenge.algorithm.toUpperCase();
  const base = algorithm.replace(/-SESS$/, "");
  const hashName = base === "SHA-256" ? "sha256" : base === "MD5" ? "md5" : undefined;
  if (!hashName) throw new Error(`unsupported Digest algorithm ${challenge.algorithm}`);
  const h = (s: string) => createHash(hashName).update(s).digest("hex");
  let ha1 = h(`${credentials.username}:${challenge.realm}:${credentials.password}`);
  if (algorithm.endsWith("-SESS")) ha1 = h(`${ha1}:${challenge.nonce}:${cnonce}`);
  const ha2 = h(`${request.method}:${request.uri}`);
  // Servers may offer "auth,auth-int"; only "auth" (no body hash) is used.
  const qop = challenge.qop
    ?.split(",")
    .map((q) => q.trim())
    .includes("auth")
    ? "auth"
    : undefined;
  const count = nc.toString(16).padStart(8, "0");
  const response = qop
    ? h(`${ha1}:${challenge.nonce}:${count}:${cnonce}:${qop}:${ha2}`)
    : h(`${ha1}:${challenge.nonce}:${ha2}`);
  const parts = [
    `username="${credentials.username}"`,
    `realm="${challenge.realm}"`,
    `nonce="${challenge.nonce}"`,
    `uri="${request.uri}"`,
    `algorithm=${challenge.algorithm}`,
    `response="${response}"`,
  ];
  if (qop) parts.push(`qop=${qop}`, `nc=${count}`, `cnonce="${cnonce}"`);
  if (challenge.opaque !== undefined) parts.push(`opaque="${challenge.opaque}"`);
  return `Digest ${parts.join(", ")}`;
}
