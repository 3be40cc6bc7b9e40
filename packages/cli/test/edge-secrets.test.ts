import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  basicAuthCredential,
  basicAuthDigest,
  generateSecret,
  originVerifyHeaderValue,
  secretFingerprint,
} from "../src/resources/secrets/values.js";

describe("edge secret values", () => {
  it("generates an origin-verify value of 64 hex digits, a new one each time", () => {
    const spec = { type: "origin_verify", env: "POCKET_ORIGIN_VERIFY_SECRET" } as const;
    const a = generateSecret(spec);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(generateSecret(spec)).not.toBe(a);
  });

  it("stores a basic-auth credential as user:password, generating the password unless given", () => {
    const spec = { type: "basic_auth_credential", username: "preview", env: "LOGIN" } as const;
    expect(generateSecret(spec)).toMatch(/^preview:[A-Za-z0-9]{24}$/);
    expect(generateSecret(spec, { password: "pa:ss word" })).toBe("preview:pa:ss word");
  });

  it("splits at the first colon and digests user:password", () => {
    expect(basicAuthCredential("preview:pa:ss")).toEqual({ username: "preview", password: "pa:ss" });
    expect(basicAuthCredential(":nouser")).toBeUndefined();
    expect(basicAuthCredential({ pem: "", pub: "" })).toBeUndefined();
    expect(basicAuthDigest("preview:pa:ss")).toBe(createHash("sha256").update("preview:pa:ss").digest("hex"));
    expect(basicAuthDigest("no-colon")).toBeUndefined();
  });

  it("sends the first origin-verify value during a rotation", () => {
    expect(originVerifyHeaderValue("new,old")).toBe("new");
    expect(originVerifyHeaderValue("only")).toBe("only");
    expect(originVerifyHeaderValue("")).toBeUndefined();
    expect(secretFingerprint("new")).toHaveLength(16);
    expect(secretFingerprint("new")).not.toBe(secretFingerprint("old"));
  });
});
