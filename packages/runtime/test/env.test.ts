import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  allowedHosts,
  envLoaded,
  findTomlPath,
  loadEnv,
  PocketRuntimeError,
  parseDotenv,
  resetEnvLoaded,
  signedUrl,
  trustedOrigins,
} from "../src/index.js";

const saved = { ...process.env };
const cwd = process.cwd();
beforeEach(() => {
  resetEnvLoaded();
});
afterEach(() => {
  process.env = { ...saved };
  process.chdir(cwd);
});

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "pocket-runtime-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

describe("parseDotenv (the Python runtime's dialect)", () => {
  it("reads comments, export, quotes, escapes and inline comments", () => {
    const text = [
      "# comment",
      "",
      "export A=1",
      "B = 'single # kept'  # gone",
      'C="line\\nbreak \\"q\\""',
      "D=https://x.example/#frag",
      "E=value # comment",
      "F=",
    ].join("\n");
    expect(parseDotenv(text)).toEqual({
      A: "1",
      B: "single # kept",
      C: 'line\nbreak "q"',
      D: "https://x.example/#frag",
      E: "value",
      F: "",
    });
  });

  it.each([
    ["NOT AN ASSIGNMENT", "expected KEY=value"],
    ["1X=2", "expected KEY=value"],
    ["A='open", "unterminated single-quoted value"],
    ['A="open', "unterminated double-quoted value"],
    ["A='x' y", "unexpected text after the closing quote"],
  ])("refuses %j with the line", (line, why) => {
    let error: unknown;
    try {
      parseDotenv(`OK=1\n${line}`, "app/.env");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PocketRuntimeError);
    expect(error).toMatchObject({ code: "dotenv-syntax", location: "app/.env:2" });
    expect((error as Error).message).toContain(why);
  });
});

describe("loadEnv, not deployed", () => {
  it("reads the .env beside pocket.toml found from a sub-folder, keeping variables already set", async () => {
    const dir = project({
      "pocket.toml": "[general]\n",
      ".env": "RT_FROM_DOTENV=yes\nRT_ALREADY=from-file\n",
      "src/deep/x.txt": "",
    });
    delete process.env.POCKET_STAGE;
    delete process.env.RT_FROM_DOTENV;
    process.env.RT_ALREADY = "from-env";
    process.chdir(join(dir, "src/deep"));
    expect(findTomlPath()).toBe(join(dir, "pocket.toml"));
    await loadEnv();
    expect(process.env.RT_FROM_DOTENV).toBe("yes");
    expect(process.env.RT_ALREADY).toBe("from-env");
    expect(envLoaded()).toBe(true);
  });

  it("loads once: concurrent callers share one load, later calls do nothing", async () => {
    const dir = project({ "pocket.toml": "", ".env": "RT_ONCE=1\n" });
    delete process.env.POCKET_STAGE;
    delete process.env.RT_ONCE;
    process.chdir(dir);
    const a = loadEnv();
    const b = loadEnv();
    expect(a).toBe(b);
    await Promise.all([a, b]);
    expect(process.env.RT_ONCE).toBe("1");
    delete process.env.RT_ONCE;
    await loadEnv();
    expect(process.env.RT_ONCE).toBeUndefined();
  });

  it("a failed load is not marked done and is retried by the next call", async () => {
    const dir = project({ "pocket.toml": "", ".env": "BROKEN LINE\n" });
    delete process.env.POCKET_STAGE;
    process.chdir(dir);
    await expect(loadEnv()).rejects.toMatchObject({ code: "dotenv-syntax" });
    expect(envLoaded()).toBe(false);
    writeFileSync(join(dir, ".env"), "RT_FIXED=1\n");
    await loadEnv();
    expect(process.env.RT_FIXED).toBe("1");
  });
});

describe("the side-effect entry", () => {
  it("@magic-pocket/runtime/env has loaded the environment when the importer's body runs", async () => {
    const dir = project({ "pocket.toml": "", ".env": "RT_ENTRY=loaded\n" });
    delete process.env.POCKET_STAGE;
    delete process.env.RT_ENTRY;
    process.chdir(dir);
    await import("../src/env-entry.js");
    expect(process.env.RT_ENTRY).toBe("loaded");
    expect(envLoaded()).toBe(true);
  });
});

describe("loadEnv, deployed", () => {
  it("refuses a malformed POCKET_SECRETS before any AWS call and changes nothing", async () => {
    process.env.POCKET_STAGE = "dev";
    process.env.POCKET_SECRETS = JSON.stringify({ store: "vault", key: "k", stage: "dev", project: "p" });
    await expect(loadEnv()).rejects.toMatchObject({
      code: "secrets-document-malformed",
      location: "POCKET_SECRETS",
    });
    process.env.POCKET_SECRETS = '{"store":"sm","key":"k","stage":"dev","project":"p","managed":{"X":{}}}';
    await expect(loadEnv()).rejects.toThrow(/managed.X needs env, or pem and pub/);
    expect(envLoaded()).toBe(false);
  });

  it("merges the stage's hosts (API Gateway, CloudFront) into ALLOWED_HOSTS and CSRF_TRUSTED_ORIGINS", async () => {
    process.env.POCKET_STAGE = "dev";
    delete process.env.POCKET_SECRETS;
    delete process.env.POCKET_RDS_SECRET_ARN;
    delete process.env.CSRF_TRUSTED_ORIGINS;
    process.env.ALLOWED_HOSTS = "localhost, api.example.com";
    process.env.POCKET_HOSTS = "api.example.com,abc.execute-api.ap-northeast-1.amazonaws.com";
    process.env.POCKET_CLOUDFRONT_WEB_DOMAIN = "www.example.com";
    process.env.POCKET_CLOUDFRONT_MEDIA_DOMAIN = "d111.cloudfront.net";
    await loadEnv();
    expect(process.env.ALLOWED_HOSTS).toBe(
      "localhost,api.example.com,abc.execute-api.ap-northeast-1.amazonaws.com,d111.cloudfront.net,www.example.com",
    );
    expect(process.env.CSRF_TRUSTED_ORIGINS).toBe(
      "https://api.example.com,https://abc.execute-api.ap-northeast-1.amazonaws.com,https://d111.cloudfront.net,https://www.example.com",
    );
    expect(allowedHosts(["127.0.0.1", "localhost"]).slice(0, 3)).toEqual([
      "127.0.0.1",
      "localhost",
      "api.example.com",
    ]);
    expect(trustedOrigins(["http://localhost:3000"])[0]).toBe("http://localhost:3000");
  });
});

describe("signedUrl", () => {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const pem = privateKey.export({ type: "pkcs1", format: "pem" }).toString();

  function stage(managed: Record<string, unknown>) {
    process.env.POCKET_SECRETS = JSON.stringify({
      store: "sm",
      key: "k",
      stage: "dev",
      project: "p",
      managed,
    });
    process.env.POCKET_CLOUDFRONT_MEDIA_DOMAIN = "media.example.com";
  }

  it("signs with the one managed signing key (canned policy, key id from the deploy)", async () => {
    stage({
      CF_MEDIA_KEY: {
        type: "cloudfront_signing_key",
        pem: "CF_MEDIA_KEY_PEM_BASE64",
        pub: "CF_MEDIA_KEY_PUB_BASE64",
      },
    });
    process.env.CF_MEDIA_KEY_ID = "K2JCJMDEHXQW5F";
    process.env.CF_MEDIA_KEY_PEM_BASE64 = Buffer.from(pem).toString("base64");
    const now = Date.UTC(2030, 0, 1);
    const url = new URL(await signedUrl("media", "/uploads/a b.png", { expiresIn: 600, now }));
    expect(`${url.origin}${url.pathname}`).toBe("https://media.example.com/uploads/a%20b.png");
    expect(url.searchParams.get("Key-Pair-Id")).toBe("K2JCJMDEHXQW5F");
    expect(url.searchParams.get("Expires")).toBe(String(now / 1000 + 600));
    // The signature verifies with the public key over CloudFront's canned policy.
    const { createVerify } = await import("node:crypto");
    const policy = JSON.stringify({
      Statement: [
        {
          Resource: "https://media.example.com/uploads/a%20b.png",
          Condition: { DateLessThan: { "AWS:EpochTime": now / 1000 + 600 } },
        },
      ],
    });
    const sig = url.searchParams.get("Signature")!.replace(/-/g, "+").replace(/_/g, "=").replace(/~/g, "/");
    expect(createVerify("RSA-SHA1").update(policy).verify(publicKey, sig, "base64")).toBe(true);
  });

  it("needs the distribution's domain, a unique key or signingKey, and both key variables", async () => {
    stage({});
    delete process.env.POCKET_CLOUDFRONT_OTHER_DOMAIN;
    await expect(signedUrl("other", "x")).rejects.toMatchObject({
      code: "distribution-domain-missing",
      location: "POCKET_CLOUDFRONT_OTHER_DOMAIN",
    });
    await expect(signedUrl("media", "x")).rejects.toMatchObject({ code: "signing-key-missing" });
    stage({
      A: { type: "cloudfront_signing_key", pem: "A_PEM_BASE64", pub: "A_PUB_BASE64" },
      B: { type: "cloudfront_signing_key", pem: "B_PEM_BASE64", pub: "B_PUB_BASE64" },
    });
    await expect(signedUrl("media", "x")).rejects.toThrow(/several cloudfront_signing_key secrets/);
    delete process.env.B_ID;
    process.env.B_PEM_BASE64 = Buffer.from(pem).toString("base64");
    await expect(signedUrl("media", "x", { signingKey: "B" })).rejects.toMatchObject({
      code: "signing-key-missing",
      location: "B_ID",
    });
    process.env.B_ID = "KB";
    expect(await signedUrl("media", "x", { signingKey: "B" })).toContain("Key-Pair-Id=KB");
  });

  it("uses the variables a Django stage names for the distribution's signed storage", async () => {
    stage({});
    process.env.POCKET_DJANGO = JSON.stringify({
      storages: {
        default: {
          BACKEND: "x",
          OPTIONS: { distribution: "media", signing_key: { id_env: "MY_ID", pem_env: "MY_PEM" } },
        },
      },
    });
    process.env.MY_ID = "KMY";
    process.env.MY_PEM = Buffer.from(pem).toString("base64");
    expect(await signedUrl("media", "f.jpg")).toContain("Key-Pair-Id=KMY");
  });
});
