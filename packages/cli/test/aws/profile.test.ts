import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { pocket, project } from "../cli/run.js";
import { motoEnv } from "../moto/moto.js";
import { freshMoto, general, REGION } from "./harness.js";

// --profile reaches the SDK's shared config and credentials files (here pointing at moto).
const TOML = `
${general("prof")}
[s3]
`;

let dir: string;
let env: Record<string, string | undefined>;

beforeAll(async () => {
  await freshMoto();
  dir = project(TOML, "prof");
  const aws = mkdtempSync(join(tmpdir(), "pocket-aws-config-"));
  writeFileSync(join(aws, "config"), `[profile team]\nregion = ${REGION}\n`);
  writeFileSync(
    join(aws, "credentials"),
    "[team]\naws_access_key_id = testing\naws_secret_access_key = testing\n",
  );
  env = {
    ...motoEnv(REGION),
    AWS_ACCESS_KEY_ID: undefined,
    AWS_SECRET_ACCESS_KEY: undefined,
    AWS_SESSION_TOKEN: undefined,
    AWS_PROFILE: undefined,
    AWS_CONFIG_FILE: join(aws, "config"),
    AWS_SHARED_CREDENTIALS_FILE: join(aws, "credentials"),
  };
});

describe("--profile", () => {
  it("uses the named profile's credentials, for the stage and for one resource", () => {
    const stage = pocket(["status", "--stage", "dev", "--profile", "team"], { cwd: dir, env });
    expect(stage.status, stage.stderr).toBe(0);
    expect(stage.stdout).toContain("S3 bucket dev-prof-pocket");
    const one = pocket(["resource", "s3", "status", "--stage", "dev", "--profile", "team"], {
      cwd: dir,
      env,
    });
    expect(one.status, one.stderr).toBe(0);
    expect(one.stdout).toContain("missing");
  });

  it("says what to do when there are no credentials at all", () => {
    const r = pocket(["status", "--stage", "dev"], { cwd: dir, env });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/credentials/i);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
