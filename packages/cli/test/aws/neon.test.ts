import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type NeonServer, neonVariables } from "../contract/neon-server.js";
import { databaseUrlStage, freshNeonProject, REGION, stageImage, vendorPocket } from "./harness.js";

const API_KEY = "neon-test-key-0123456789abcdef";

// A stage with a Neon branch whose URL feeds a managed secret.
const TOML = databaseUrlStage(
  "demo",
  ["dev", "preview"],
  '[neon]\nproject_name = "demo-neon"\n',
  "neon_database_url",
);

let neon: NeonServer;
let dir: string;
let image: string;
const neonVars = () => neonVariables(neon, API_KEY);
const pocket = vendorPocket(() => dir, neonVars);

beforeAll(async () => {
  ({ dir, image, neon } = await freshNeonProject(TOML, "demo", API_KEY));
});
afterAll(async () => neon?.close());

describe("Neon against the contract server", () => {
  it("creates the stage's branch, role and database and stores the URL in the managed secret", async () => {
    const r = await pocket(["deploy", "--stage", "dev", "--image", image]);
    expect(r.status, r.stderr).toBe(0);
    expect(neon.branches()).toContain("dev");
    const posts = neon.calls.filter((c) => c.method === "POST").map((c) => c.path.replace(/br-\d+/, "BR"));
    expect(posts).toEqual([
      "/projects/floral-king-961888/branches",
      "/projects/floral-king-961888/branches/BR/roles",
      "/projects/floral-king-961888/branches/BR/databases",
    ]);
    expect(neon.calls.find((c) => c.method === "POST" && c.path.endsWith("/branches"))?.body).toEqual({
      branch: { name: "dev" },
      endpoints: [{ type: "read_write" }],
    });
    expect(neon.calls.find((c) => c.method === "POST" && c.path.endsWith("/databases"))?.body).toEqual({
      database: { name: "demo", owner_name: "demo" },
    });
    // Changes waited for their operations (and rode out 423 Locked) instead of sleeping.
    expect(neon.calls.some((c) => c.path.includes("/operations/"))).toBe(true);

    const sm = new SecretsManagerClient({ region: REGION });
    const doc = JSON.parse(
      (await sm.send(new GetSecretValueCommand({ SecretId: "dev-demo-pocket" }))).SecretString!,
    );
    expect(doc.dev.demo.DATABASE_URL).toMatch(
      /^postgres:\/\/demo:Pw%2Fwith%3Aurl%2Bsyntax%401@ep-\d+\.ap-southeast-1\.aws\.neon\.tech:5432\/demo\?sslmode=require$/,
    );
    expect(r.stderr + r.stdout).not.toContain("Pw");
  });

  it("changes nothing in Neon on a second deploy", async () => {
    const before = neon.calls.length;
    const r = await pocket(["deploy", "--stage", "dev", "--image", image]);
    expect(r.status, r.stderr).toBe(0);
    const calls = neon.calls.slice(before);
    expect(calls.filter((c) => c.method !== "GET")).toEqual([]);
    expect(r.stderr).toMatch(/Neon branch dev \(project demo-neon\): no changes/);
    const status = await pocket(["resource", "neon", "status", "--stage", "dev"]);
    expect(status.status, status.stderr).toBe(0);
    expect(status.stdout + status.stderr).toContain("in-sync (host ep-");
  });

  it("branches a preview stage out of dev: the copy keeps dev's role and database, deploy adds nothing", async () => {
    const out = await pocket(["resource", "neon", "branch-out", "--stage", "preview", "--base-stage", "dev"]);
    expect(out.status, out.stderr).toBe(0);
    const post = neon.calls.filter((c) => c.method === "POST").at(-1)!;
    expect(post.path).toBe("/projects/floral-king-961888/branches");
    const branch = (post.body as { branch: { name: string; parent_id: string } }).branch;
    expect(branch.name).toBe("preview");
    // dev's branch, not the project's default one.
    expect(branch.parent_id).toMatch(/^br-\d+$/);

    const before = neon.calls.length;
    const previewImage = await stageImage("demo", "preview");
    const r = await pocket(["deploy", "--stage", "preview", "--image", previewImage]);
    expect(r.status, r.stderr).toBe(0);
    expect(neon.calls.slice(before).filter((c) => c.method !== "GET")).toEqual([]);
    const sm = new SecretsManagerClient({ region: REGION });
    const doc = JSON.parse(
      (await sm.send(new GetSecretValueCommand({ SecretId: "preview-demo-pocket" }))).SecretString!,
    );
    expect(doc.preview.demo.DATABASE_URL).toMatch(
      /^postgres:\/\/demo:[^@]+@ep-\d+\.ap-southeast-1\.aws\.neon\.tech:5432\/demo\?sslmode=require$/,
    );

    const again = await pocket([
      "resource",
      "neon",
      "branch-out",
      "--stage",
      "preview",
      "--base-stage",
      "dev",
    ]);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain("already has its Neon branch");
  });

  it("keeps the branch on destroy without --with-data and deletes it with", async () => {
    const kept = await pocket(["resource", "neon", "destroy", "--stage", "dev", "--yes"]);
    expect(kept.status, kept.stderr).toBe(0);
    expect(neon.branches()).toContain("dev");
    const gone = await pocket(["resource", "neon", "destroy", "--stage", "dev", "--yes", "--with-data"]);
    expect(gone.status, gone.stderr).toBe(0);
    expect(neon.branches()).not.toContain("dev");
  });

  // The branch's status read with another NEON_API_KEY than the stage's.
  const statusWithKey = (key: string) =>
    pocket(["resource", "neon", "status", "--stage", "dev"], { NEON_API_KEY: key });

  it("says which key is wrong when Neon refuses it, without printing it", async () => {
    const r = await statusWithKey("wrong-key-abcdefghijklmnop");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("the Neon API rejected the key (wron…mnop (26 chars))");
    expect(r.stderr).not.toContain("wrong-key-abcdefghijklmnop");
  });

  it("names NEON_API_KEY when it is missing", async () => {
    const r = await statusWithKey("");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("NEON_API_KEY");
    // The whole stage's status still reports every other resource.
    const all = await pocket(["status", "--stage", "dev", "--json"], { NEON_API_KEY: "" });
    expect(all.status).toBe(1);
    const resources = (
      JSON.parse(all.stdout) as { resources: { id: string; state: string; detail?: string }[] }
    ).resources;
    expect(resources.find((x) => x.id === "neon")).toMatchObject({ state: "unknown" });
    expect(resources.find((x) => x.id === "neon")?.detail).toContain("NEON_API_KEY");
    expect(resources.find((x) => x.id === "state")?.state).toBe("in-sync");
  });
});
