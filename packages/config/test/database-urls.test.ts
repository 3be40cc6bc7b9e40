import { describe, expect, it } from "vitest";
import { codes, context, problems } from "./helpers.js";

// The original's current examples (configuration.md: "type = \"auto_database_url\"" and [neon]
// provisioning), database URLs without a database named per stage or provisioned by deploy.
const GENERAL = `[general]
region = "ap-northeast-1"
project_name = "testprj"
stages = ["dev", "prod"]

[container.main]
dockerfile_path = "Dockerfile"

[container.main.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"
`;
const HEAD = `${GENERAL}
[container.main.secrets.managed]
DATABASE_URL = { type = "auto_database_url" }

[vpc]
ref = "main"
zone_suffixes = ["a", "c"]

[dev.neon]
project_name = "dev-myproject"

[prod.rds]
`;

describe('type = "auto_database_url"', () => {
  it("is the Neon URL on a stage whose database is [neon]", () => {
    const c = context(HEAD, "dev");
    expect(c.container!.secrets?.managed.DATABASE_URL).toEqual({
      type: "neon_database_url",
      env: "DATABASE_URL",
    });
    expect(c.neon?.projectName).toBe("dev-myproject");
  });

  it("is left to [rds] (which sets DATABASE_URL itself) on a stage whose database is [rds]", () => {
    const c = context(HEAD, "prod");
    expect(c.rds).toBeDefined();
    expect(c.container!.secrets?.managed.DATABASE_URL).toBeUndefined();
  });

  it("is the TiDB URL with [tidb]", () => {
    const c = context(
      `${GENERAL}\n[container.main.secrets.managed]\nDATABASE_URL = { type = "auto_database_url" }\n\n[tidb]\nproject = "1234567890123456789"\n`,
    );
    expect(c.container!.secrets?.managed.DATABASE_URL).toEqual({
      type: "tidb_database_url",
      env: "DATABASE_URL",
    });
  });

  it("is an error where it is written when the stage has no database, or several", () => {
    const secret = '[container.main.secrets.managed]\nDATABASE_URL = { type = "auto_database_url" }\n';
    const none = problems(`${GENERAL}\n${secret}`);
    expect(none.map((d) => [d.code, d.path])).toEqual([
      ["auto-database-url-no-database", "container.main.secrets.managed.DATABASE_URL.type"],
    ]);
    expect(none[0]!.hint).toContain("[neon]");
    const both = problems(
      `${GENERAL}\n${secret}\n[neon]\nproject_name = "p"\n\n[tidb]\nproject = "1234567890123456789"\n`,
    );
    expect(codes(both)).toEqual(["auto-database-url-ambiguous"]);
    expect(both[0]!.message).toContain("[neon], [tidb]");
  });
});

// The original's current example (configuration.md, "neon", provisioning).
const COMMAND = `${GENERAL}
[dev.neon]
project_name = "dev-myproject"
provisioning = "command"

[dev.container.main.secrets.user]
DATABASE_URL = { type = "neon_database_url" }
`;

describe('[neon] provisioning = "command"', () => {
  it("is read, and the URL is the stored user secret named after its type", () => {
    const c = context(COMMAND, "dev");
    expect(c.neon?.provisioning).toBe("command");
    expect(c.container!.secrets?.user.DATABASE_URL).toEqual({
      name: "dev-testprj-pocket-user/neon_database_url",
      store: "sm",
    });
  });

  it('defaults to "deploy"', () => {
    expect(context(`${GENERAL}\n[neon]\nproject_name = "p"\n`).neon?.provisioning).toBe("deploy");
  });

  it("refuses a managed (computed) neon_database_url, which deploy could not fill", () => {
    const ds = problems(
      `${GENERAL}\n[neon]\nproject_name = "p"\nprovisioning = "command"\n\n[container.main.secrets.managed]\nDATABASE_URL = { type = "neon_database_url" }\n`,
    );
    expect(ds.map((d) => [d.code, d.path])).toEqual([
      ["neon-command-managed-url", "container.main.secrets.managed.DATABASE_URL.type"],
    ]);
    expect(ds[0]!.hint).toContain("store-url");
  });

  it("refuses any other value", () => {
    expect(codes(problems(`${GENERAL}\n[neon]\nproject_name = "p"\nprovisioning = "never"\n`))).toEqual([
      "invalid-value",
    ]);
  });
});

// The original's current [tidb] and [upstash] provisioning (configuration.md "tidb", "upstash").
describe('[tidb] and [upstash] provisioning = "command"', () => {
  const tidb = '[tidb]\nproject = "1234567890123456789"\nprovisioning = "command"\n';
  const upstash = '[upstash]\nprovisioning = "command"\n';

  it("are read, and each URL is the stored user secret named after its type", () => {
    const c = context(
      `${GENERAL}\n${tidb}\n${upstash}\n[container.main.secrets.user]\nDATABASE_URL = { type = "tidb_database_url" }\nREDIS_URL = { type = "upstash_redis_url" }\n`,
    );
    expect(c.tidb?.provisioning).toBe("command");
    expect(c.upstash?.provisioning).toBe("command");
    expect(c.container!.secrets?.user).toEqual({
      DATABASE_URL: { name: "dev-testprj-pocket-user/tidb_database_url", store: "sm" },
      REDIS_URL: { name: "dev-testprj-pocket-user/upstash_redis_url", store: "sm" },
    });
  });

  it('default to "deploy"', () => {
    const c = context(`${GENERAL}\n[tidb]\nproject = "p"\n\n[upstash]\n`);
    expect([c.tidb?.provisioning, c.upstash?.provisioning]).toEqual(["deploy", "deploy"]);
  });

  it("refuse a managed (computed) URL of their type, which deploy could not fill", () => {
    const ds = problems(
      `${GENERAL}\n${tidb}\n${upstash}\n[container.main.secrets.managed]\nDATABASE_URL = { type = "auto_database_url" }\nREDIS_URL = { type = "upstash_redis_url" }\n`,
    );
    expect(ds.map((d) => [d.code, d.path])).toEqual([
      ["tidb-command-managed-url", "container.main.secrets.managed.DATABASE_URL.type"],
      ["upstash-command-managed-url", "container.main.secrets.managed.REDIS_URL.type"],
    ]);
    expect(ds[0]!.hint).toContain("pocket resource tidb store-url");
    expect(ds[1]!.hint).toContain('REDIS_URL = { type = "upstash_redis_url" }');
  });

  it("a redis cache reads the stored Upstash URL (the original's example with the user secret)", () => {
    const c = context(
      `${GENERAL}\n${upstash}\n[container.main.secrets.user]\nREDIS_URL = { type = "upstash_redis_url" }\n\n[container.main.django.caches]\ndefault = { store = "redis" }\n`,
    );
    expect(c.container!.django.caches.default).toMatchObject({ LOCATION_ENV: "REDIS_URL" });
  });
});
