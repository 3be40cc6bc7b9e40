import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  DSQL_TOKEN_SECONDS,
  type DsqlConnectionOptions,
  dsqlConnectionOptions,
  dsqlPassword,
  dsqlTokenExpiresAt,
  loadEnv,
  PocketRuntimeError,
  resetEnvLoaded,
} from "../src/index.js";

/*
 * [dsql] connections from a warm function: node-postgres calls the `password` function of
 * dsqlConnectionOptions() for every new connection, which gives the cold start's token while it
 * has time left and a new one after. pg is the app's dependency, not the runtime's (and is not
 * installed here), so `connect` below does what pg's Client does with a function password: call
 * it and send the result. The clock (Date, which the signer reads too) is moved by fake timers.
 */
const ENDPOINT = "abcdefghijklmnopqrstuvwxyz.dsql.ap-northeast-1.on.aws";
const saved = { ...process.env };
const start = new Date("2026-12-07T12:00:00Z");

beforeEach(() => {
  resetEnvLoaded();
  Object.assign(process.env, {
    POCKET_STAGE: "dev",
    POCKET_PROJECT_NAME: "myapp",
    POCKET_REGION: "ap-northeast-1",
    POCKET_DSQL_ENDPOINT: ENDPOINT,
    POCKET_DSQL_REGION: "ap-northeast-1",
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
  });
  delete process.env.POCKET_SECRETS;
  delete process.env.POCKET_RDS_SECRET_ARN;
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(start);
});
afterEach(() => {
  vi.useRealTimers();
  process.env = { ...saved };
});

/** The password a new connection sends (pg awaits a function password per connection). */
async function connect(options: DsqlConnectionOptions): Promise<string> {
  return typeof options.password === "function" ? await options.password() : options.password;
}
const minutes = (n: number) => new Date(start.getTime() + n * 60_000);

describe("DSQL connections", () => {
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
