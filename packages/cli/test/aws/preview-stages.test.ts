import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { GetFunctionConfigurationCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type NeonServer, startNeonServer } from "../contract/neon-server.js";
import { djangoContainer, freshProject, general, REGION, stageImage, vendorPocket } from "./harness.js";
import { added, type Inventory, inventory } from "./inventory.js";
import { type KvsServer, startKvsServer } from "./kvs-server.js";

/*
 * Issue 26 item 6, done when: a preview stage (general.preview_stages, not listed in
 * general.stages) is deployed from its base stage's settings, its Neon branch a copy of the
 * base's, and `pocket destroy --with-data` leaves nothing of it, listed by resource type. The
 * stage has a bucket, the container (API, SQS worker, managed secrets with the Neon URL) and a
 * front end behind a distribution (its KeyValueStore on the kvs-server stand-in).
 */
const API_KEY = "neon-test-key-0123456789abcdef";
const TOML = `${general("shop")}preview_stages = "pr-*"
preview_base = "dev"

[s3]

[neon]
project_name = "shop-neon"

${djangoContainer({ managed: ['DATABASE_URL = { type = "neon_database_url" }'], handlers: { worker: ['command = "app.worker"', "sqs = {}"] } })}
[cloudfront.main]
routes = [{ is_default = true, is_spa = true, build_dir = "dist" }]

[dev.awscontainer.envs]
FROM_BASE = "dev"
`;

let neon: NeonServer;
let kvs: KvsServer;
let dir: string;
let image: string;
const pocket = vendorPocket(
  () => dir,
  () => ({
    POCKET_NEON_API_URL: neon.url,
    POCKET_NEON_POLL_MS: "5",
    NEON_API_KEY: API_KEY,
    AWS_ENDPOINT_URL_CLOUDFRONT_KEYVALUESTORE: `http://localhost:${kvs.port}`,
  }),
);

let beforePreview: Inventory;
let made: Inventory;

beforeAll(async () => {
  ({ dir, image } = await freshProject(TOML, "shop"));
  mkdirSync(join(dir, "dist"));
  writeFileSync(join(dir, "dist/index.html"), "<p>shop</p>");
  neon = await startNeonServer({ apiKey: API_KEY, projectName: "shop-neon" });
  kvs = await startKvsServer();
  const dev = await pocket(["deploy", "--stage", "dev", "--image", image]);
  expect(dev.status, dev.stderr).toBe(0);
  beforePreview = await inventory();
});
afterAll(async () => {
  await neon?.close();
  await kvs?.close();
});

describe("a preview stage", () => {
  it("deploys pr-42 from dev's settings, every name its own, its Neon branch a copy of dev's", async () => {
    const previewImage = await stageImage("shop", "pr-42");
    const r = await pocket(["deploy", "--stage", "pr-42", "--image", previewImage]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("created branch (from dev)");

    made = added(beforePreview, await inventory());
    // Every kind of thing the stage has, each named after pr-42 (nothing of dev's touched).
    expect(Object.keys(made).sort()).toEqual(
      expect.arrayContaining([
        "buckets",
        "functions",
        "queues",
        "repositories",
        "roles",
        "secrets",
        "stacks",
      ]),
    );
    expect(made.stacks).toEqual(
      expect.arrayContaining(["ap-northeast-1:pr-42-shop-container", "us-east-1:pr-42-shop-main-cloudfront"]),
    );
    for (const [type, names] of Object.entries(made))
      for (const name of names) expect(name, type).toContain(type === "queues" ? "pr-42-shop" : "pr-42");

    // dev's [dev.awscontainer.envs] came along, and the secret holds the copy's URL.
    const wsgi = await new LambdaClient({ region: REGION }).send(
      new GetFunctionConfigurationCommand({ FunctionName: "pr-42-shop-pocket-wsgi" }),
    );
    expect(wsgi.Environment?.Variables).toMatchObject({ FROM_BASE: "dev", POCKET_STAGE: "pr-42" });
    const post = neon.calls.filter((c) => c.method === "POST" && c.path.endsWith("/branches")).at(-1)!;
    const body = (post.body as { branch: { name: string; parent_id?: string } }).branch;
    expect(body.name).toBe("pr-42");
    const devPost = neon.calls.find((c) => c.method === "POST" && c.path.endsWith("/branches"))!;
    expect((devPost.body as { branch: { name: string } }).branch.name).toBe("dev");
    expect(body.parent_id).toMatch(/^br-\d+$/);
    expect(body.parent_id).not.toBe("br-main");
    // The copy kept dev's role and database: nothing else was created in Neon.
    const sincePreview = neon.calls.slice(neon.calls.indexOf(post));
    expect(sincePreview.filter((c) => c.method === "POST").map((c) => c.path)).toEqual([post.path]);
    const sm = new SecretsManagerClient({ region: REGION });
    const doc = JSON.parse(
      (await sm.send(new GetSecretValueCommand({ SecretId: "pr-42-shop-pocket" }))).SecretString!,
    );
    expect(doc["pr-42"].shop.DATABASE_URL).toMatch(/^postgres:\/\/shop:[^@]+@ep-\d+\./);
  });

  it("is destroyed by destroy --with-data: nothing of it is left, dev untouched", async () => {
    const r = await pocket(["destroy", "--stage", "pr-42", "--with-data", "--yes"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      "pr-42 is a preview stage: --with-data also deletes its managed secrets and state bucket",
    );
    expect(await inventory()).toEqual(beforePreview);
    expect(neon.branches().sort()).toEqual(["dev", "main"].sort());
  });

  it("refuses a stage that is neither listed nor a preview, naming the pattern", async () => {
    const r = await pocket(["deploy", "--stage", "feature-1", "--image", image]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      'stage "feature-1" is not in general.stages ["dev"] nor matches general.preview_stages "pr-*"',
    );
  });
});
