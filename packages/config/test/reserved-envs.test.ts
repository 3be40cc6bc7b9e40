import { expect, it } from "vitest";
import { loadConfig } from "../src/index.js";

const TOML = `[general]
region = "ap-northeast-1"
project_name = "app"
stages = ["dev"]

[awscontainer]
dockerfile_path = "Dockerfile"

[awscontainer.envs]
POCKET_STAGE = "x"
pocket_mode = "y"
GREETING = "hello"

[awscontainer.handlers.wsgi]
command = "app.wsgi"
`;

it("refuses [awscontainer.envs] names with pocket's own POCKET_ prefix, in any case", () => {
  const r = loadConfig({ configPath: "/virtual/app/pocket.toml", source: TOML, env: {}, stage: "dev" });
  expect(r.ok ? [] : r.diagnostics.map((d) => [d.code, d.path])).toEqual([
    ["env-reserved-prefix", "awscontainer.envs.POCKET_STAGE"],
    ["env-reserved-prefix", "awscontainer.envs.pocket_mode"],
  ]);
});
