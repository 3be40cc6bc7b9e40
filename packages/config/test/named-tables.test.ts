import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/index.js";

const GENERAL = '[general]\nregion = "ap-northeast-1"\nproject_name = "app"\nstages = ["dev"]\n';

const problems = (toml: string) => {
  const r = loadConfig({
    configPath: "/virtual/app/pocket.toml",
    source: GENERAL + toml,
    env: {},
    stage: "dev",
  });
  return r.ok ? [] : r.diagnostics.map(({ code, message, path, hint }) => ({ code, message, path, hint }));
};

describe("a section of named tables ([cloudfront.<name>]) that holds something else", () => {
  it("names a setting written one level too high, and still checks the tables beside it", () => {
    const found = problems('[cloudfront]\nroutes = 1\n\n[cloudfront.main]\nroutes = "x"\n');
    expect(found).toContainEqual({
      code: "invalid-type",
      message: "cloudfront.routes must be a table",
      path: "cloudfront.routes",
      hint: 'Distributions are named tables: [cloudfront.main] with routes = [...]. "routes" looks like a distribution setting written one level too high.',
    });
    expect(found.some((p) => p.path.startsWith("cloudfront.main.routes"))).toBe(true);
  });

  it("tells [container.<name>] problems in the file's order: a setting too high between two bad names", () => {
    const found = problems(
      '[container.A-1]\ndockerfile_path = "Dockerfile"\n\n[container]\ndockerfile_path = "x"\n\n[container.B-2]\ndockerfile_path = "Dockerfile"\n',
    );
    expect(found.map((p) => [p.code, p.path])).toEqual([
      ["container-name", "container.A-1"],
      ["invalid-type", "container.dockerfile_path"],
      ["container-name", "container.B-2"],
    ]);
    expect(found[1]!.hint).toBe(
      'Containers are named tables: [container.main] with dockerfile_path. "dockerfile_path" looks like a container setting written one level too high.',
    );
  });
});
