import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pocketAsync, project } from "../cli/run.js";
import { startTidbServer, type TidbServer } from "../contract/tidb-server.js";
import { motoEnv } from "../moto/moto.js";
import { databaseUrlStage, freshMoto, REGION, stageImage } from "./harness.js";

const PUBLIC_KEY = "TIDBPUBLIC1";
const PRIVATE_KEY = "tidb-private-0123456789abcdef";

// Two stages of one project share its TiDB cluster; each gets its database and SQL user.
const TOML = databaseUrlStage("demo", ["dev", "prd"], '[tidb]\nproject = "Team"\n', "tidb_database_url");

let tidb: TidbServer;
let dir: string;
const images: Record<string, string> = {};
const env = (extra: Record<string, string> = {}) => ({
  ...motoEnv(REGION),
  POCKET_TIDB_IAM_URL: `${tidb.url}/iam/v1beta1`,
  POCKET_TIDB_API_URL: `${tidb.url}/serverless/v1beta1`,
  POCKET_TIDB_POLL_MS: "5",
  TIDB_PUBLIC_KEY: PUBLIC_KEY,
  TIDB_PRIVATE_KEY: PRIVATE_KEY,
  NODE_EXTRA_CA_CERTS: tidb.sql.caFile,
  ...extra,
});
const deploy = (stage: string, extra: Record<string, string> = {}) =>
  pocketAsync(["deploy", "--stage", stage, "--image", images[stage]!], { cwd: dir, env: env(extra) });
const secretUrl = async (stage: string): Promise<string> => {
  const sm = new SecretsManagerClient({ region: REGION });
  const doc = JSON.parse(
    (await sm.send(new GetSecretValueCommand({ SecretId: `${stage}-demo-pocket` }))).SecretString!,
  );
  return doc[stage].demo.DATABASE_URL;
};
const changes = () => tidb.calls.filter((c) => c.method !== "GET");

beforeAll(async () => {
  await freshMoto();
  tidb = await startTidbServer({
    publicKey: PUBLIC_KEY,
    privateKey: PRIVATE_KEY,
    projects: [
      { id: "1372813089187041280", name: "Default Project" },
      { id: "1372813089187041999", name: "Team" },
    ],
  });
  for (const stage of ["dev", "prd"]) images[stage] = await stageImage("demo", stage);
  dir = project(TOML, "demo");
});
afterAll(async () => tidb?.close());

describe("TiDB Cloud Serverless against the contract server", () => {
  it("creates the cluster, the stage's database and user, and stores the URL in the managed secret", async () => {
    const r = await deploy("dev");
    expect(r.status, r.stderr).toBe(0);
    const [create] = changes();
    expect(create?.path).toBe("/serverless/v1beta1/clusters");
    expect(create?.body).toMatchObject({
      displayName: "demo",
      region: { name: "regions/aws-ap-northeast-1" },
      labels: { "tidb.cloud/project": "1372813089187041999" },
      endpoints: {
        public: {
          authorizedNetworks: [{ startIpAddress: "0.0.0.0", endIpAddress: "255.255.255.255" }],
        },
      },
    });
    expect(String(create?.body?.rootPassword)).toMatch(/^[A-Za-z0-9]{24}$/);
    // The root password chosen at creation is used as is: no reset.
    expect(changes()).toHaveLength(1);

    const [cluster] = tidb.clusters();
    const prefix = cluster!.userPrefix;
    expect(tidb.statements.map((s) => s.user)).toEqual(Array(4).fill(`${prefix}.root`));
    expect(tidb.statements.map((s) => s.sql.replace(/'[A-Za-z0-9]{24}'/, "'PW'"))).toEqual([
      "CREATE DATABASE IF NOT EXISTS `demo_dev`",
      `CREATE USER IF NOT EXISTS '${prefix}.pk_dev'@'%' IDENTIFIED BY 'PW'`,
      `ALTER USER '${prefix}.pk_dev'@'%' IDENTIFIED BY 'PW'`,
      `GRANT ALL PRIVILEGES ON \`demo_dev\`.* TO '${prefix}.pk_dev'@'%'`,
    ]);
    const url = await secretUrl("dev");
    expect(url).toMatch(
      new RegExp(
        `^mysql://${prefix}\\.pk_dev:[A-Za-z0-9]{24}@localhost:\\d+/demo_dev\\?ssl_mode=VERIFY_IDENTITY$`,
      ),
    );
    const password = /:([A-Za-z0-9]{24})@/.exec(url)![1]!;
    // Every SQL session upgraded to TLS before logging in, verified against the test CA.
    expect(tidb.sql.plaintextLogins).toBe(0);
    expect(r.stderr + r.stdout).not.toContain(password);
  });

  it("changes nothing in TiDB on a second deploy", async () => {
    const before = { calls: changes().length, sql: tidb.statements.length };
    const r = await deploy("dev");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("No changes");
    expect(changes().length).toBe(before.calls);
    expect(tidb.statements.length).toBe(before.sql);
  });

  it("gives a second stage its own database and user on the same cluster, leaving the first stage's URL valid", async () => {
    const devUrl = await secretUrl("dev");
    const r = await deploy("prd");
    expect(r.status, r.stderr).toBe(0);
    expect(tidb.clusters()).toHaveLength(1);
    // The root password is unknown to this run: it is replaced by a one-time value, never stored.
    expect(changes().at(-1)?.path).toMatch(/^\/serverless\/v1beta1\/clusters\/\d+\/password$/);
    expect(tidb.databases).toContain("demo_prd");
    expect(await secretUrl("prd")).toMatch(/pk_prd:[A-Za-z0-9]{24}@.*\/demo_prd\?ssl_mode=VERIFY_IDENTITY$/);
    expect(await secretUrl("dev")).toBe(devUrl);
  });

  it("keeps the data without --with-data; with it drops the stage's database, and the cluster goes with the last one", async () => {
    const kept = await pocketAsync(["destroy", "--stage", "dev", "--yes"], { cwd: dir, env: env() });
    expect(kept.status, kept.stderr).toBe(0);
    expect(tidb.databases).toContain("demo_dev");

    const dev = await pocketAsync(["resource", "tidb", "destroy", "--stage", "dev", "--yes", "--with-data"], {
      cwd: dir,
      env: env(),
    });
    expect(dev.status, dev.stderr).toBe(0);
    expect(tidb.databases).not.toContain("demo_dev");
    expect(tidb.clusters()).toHaveLength(1);
    expect(dev.stderr).toContain("still holds demo_prd");

    const prd = await pocketAsync(["resource", "tidb", "destroy", "--stage", "prd", "--yes", "--with-data"], {
      cwd: dir,
      env: env(),
    });
    expect(prd.status, prd.stderr).toBe(0);
    expect(tidb.clusters()).toHaveLength(0);
    // The destroys took the stages' image repositories with them; the tests below deploy again,
    // and deploy checks --image in ECR before anything else.
    for (const stage of ["dev", "prd"]) images[stage] = await stageImage("demo", stage);
  });

  it("says which key is wrong, and what to set when none is", async () => {
    const wrong = await deploy("dev", { TIDB_PRIVATE_KEY: "not-the-key" });
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toContain("rejected the key pair (public key");
    expect(wrong.stderr).not.toContain("not-the-key");
    const none = await pocketAsync(["resource", "tidb", "status", "--stage", "dev"], {
      cwd: dir,
      env: env({ TIDB_PUBLIC_KEY: "", TIDB_PRIVATE_KEY: "" }),
    });
    expect(none.status).toBe(1);
    expect(none.stderr).toContain("TIDB_PUBLIC_KEY");
  });

  it("names the refused statement without the password it carried", async () => {
    tidb.failStatements(/^CREATE USER/);
    try {
      const r = await deploy("dev");
      expect(r.status).toBe(1);
      expect(r.stderr).toContain("TiDB refused CREATE USER");
      const sent = tidb.statements.filter((s) => s.sql.startsWith("CREATE USER")).at(-1)!.sql;
      const password = /IDENTIFIED BY '([^']+)'/.exec(sent)![1]!;
      expect(r.stderr).toContain("****");
      expect(r.stderr).not.toContain(password);
    } finally {
      tidb.failStatements(undefined);
    }
  });

  it("refuses a SQL endpoint whose certificate it cannot verify", async () => {
    const r = await deploy("dev", { NODE_EXTRA_CA_CERTS: "" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("cannot connect to TiDB at localhost:");
    expect(r.stderr).toMatch(/certificate/);
    expect(r.stderr).toContain("NODE_EXTRA_CA_CERTS");
    expect(tidb.sql.plaintextLogins).toBe(0);
  });
});
