import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type UpstashServer, upstashVariables } from "../contract/upstash-server.js";
import { databaseUrlStage, freshUpstashProject, REGION, vendorPocket } from "./harness.js";

const EMAIL = "ops@example.com";
const API_KEY = "upstash-test-key-0123456789abcdef";

// A stage with an Upstash database whose URL feeds a managed secret (the seed's spelling).
const TOML = databaseUrlStage("demo", ["dev"], "[upstash]\nbudget = 30\n", "upstash_redis_url").replace(
  "DATABASE_URL",
  "REDIS_URL",
);

let upstash: UpstashServer;
let dir: string;
let image: string;
const pocket = vendorPocket(
  () => dir,
  () => upstashVariables(upstash, { email: EMAIL, apiKey: API_KEY }),
);

beforeAll(async () => {
  ({ dir, image, upstash } = await freshUpstashProject(TOML, "demo", { email: EMAIL, apiKey: API_KEY }));
});
afterAll(async () => upstash?.close());

describe("Upstash Redis against the contract server", () => {
  it("creates {project}-{stage} in Singapore and stores its URL in the managed secret", async () => {
    const r = await pocket(["deploy", "--stage", "dev", "--image", image]);
    expect(r.status, r.stderr).toBe(0);
    expect(upstash.databases()).toEqual(["demo-dev"]);
    expect(upstash.calls.filter((c) => c.method === "POST")).toEqual([
      {
        method: "POST",
        path: "/redis/database",
        body: {
          database_name: "demo-dev",
          platform: "aws",
          region: "global",
          primary_region: "ap-southeast-1",
          tls: true,
          budget: 30,
        },
      },
    ]);
    const sm = new SecretsManagerClient({ region: REGION });
    const doc = JSON.parse(
      (await sm.send(new GetSecretValueCommand({ SecretId: "dev-demo-pocket" }))).SecretString!,
    );
    expect(doc.dev.demo.REDIS_URL).toBe(
      "rediss://default:Pw%2Fwith%3Aurl%2Bsyntax%401@apn1-stage-1.upstash.io:6379",
    );
    expect(r.stderr + r.stdout).not.toContain("Pw/");
  });

  it("changes nothing on a second deploy", async () => {
    const before = upstash.calls.length;
    const r = await pocket(["deploy", "--stage", "dev", "--image", image]);
    expect(r.status, r.stderr).toBe(0);
    expect(upstash.calls.slice(before).filter((c) => c.method !== "GET")).toEqual([]);
    expect(r.stderr).toMatch(/Upstash Redis database demo-dev: no changes/);
    const status = await pocket(["resource", "upstash", "status", "--stage", "dev"]);
    expect(status.status, status.stderr).toBe(0);
    expect(status.stdout + status.stderr).toContain("in-sync (endpoint apn1-stage-1.upstash.io)");
  });

  it("sets a changed budget on the existing database", async () => {
    writeFileSync(join(dir, "pocket.toml"), TOML.replace("budget = 30", "budget = 40"));
    const before = upstash.calls.length;
    const r = await pocket(["resource", "upstash", "deploy", "--stage", "dev"]);
    expect(r.status, r.stderr).toBe(0);
    expect(upstash.calls.slice(before).filter((c) => c.method !== "GET")).toEqual([
      {
        method: "PATCH",
        path: "/redis/update-budget/db-1-0000-4000-8000-000000000000",
        body: { budget: 40 },
      },
    ]);
    expect(upstash.databases()).toEqual(["demo-dev"]);
  });

  it("keeps the database on destroy without --with-data and deletes it with", async () => {
    const kept = await pocket(["resource", "upstash", "destroy", "--stage", "dev", "--yes"]);
    expect(kept.status, kept.stderr).toBe(0);
    expect(upstash.databases()).toEqual(["demo-dev"]);
    const gone = await pocket(["resource", "upstash", "destroy", "--stage", "dev", "--yes", "--with-data"]);
    expect(gone.status, gone.stderr).toBe(0);
    expect(upstash.databases()).toEqual([]);
  });

  it("names UPSTASH_API_KEY when it is missing, and hides a rejected key", async () => {
    const missing = await pocket(["resource", "upstash", "status", "--stage", "dev"], {
      UPSTASH_API_KEY: "",
    });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("UPSTASH_API_KEY");
    const wrong = await pocket(["resource", "upstash", "status", "--stage", "dev"], {
      UPSTASH_API_KEY: "wrong-key-abcdefghijklmnop",
    });
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toContain("the Upstash API rejected the credentials");
    expect(wrong.stderr).not.toContain("wrong-key-abcdefghijklmnop");
  });
});
