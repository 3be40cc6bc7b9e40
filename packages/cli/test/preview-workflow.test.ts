import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { repoRoot } from "./cli/run.js";

/*
 * Issue 26 item 6: the example workflow of preview stages (examples/github/preview.yml) passes
 * actionlint (scripts/check-workflows.mjs) and runs the commands the README's "Preview stages"
 * names: deploy per pull request, a comment with the URLs, destroy with --with-data on close.
 */
const FILE = join(repoRoot, "examples/github/preview.yml");
type Step = { uses?: string; run?: string; with?: Record<string, string>; env?: Record<string, string> };
type Job = { if: string; steps: Step[] };
const workflow = parse(readFileSync(FILE, "utf8")) as {
  on: { pull_request: { types: string[] } };
  permissions: Record<string, string>;
  env: { STAGE: string };
  jobs: { deploy: Job; destroy: Job };
};
const runs = (job: Job) => job.steps.flatMap((s) => (s.run ? [s.run] : []));

describe("examples/github/preview.yml", () => {
  it("passes actionlint", { timeout: 120_000 }, () => {
    const r = spawnSync(process.execPath, [join(repoRoot, "scripts/check-workflows.mjs"), FILE], {
      encoding: "utf8",
    });
    expect(r.stdout + r.stderr).not.toMatch(/\[[a-z-]+\]$/m);
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it("deploys pr-<number> on a pull request, comments the URLs, destroys it with its data on close", () => {
    expect(workflow.on.pull_request.types).toEqual(["opened", "reopened", "synchronize", "closed"]);
    expect(workflow.env.STAGE).toBe("pr-${{ github.event.pull_request.number }}");
    expect(workflow.permissions).toEqual({ contents: "read", "id-token": "write", "pull-requests": "write" });
    const { deploy, destroy } = workflow.jobs;
    expect(deploy.if).toBe("github.event.action != 'closed'");
    expect(destroy.if).toBe("github.event.action == 'closed'");
    expect(runs(deploy)).toContain('npx @magic-pocket/cli deploy --stage "$STAGE" --yes > urls.txt');
    expect(runs(deploy).some((r) => r.includes("gh pr comment") && r.includes("urls.txt"))).toBe(true);
    expect(runs(destroy)).toContain('npx @magic-pocket/cli destroy --stage "$STAGE" --with-data --yes');
    for (const job of [deploy, destroy]) {
      const aws = job.steps.find((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials"));
      expect(aws?.with?.["role-to-assume"]).toBe("${{ vars.POCKET_PREVIEW_ROLE_ARN }}");
    }
    // Nothing a pull request's author writes (title, branch name) reaches a shell.
    expect(readFileSync(FILE, "utf8")).not.toMatch(/\$\{\{[^}]*(title|body|head_ref|head\.ref)/);
  });
});
