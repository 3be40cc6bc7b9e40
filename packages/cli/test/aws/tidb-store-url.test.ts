import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTidbServer, type TidbServer } from "../contract/tidb-server.js";
import { freshProject, vendorPocket } from "./harness.js";
import * as stored from "./stored-url.js";

/*
 * `[tidb] provisioning = "command"` (the original's configuration.md, "tidb"; cli.md, "store-url"):
 * deploy never calls TiDB Cloud and needs no key pair; `pocket resource tidb store-url` makes the
 * cluster, the stage's database and its own SQL user, and stores the URL in the stored user
 * secret of type tidb_database_url. TiDB shows no password again, so a URL is a new password:
 * a stored one is kept unless --force, which says the old URL stops working.
 */
const TOML = stored.storedUrlStage(
  "cmdt",
  '[tidb]\nproject = "Team"\nprovisioning = "command"\n',
  "DATABASE_URL",
  "tidb_database_url",
);
const PUBLIC_KEY = "TIDBPUBLIC1";
const PRIVATE_KEY = "tidb-private-0123456789abcdef";
const STORED = stored.storedName("cmdt", "tidb_database_url");
const URL_SHAPE =
  /^mysql:\/\/(\w+)\.pk_dev:([A-Za-z0-9]{24})@localhost:\d+\/cmdt_dev\?ssl_mode=VERIFY_IDENTITY$/;

let tidb: TidbServer;
let dir: string;
let image: string;
const pocket = vendorPocket(
  () => dir,
  () => ({
    POCKET_TIDB_IAM_URL: `${tidb.url}/iam/v1beta1`,
    POCKET_TIDB_API_URL: `${tidb.url}/serverless/v1beta1`,
    POCKET_TIDB_POLL_MS: "5",
    NODE_EXTRA_CA_CERTS: tidb.sql.caFile,
    TIDB_PUBLIC_KEY: PUBLIC_KEY,
    TIDB_PRIVATE_KEY: PRIVATE_KEY,
  }),
);
/** The CI has no key pair, but is pointed at the TiDB server: any call would be seen. */
const ci = (args: string[]) => pocket(args, { TIDB_PUBLIC_KEY: "", TIDB_PRIVATE_KEY: "" });
const runs: stored.StoreUrlRuns = {
  group: "tidb",
  deploy: (...extra) => ci(["deploy", "--stage", "dev", "--image", image, ...extra]),
  ci,
  operator: (args) => pocket(args),
  activity: () => ({ calls: tidb.calls.length, sql: tidb.statements.length }),
};
const storeUrl = (...extra: string[]) =>
  pocket(["resource", "tidb", "store-url", "--stage", "dev", ...extra]);

beforeAll(async () => {
  ({ dir, image } = await freshProject(TOML, "cmdt"));
  tidb = await startTidbServer({
    publicKey: PUBLIC_KEY,
    privateKey: PRIVATE_KEY,
    projects: [{ id: "1372813089187041999", name: "Team" }],
  });
});
afterAll(async () => tidb?.close());

describe('[tidb] provisioning = "command" against the contract server and moto', () => {
  it("a strict deploy before store-url stops, names store-url, and never calls TiDB Cloud", async () => {
    await stored.expectStrictDeployStops(runs, STORED);
    expect(runs.activity()).toEqual({ calls: 0, sql: 0 });
  });

  it("store-url makes the cluster, the stage's database and SQL user, and stores the URL without printing it", async () => {
    const r = await storeUrl();
    expect(r.status, r.stderr).toBe(0);
    const [cluster] = tidb.clusters();
    const user = `${cluster!.userPrefix}.pk_dev`;
    expect(tidb.databases).toContain("cmdt_dev");
    expect(r.stderr).toContain(
      `stage=dev → cluster=cmdt → database=cmdt_dev → user=${user} → host=localhost`,
    );
    expect(r.stderr).toContain("warning: cluster cmdt was created by this run");
    expect(r.stderr).toContain(`stored the TiDB URL in DATABASE_URL (Secrets Manager secret ${STORED})`);
    const [, prefix, password] = URL_SHAPE.exec(await stored.storedSecret(STORED))!;
    expect(prefix).toBe(cluster!.userPrefix);
    expect(tidb.statements.map((s) => s.sql)).toContain(
      `ALTER USER '${user}'@'%' IDENTIFIED BY '${password}'`,
    );
    expect(r.stderr + r.stdout).not.toContain(password);
  });

  it("store-url keeps a stored URL (no call at all) and says what --force would do", async () => {
    const before = { url: await stored.storedSecret(STORED), activity: runs.activity() };
    const r = await storeUrl();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("is already stored; nothing changed. Run with --force to store it again");
    expect(r.stderr).toContain("sets a new password for the stage's SQL user pk_dev");
    expect({ url: await stored.storedSecret(STORED), activity: runs.activity() }).toEqual(before);
  });

  it("store-url --force gives only the stage's SQL user a new password, stores it, and says the old URL stopped working", async () => {
    const before = await stored.storedSecret(STORED);
    const sql = tidb.statements.length;
    const r = await storeUrl("--force");
    expect(r.status, r.stderr).toBe(0);
    const after = await stored.storedSecret(STORED);
    expect(after).not.toBe(before);
    const password = URL_SHAPE.exec(after)![2]!;
    const alters = tidb.statements.slice(sql).filter((s) => s.sql.startsWith("ALTER USER"));
    expect(alters.map((s) => s.sql)).toEqual([
      `ALTER USER '${tidb.clusters()[0]!.userPrefix}.pk_dev'@'%' IDENTIFIED BY '${password}'`,
    ]);
    expect(r.stderr).not.toContain("was created by this run");
    expect(r.stderr).toContain("warning: --force sets a new password for the stage's SQL user pk_dev");
    expect(r.stderr).toContain("pocket resource awscontainer secrets reload --stage dev");
    expect(r.stderr + r.stdout).not.toContain(password);
  });

  it("deploys without a key pair, redeploys with no change, and never calls TiDB Cloud", async () => {
    await stored.expectKeylessDeploys(runs);
  });

  it("destroy, even --with-data, leaves the database it did not make and the stored URL", async () => {
    expect(await stored.expectDestroyLeavesIt(runs, STORED)).toMatch(URL_SHAPE);
    expect(tidb.databases).toContain("cmdt_dev");
  });
});
