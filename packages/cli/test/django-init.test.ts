import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildCli } from "./cli/build.js";
import { pocket, project } from "./cli/run.js";

const MANAGE = `#!/usr/bin/env python
import os, sys
if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
    from django.core.management import execute_from_command_line
    execute_from_command_line(sys.argv)
`;

function djangoProject(): string {
  const dir = project("", "my-shop");
  // project() writes a pocket.toml: init starts without one.
  writeFileSync(join(dir, "pocket.toml"), "");
  writeFileSync(join(dir, "manage.py"), MANAGE);
  return dir;
}

describe("pocket django init", () => {
  it("writes a pocket.toml that validates, the Dockerfile, and the runtime copy", () => {
    buildCli();
    const dir = djangoProject();
    rmSync(join(dir, "pocket.toml"));
    const r = pocket(["django", "init"], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("wrote pocket.toml");
    expect(r.stdout).toContain("from pocket.django.runtime import");
    const docker = readFileSync(join(dir, "pocket.Dockerfile"), "utf8");
    expect(docker).toContain("DJANGO_SETTINGS_MODULE=shop.settings");
    expect(docker).toContain("COPY .pocket/python-runtime /tmp/pocket-runtime");
    const runtime = join(dir, ".pocket", "python-runtime");
    expect(existsSync(join(runtime, "pyproject.toml"))).toBe(true);
    expect(existsSync(join(runtime, "src", "pocket", "django", "lambda_handlers.py"))).toBe(true);
    expect(existsSync(join(runtime, "tests"))).toBe(false);
    expect(existsSync(join(runtime, ".venv"))).toBe(false);
    const valid = pocket(["config", "validate"], { cwd: dir });
    expect(valid.status, valid.stderr).toBe(0);
  });

  it("never overwrites without asking: refuses on a non-terminal unless --force", () => {
    const dir = djangoProject();
    writeFileSync(join(dir, "pocket.toml"), "# mine\n");
    const refused = pocket(["django", "init"], { cwd: dir });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain("pocket.toml already exist; nothing was written.");
    expect(readFileSync(join(dir, "pocket.toml"), "utf8")).toBe("# mine\n");
    const forced = pocket(["django", "init", "--force"], { cwd: dir });
    expect(forced.status, forced.stderr).toBe(0);
    expect(readFileSync(join(dir, "pocket.toml"), "utf8")).toContain("[awscontainer.handlers.management]");
  });

  it("explains where to run it when there is no manage.py", () => {
    const dir = project("", "empty");
    const r = pocket(["django", "init"], { cwd: dir });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("there is no manage.py in");
  });
});
