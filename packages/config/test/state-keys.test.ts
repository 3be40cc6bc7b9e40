import { describe, expect, it } from "vitest";
import { CONTAINER, context, GENERAL } from "./helpers.js";

describe("the keys pocket writes in the state bucket are derived in the context", () => {
  it("each stage has its own lock object", () => {
    expect(context(GENERAL, "dev")).toMatchObject({
      stateBucket: "dev-testprj-pocket-state",
      lockKey: "locks/dev.json",
    });
    expect(context(GENERAL, "prd").lockKey).toBe("locks/prd.json");
  });

  it("each stage keeps its own deploy history: records and the templates they deployed", () => {
    expect(context(GENERAL, "dev").history).toEqual({
      records: "history/dev/deploys/",
      templates: "history/dev/templates/",
    });
    expect(context(GENERAL, "prd").history.records).toBe("history/prd/deploys/");
  });

  it("the CodeBuild keys sit under the stage's prefix", () => {
    expect(context(`${GENERAL}${CONTAINER}`).container?.build).toMatchObject({
      codebuildSourceKey: "codebuild/dev-testprj-pocket-codebuild/source.zip",
      codebuildStateKey: "codebuild/dev-testprj-pocket-codebuild/last-build.json",
    });
  });
});
