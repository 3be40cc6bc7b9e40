import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  DSQL_TOKEN_SECONDS,
  type DsqlConnectionOptions,
  dsqlConnectionOptions,
  dsqlPassword,
  dsqlTokenExpiresAt,
  loadEnv,
  PocketRuntimeError,
  refreshDsqlToken,
  resetEnvLoaded,
} from "../src/index.js";

/*
 * [dsql]: the IAM token loadEnv() puts in POCKET_DSQL_TOKEN, and refreshDsqlToken() after it
 * expired (the clock moved past its 15 minutes). Tokens are presigned locally: no AWS call.
 *
 * Connections from a warm function: node-postgres calls the `password` function of
 * dsqlConnectionOptions() for every new connection, which gives the cold start's token while it
 * has time left and a new one after. pg is the app's dependency, not the runtime's (and is not
 * installed here), so `connect` below does what pg's Client does with a function password: call
 * it and send the result. The clock (Date, which the signer reads too) is moved by fake timers.
 */
const ENDPOINT = "abcdefghijklmnopqrstuvwxyz.dsql.ap-northeast-1.on.aws";
const saved = { ...process.env };

beforeEach(() => {
  resetEnvLoaded();
  Object.assign(process.env, {
    POCKET_STAGE: "dev",
    POCKET_PROJECT_NAME: "myapp",
    POCKET_REGION: "ap-northeast-1",
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
  });
  delete process.env.POCKET_SECRETS;
  delete process.env.POCKET_RDS_SECRET_ARN;
});
afterEach(() => {
  vi.useRealTimers();
  process.env = { ...saved };
});

/** The token's host and query (a presigned GET of the host, without the scheme). */
function signed(token: string): { host: string; query: URLSearchParams } {
  const url = new URL(`https://${token}`);
  return { host: url.hostname, query: url.searchParams };
}
const signedAt = (token: string) => {
  const d = signed(token).query.get("X-Amz-Date")!;
  return new Date(
    `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T${d.slice(9, 11)}:${d.slice(11, 13)}:${d.slice(13, 15)}Z`,
  );
};

describe("DSQL tokens", () => {
  it("loadEnv() puts a token for the admin role of the stage's cluster in POCKET_DSQL_TOKEN", async () => {
    Object.assign(process.env, { POCKET_DSQL_ENDPOINT: ENDPOINT, POCKET_DSQL_REGION: "ap-northeast-1" });
    await loadEnv();
    const { host, query } = signed(process.env.POCKET_DSQL_TOKEN!);
    expect(host).toBe(ENDPOINT);
    expect(query.get("Action")).toBe("DbConnectAdmin");
    expect(query.get("X-Amz-Expires")).toBe("900");
    expect(query.get("X-Amz-Credential")).toContain("/ap-northeast-1/dsql/aws4_request");
  });

  it("refreshDsqlToken() after expiry makes a token signed at the moved clock", async () => {
    Object.assign(process.env, { POCKET_DSQL_ENDPOINT: ENDPOINT, POCKET_DSQL_REGION: "ap-northeast-1" });
    const start = new Date("2026-12-07T12:00:00Z");
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(start);
    await loadEnv();
    const first = process.env.POCKET_DSQL_TOKEN!;
    expect(signedAt(first)).toEqual(start);
    const later = new Date(start.getTime() + 16 * 60_000);
    vi.setSystemTime(later);
    // The cold start's token has expired at the moved clock...
    expect(start.getTime() + Number(signed(first).query.get("X-Amz-Expires")) * 1000).toBeLessThan(
      later.getTime(),
    );
    const token = await refreshDsqlToken();
    // ...and the new one is signed then, and is what the environment now holds.
    expect(signedAt(token)).toEqual(later);
    expect(process.env.POCKET_DSQL_TOKEN).toBe(token);
    expect(token).not.toBe(first);
  });

  it("no token without [dsql]; refreshDsqlToken() says why", async () => {
    delete process.env.POCKET_DSQL_ENDPOINT;
    await loadEnv();
    expect(process.env.POCKET_DSQL_TOKEN).toBeUndefined();
    await expect(refreshDsqlToken()).rejects.toThrow(PocketRuntimeError);
    await expect(refreshDsqlToken()).rejects.toMatchObject({ code: "dsql-missing" });
  });
});

/** The password a new connection sends (pg awaits a function password per connection). */
async function connect(options: DsqlConnectionOptions): Promise<string> {
  return typeof options.password === "function" ? await options.password() : options.password;
}
const start = new Date("2026-12-07T12:00:00Z");
const minutes = (n: number) => new Date(start.getTime() + n * 60_000);

describe("DSQL connections", () => {
  beforeEach(() => {
    Object.assign(process.env, { POCKET_DSQL_ENDPOINT: ENDPOINT, POCKET_DSQL_REGION: "ap-northeast-1" });
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(start);
  });

  it("dsqlConnectionOptions() names the stage's cluster with DSQL's settings", () => {
    const { password, ...rest } = dsqlConnectionOptions();
    expect(rest).toEqual({ host: ENDPOINT, port: 5432, user: "admin", database: "postgres", ssl: true });
    expect(password).toBe(dsqlPassword);
  });

  it("a connection after the cold start's token expired carries a new one", async () => {
    await loadEnv();
    const cold = process.env.POCKET_DSQL_TOKEN!;
    const options = dsqlConnectionOptions();
    vi.setSystemTime(minutes(5));
    expect(await connect(options)).toBe(cold); // ten minutes left: the cold start's token
    vi.setSystemTime(minutes(16));
    expect(dsqlTokenExpiresAt(cold)).toBeLessThan(Date.now());
    const fresh = await connect(options);
    expect(fresh).not.toBe(cold);
    expect(dsqlTokenExpiresAt(fresh)).toBe(minutes(16).getTime() + DSQL_TOKEN_SECONDS * 1000);
    expect(process.env.POCKET_DSQL_TOKEN).toBe(fresh);
  });

  it("a token within a minute of expiring, or for another endpoint, is replaced", async () => {
    const first = await dsqlPassword();
    vi.setSystemTime(new Date(start.getTime() + (DSQL_TOKEN_SECONDS - 61) * 1000));
    expect(await dsqlPassword()).toBe(first);
    vi.setSystemTime(new Date(start.getTime() + (DSQL_TOKEN_SECONDS - 59) * 1000));
    const second = await dsqlPassword();
    expect(second).not.toBe(first);
    process.env.POCKET_DSQL_ENDPOINT = "other.dsql.ap-northeast-1.on.aws";
    expect(await dsqlPassword()).toMatch(/^other\.dsql\.ap-northeast-1\.on\.aws\//);
    expect(dsqlTokenExpiresAt("not-a-token")).toBeUndefined();
  });

  it("without [dsql], dsqlConnectionOptions() says why", () => {
    delete process.env.POCKET_DSQL_ENDPOINT;
    expect(() => dsqlConnectionOptions()).toThrow(PocketRuntimeError);
    expect(() => dsqlConnectionOptions()).toThrow(/POCKET_DSQL_ENDPOINT is not set/);
    try {
      dsqlConnectionOptions();
    } catch (e) {
      expect(e).toMatchObject({ code: "dsql-missing" });
    }
  });
});
