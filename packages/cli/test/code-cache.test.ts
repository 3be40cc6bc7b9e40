import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import nodeModule from "node:module";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { project, repoRoot } from "./cli/run.js";

/**
 * bin/pocket.cjs keeps a V8 code cache per command on Node 20; on Node 22+ (the supported floor)
 * it turns on Node's own compile cache. The suite runs on Node 22, so the Node 20 path is run
 * with a Node 20 from PATH (the build machine's own Node) when there is one; the compile cache
 * is checked on the Node that runs the suite. The install is copied to a folder of its own, so
 * other test files' runs do not touch its caches.
 */
const hasCompileCache = (nodeModule as { enableCompileCache?: unknown }).enableCompileCache !== undefined;

/** A Node 20 to run the bin with: this one, or the first `node` on PATH that is 20. */
function node20(): string | undefined {
  if (!hasCompileCache) return process.execPath;
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const candidate = join(dir, "node");
    const v = spawnSync(candidate, ["--version"], { encoding: "utf8" });
    if (v.status === 0 && v.stdout.startsWith("v20.")) return candidate;
  }
  return undefined;
}
const NODE20 = node20();

const VALID = `[general]
region = "ap-northeast-1"
stages = ["dev"]

[s3]
`;

/** A copy of the bin and of these dist/ files in a folder of its own. */
function installCopy(prefix: string, distFiles: string[]): string {
  const install = mkdtempSync(join(tmpdir(), prefix));
  mkdirSync(join(install, "bin"));
  mkdirSync(join(install, "dist"));
  copyFileSync(join(repoRoot, "packages/cli/bin/pocket.cjs"), join(install, "bin/pocket.cjs"));
  for (const f of distFiles) copyFileSync(join(repoRoot, "packages/cli/dist", f), join(install, "dist", f));
  return install;
}

describe.runIf(NODE20 !== undefined)("the code cache of bin/pocket.cjs (Node 20)", () => {
  let install: string;
  beforeAll(() => {
    install = installCopy("pocket-cache-", ["cli.cjs", "cli-config.cjs", "bundles.json"]);
  });
  afterAll(() => rmSync(install, { recursive: true, force: true }));

  const run = (cwd: string) =>
    spawnSync(NODE20!, [join(install, "bin/pocket.cjs"), "config", "show", "--stage", "dev"], {
      cwd,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1" },
    });
  const caches = () => readdirSync(join(install, "dist")).filter((f) => f.endsWith(".v8cache"));

  it("keeps a failed run's cache as partial, until a run that succeeds replaces it", () => {
    expect(run(project("[general]\nregion = 1\n")).status).toBe(1);
    expect(caches()).toEqual([
      expect.stringMatching(/^cli-config\.cjs\..*\.config-show\..*\.partial\.v8cache$/),
    ]);

    const valid = project(VALID);
    const ok = run(valid);
    expect(ok.stderr).toBe("");
    expect(ok.status).toBe(0);
    const [full] = caches();
    expect(caches()).toEqual([
      expect.stringMatching(/^cli-config\.cjs\..*\.config-show\.v[\d.]+-\w+\.v8cache$/),
    ]);

    // A complete cache is kept as it is: the next runs only read it.
    const before = statSync(join(install, "dist", full!)).mtimeMs;
    expect(run(valid).status).toBe(0);
    expect(run(project("[general]\nregion = 1\n")).status).toBe(1);
    expect(caches()).toEqual([full]);
    expect(statSync(join(install, "dist", full!)).mtimeMs).toBe(before);
  });
});

describe.runIf(hasCompileCache)("the compile cache of bin/pocket.cjs (Node 22+)", () => {
  let cache: string;
  beforeAll(() => {
    cache = mkdtempSync(join(tmpdir(), "pocket-compile-cache-"));
  });
  afterAll(() => rmSync(cache, { recursive: true, force: true }));

  it("has Node keep the compiled CLI between runs", () => {
    const r = spawnSync(
      process.execPath,
      [join(repoRoot, "packages/cli/bin/pocket.cjs"), "config", "show", "--stage", "dev"],
      {
        cwd: project(VALID),
        encoding: "utf8",
        // Not NODE_COMPILE_CACHE (Node would cache on its own): the bin turns the cache on, in
        // the default folder under the temporary directory.
        env: { ...process.env, NO_COLOR: "1", NODE_COMPILE_CACHE: undefined, TMPDIR: cache },
      },
    );
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const files = readdirSync(join(cache, "node-compile-cache"), {
      recursive: true,
      withFileTypes: true,
    }).filter((f) => f.isFile());
    expect(files.length).toBeGreaterThan(0);
  });
});

describe("the bundle bin/pocket.cjs runs", () => {
  // An install whose full CLI bundle only fails: a command that runs it says so.
  let install: string;
  beforeAll(() => {
    install = installCopy("pocket-bundles-", ["cli-config.cjs", "bundles.json"]);
    writeFileSync(join(install, "dist/cli.cjs"), 'throw new Error("the full CLI bundle ran");\n');
  });
  afterAll(() => rmSync(install, { recursive: true, force: true }));

  const run = (args: string[]) =>
    spawnSync(process.execPath, [join(install, "bin/pocket.cjs"), ...args], {
      cwd: project(VALID),
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1", NODE_COMPILE_CACHE: undefined, TMPDIR: install },
    });

  it("is the config bundle for `pocket config ...`, wherever the command word is", () => {
    for (const args of [
      ["config", "show", "--stage", "dev", "--json"],
      ["--config", "pocket.toml", "config", "validate"],
      ["-c", "pocket.toml", "config", "show", "--stage", "dev"],
    ]) {
      const r = run(args);
      expect(r.stderr).not.toContain("the full CLI bundle ran");
      expect(r.status).toBe(0);
    }
    expect(JSON.parse(run(["config", "show", "--stage", "dev", "--json"]).stdout).settings.stage).toBe("dev");
  });

  it("is the full CLI for every other line", () => {
    for (const args of [
      ["version"],
      ["--help"],
      ["config-show"],
      ["-c", "config", "show"],
      ["--", "-x", "config"],
    ]) {
      expect(run(args).stderr).toContain("the full CLI bundle ran");
    }
  });
});
