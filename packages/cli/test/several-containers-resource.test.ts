import { beforeAll, describe, expect, it } from "vitest";
import { buildCli } from "./cli/build.js";
import { pocket, project } from "./cli/run.js";

beforeAll(buildCli);

/*
 * `pocket resource awscontainer ...` in a stage of several `[container.<name>]` (the original's
 * cli.md: container commands take `--container <name>`, which may be left out with one
 * container). Offline: the template, and the refusals that come before any AWS call.
 */
const GENERAL = '[general]\nregion = "ap-northeast-1"\nstages = ["dev"]\n\n[s3]\n';
const container = (name: string) =>
  `[container.${name}]\ndockerfile_path = "Dockerfile"\n\n[container.${name}.secrets.managed]\nSECRET_KEY = { type = "password" }\n\n[container.${name}.handlers.wsgi]\ncommand = "pocket.django.lambda_handlers.wsgi_handler"\napigateway = {}\n`;
const two = () => project(`${GENERAL}\n${container("web")}\n${container("v2")}`);
const run = (dir: string, args: string[]) =>
  pocket(["resource", "awscontainer", ...args, "--stage", "dev"], {
    cwd: dir,
    env: { AWS_ACCESS_KEY_ID: "x", AWS_SECRET_ACCESS_KEY: "x", AWS_REGION: "ap-northeast-1" },
  });

describe("pocket resource awscontainer --container", () => {
  it("yaml prints the named container's stack only, and every container's without it", () => {
    const dir = two();
    const v2 = run(dir, ["yaml", "--container", "v2"]);
    expect(v2.status, v2.stderr).toBe(0);
    expect(v2.stdout).toContain("# dev-");
    expect(v2.stdout).toContain("-container-v2 (ap-northeast-1)");
    expect(v2.stdout).not.toContain("-container-web (");
    const all = run(dir, ["yaml"]);
    expect(all.stdout).toContain("-container-v2 (");
    expect(all.stdout).toContain("-container-web (");
  });

  it("an operation on one container must name it when there are several", () => {
    const dir = two();
    for (const op of [
      ["url"],
      ["secrets", "reload"],
      ["secrets", "list"],
      ["secrets", "create-pocket-managed"],
    ]) {
      const r = run(dir, op);
      expect(r.status, `${op.join(" ")}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain("stage dev has several containers (web, v2)");
      expect(r.stderr).toContain("--container web");
    }
  });

  it("an unknown container is refused with the choices", () => {
    const r = run(two(), ["yaml", "--container", "v3"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('stage dev has no container "v3"');
    expect(r.stderr).toContain("web, v2");
  });

  it("with one container, --container may name it", () => {
    const dir = project(`${GENERAL}\n${container("main")}`);
    const r = run(dir, ["yaml", "--container", "main"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("-container-main (ap-northeast-1)");
  });
});
