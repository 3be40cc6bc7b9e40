import { generateKeyPairSync, randomBytes, randomInt } from "node:crypto";
import type { ManagedSecretContext } from "@magic-pocket/config";

/** A stored managed value: a string, or the two halves of a key pair (base64 of each PEM). */
export type SecretValue = string | { pem: string; pub: string };

/** Values of one stage and project, by managed name. */
export type SecretValues = Record<string, SecretValue>;

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
export function generateSecret(spec: ManagedSecretContext): SecretValue {
  switch (spec.type) {
    case "password":
      return randomString(spec.length, spec.chars);
    case "spa_token_secret":
      return randomBytes(32).toString("hex");
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
      throw new Error(`${spec.type} values come from the database resource, not from a generator`);
  }
}

/** The PEM text of a key pair's public half, as CloudFront's PublicKey wants it. */
export function publicKeyPem(value: SecretValue | undefined): string | undefined {
  if (value === undefined || typeof value === "string") return undefined;
  return Buffer.from(value.pub, "base64").toString("utf8");
}

/** `abc…(32 chars)`: enough to recognise a value, never enough to use it. */
export function maskSecret(value: SecretValue): string {
  if (typeof value !== "string") return "{pem: ****, pub: ****}";
  return `**** (${value.length} chars)`;
}
