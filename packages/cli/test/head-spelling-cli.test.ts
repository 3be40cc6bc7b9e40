import { beforeAll, describe, expect, it } from "vitest";
import { buildCli } from "./cli/build.js";
import { pocket, project } from "./cli/run.js";

beforeAll(buildCli);

const GENERAL = '[general]\nregion = "ap-northeast-1"\nstages = ["dev"]\n\n[s3]\n';
const container = (name: string, dockerfile: string) =>
  `[container.${name}]\ndockerfile_path = "${dockerfile}"\n\n[container.${name}.handlers.wsgi]\ncommand = "pocket.django.lambda_handlers.wsgi_handler"\napigateway = {}\n`;

describe("the original's current spelling on the command line (docs/decisions.md D11)", () => {
  it('pocket config validate accepts [container.<name>] with type = "lambda" routes', () => {
    const dir = project(
      `${GENERAL}\n${container("main", "Dockerfile")}\n[cloudfront.main]\nroutes = [{ is_default = true, is_spa = true, origin_path = "/spa" }, { path_pattern = "/api/*", type = "lambda", handler = "main.wsgi" }]\n`,
    );
    const r = pocket(["config", "validate"], { cwd: dir });
    expect(r.stderr).toContain("valid (stages: dev)");
    expect(r.status).toBe(0);
  });

  it("pocket config validate accepts HEAD's [dsql] and [backup.dsql] (built: docs/decisions.md B13)", () => {
    const dir = project(`${GENERAL}\n${container("main", "Dockerfile")}\n[dsql]\n\n[backup.dsql]\n`);
    const r = pocket(["config", "validate"], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toContain("unsupported-feature");
  });

  it("several containers validate, with a schedule of a later container", () => {
    const two = `${GENERAL}\n${container("mydjango", "Dockerfile")}\n${container("v2", "v2/Dockerfile")}`;
    const ok = pocket(["config", "validate"], { cwd: project(two) });
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stderr).not.toContain("several-containers");
    const scheduled = `${two}\n[scheduler.schedules.tick]\nhandler = "v2.wsgi"\nrate = "1 hour"\n`;
    const r = pocket(["config", "validate"], { cwd: project(scheduled) });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toContain("unsupported-feature");
  });
});
