import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "@magic-pocket/config";
import { beforeAll, describe, expect, it } from "vitest";
import { initNodeProject } from "../src/init/node.js";
import { buildCli } from "./cli/build.js";
import { pocket } from "./cli/run.js";

/*
 * `--spelling container`: init writes pocket.toml in the original's current spelling
 * ([container.main], handlers named main.<handler>), and it means what the seed spelling means.
 */
beforeAll(buildCli);

function load(dir: string) {
  const r = loadConfig({ cwd: dir, stage: "dev", env: {} });
  if (!r.ok) throw new Error(JSON.stringify(r.diagnostics, null, 2));
  return r.config;
}

async function nodeProject(spelling?: "container") {
  const dir = mkdtempSync(join(tmpdir(), "pocket-init-spelling-"));
  await initNodeProject(dir, { region: "eu-west-1", with: { worker: true, tasks: true }, spelling });
  return dir;
}

function djangoProject(): string {
  const dir = mkdtempSync(join(tmpdir(), "pocket-init-spelling-"));
  writeFileSync(
    join(dir, "manage.py"),
    'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")\n',
  );
  mkdirSync(join(dir, "shop"));
  writeFileSync(join(dir, "shop", "settings.py"), "SECRET_KEY = 'x'\nDEBUG = True\nALLOWED_HOSTS = []\n");
  return dir;
}

describe("init --spelling container", () => {
  it("pocket init --runtime node writes [container.main] that validates", { timeout: 120_000 }, async () => {
    const head = await nodeProject("container");
    const toml = readFileSync(join(head, "pocket.toml"), "utf8");
    expect(toml).toContain("[container.main]");
    expect(toml).toContain("[container.main.handlers.web]");
    expect(toml).not.toContain("awscontainer");
    expect(toml).toContain('# handler = "main.management"');
    const config = load(head);
    expect(config.settings.head?.spelling).toBe("head");
    expect(config.context.container!.stackName).toBe(`dev-${config.context.project}-container-main`);
    expect(Object.keys(config.settings.awscontainer!.handlers)).toEqual(["web", "worker", "management"]);
  });

  it("pocket django init --spelling container writes [container.main] that validates", () => {
    const dir = djangoProject();
    const r = pocket(["django", "init", "--yes", "--spelling", "container", "--database", "rds"], {
      cwd: dir,
    });
    expect(r.status, r.stderr).toBe(0);
    const toml = readFileSync(join(dir, "pocket.toml"), "utf8");
    expect(toml).toContain("[container.main.handlers.wsgi]");
    expect(toml).not.toMatch(/^\[awscontainer/m);
    const config = load(dir);
    expect(config.settings.head?.spelling).toBe("head");
    expect(config.context.rds!.databaseName).toBe(`dev_${config.context.project.replace(/-/g, "_")}`);
  });

  it("an unknown spelling is a usage error", () => {
    const r = pocket(["django", "init", "--yes", "--spelling", "awscontainer"], { cwd: djangoProject() });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("--spelling must be seed or container");
  });
});
