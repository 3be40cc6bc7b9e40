import { createHash, generateKeyPairSync, randomBytes, randomInt } from "node:crypto";
import type { ManagedSecretContext } from "@magic-pocket/config";

/** A stored managed value: a string, or the two halves of a key pair (base64 of each PEM). */
export type SecretValue = string | { pem: string; pub: string };

/** Values of one stage and project, by managed name. */
export type SecretValues = Record<string, SecretValue>;

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** `length` characters drawn from `alphabet`; randomInt is uniform (no modulo bias). */
export function randomString(length: number, alphabet: string): string {
  let out = "";
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/**
 * Makes a new value for a managed secret, as the original does
 * (docs/decisions.md#b5-managed-secret-values). Database URLs are not made here: they come from
 * the Neon/TiDB resources, which must exist first.
 */
export function generateSecret(
  spec: ManagedSecretContext,
  /** A `basic_auth_credential`'s password from pocket.toml, when it has one. */
  given: { password?: string } = {},
): SecretValue {
  switch (spec.type) {
    case "password":
      return randomString(spec.length, spec.chars);
    case "spa_token_secret":
      return randomBytes(32).toString("hex");
    case "origin_verify":
      // Hex: safe in a header and never holds the "," that separates values during a rotation.
      return randomBytes(32).toString("hex");
    case "basic_auth_credential":
      // Letters and digits only: easy to type into a browser's prompt, 24 of them ≈ 142 bits.
      return `${spec.username}:${given.password ?? randomString(24, ALPHANUMERIC)}`;
    case "rsa_pem_base64":
    case "cloudfront_signing_key": {
      const { privateKey, publicKey } = generateKeyPairSync("rsa", {
        modulusLength: 2048,
        publicExponent: 65537,
        privateKeyEncoding: { type: "pkcs1", format: "pem" },
        publicKeyEncoding: { type: "spki", format: "pem" },
      });
      return {
        pem: Buffer.from(privateKey).toString("base64"),
        pub: Buffer.from(publicKey).toString("base64"),
      };
    }
    case "neon_database_url":
    case "tidb_database_url":
    case "upstash_redis_url":
      throw new Error(`${spec.type} values come from the database resource, not from a generator`);
  }
}

/** The PEM text of a key pair's public half, as CloudFront's PublicKey wants it. */
export function publicKeyPem(value: SecretValue | undefined): string | undefined {
  if (value === undefined || typeof value === "string") return undefined;
  return Buffer.from(value.pub, "base64").toString("utf8");
}

/**
 * A `basic_auth_credential` is stored as `user:password` (the username may not hold `:`, so the
 * first `:` splits them, as HTTP basic auth does).
 */
export function basicAuthCredential(value: unknown): { username: string; password: string } | undefined {
  if (typeof value !== "string") return undefined;
  const at = value.indexOf(":");
  if (at <= 0) return undefined;
  return { username: value.slice(0, at), password: value.slice(at + 1) };
}

/** What the edge function compares with: SHA-256 (hex) of `user:password`. */
export function basicAuthDigest(value: unknown): string | undefined {
  if (!basicAuthCredential(value)) return undefined;
  return createHash("sha256")
    .update(value as string, "utf8")
    .digest("hex");
}

/**
 * An `origin_verify` value is `current` or, while a rotation is deployed, `new,old`: the runtimes
 * accept each, CloudFront sends the first.
 */
export function originVerifyHeaderValue(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const first = value.split(",")[0]?.trim();
  return first ? first : undefined;
}

/** Short, one-way fingerprint of a value, to tell whether it changed without showing it. */
export function secretFingerprint(value: string): string {
  return createHash("sha256").update(value, "utf8").digest("hex").slice(0, 16);
}

/** `abc…(32 chars)`: enough to recognise a value, never enough to use it. */
export function maskSecret(value: SecretValue): string {
  if (typeof value !== "string") return "{pem: ****, pub: ****}";
  return `**** (${value.length} chars)`;
}
