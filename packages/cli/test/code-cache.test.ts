import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import nodeModule from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { project, repoRoot } from "./cli/run.js";

/**
 * bin/pocket.cjs keeps a V8 code cache per command on Node 20 (Node 22+ caches modules itself:
 * there the bin uses module.enableCompileCache, and this suite has nothing to check). The
 * install is copied to a folder of its own, so other test files' runs do not touch its caches.
 */
const usesOwnCache = (nodeModule as { enableCompileCache?: unknown }).enableCompileCache === undefined;

const VALID = `[general]
region = "ap-northeast-1"
stages = ["dev"]

[s3]
`;

describe.runIf(usesOwnCache)("the code cache of bin/pocket.cjs (Node 20)", () => {
  let install: string;
  beforeAll(() => {
    install = mkdtempSync(join(tmpdir(), "pocket-cache-"));
    mkdirSync(join(install, "bin"));
    mkdirSync(join(install, "dist"));
    copyFileSync(join(repoRoot, "packages/cli/bin/pocket.cjs"), join(install, "bin/pocket.cjs"));
    for (const f of ["cli.cjs", "bundles.json"]) {
      copyFileSync(join(repoRoot, "packages/cli/dist", f), join(install, "dist", f));
    }
  });
  afterAll(() => rmSync(install, { recursive: true, force: true }));

  const run = (cwd: string) =>
    spawnSync(process.execPath, [join(install, "bin/pocket.cjs"), "config", "show", "--stage", "dev"], {
      cwd,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1" },
    });
  const caches = () => readdirSync(join(install, "dist")).filter((f) => f.endsWith(".v8cache"));

  it("keeps a failed run's cache as partial, until a run that succeeds replaces it", () => {
    expect(run(project("[general]\nregion = 1\n")).status).toBe(1);
    expect(caches()).toEqual([expect.stringMatching(/\.config-show\..*\.partial\.v8cache$/)]);

    const valid = project(VALID);
    const ok = run(valid);
    expect(ok.stderr).toBe("");
    expect(ok.status).toBe(0);
    const [full] = caches();
    expect(caches()).toEqual([expect.stringMatching(/\.config-show\.v[\d.]+-\w+\.v8cache$/)]);

    // A complete cache is kept as it is: the next runs only read it.
    const before = statSync(join(install, "dist", full!)).mtimeMs;
    expect(run(valid).status).toBe(0);
    expect(run(project("[general]\nregion = 1\n")).status).toBe(1);
    expect(caches()).toEqual([full]);
    expect(statSync(join(install, "dist", full!)).mtimeMs).toBe(before);
  });
});
