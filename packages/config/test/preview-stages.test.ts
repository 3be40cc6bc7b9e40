import { describe, expect, it } from "vitest";
import { validateAllStages } from "../src/index.js";
import { CONTAINER, codes, context, problems } from "./helpers.js";

/** dev and prd listed; previews named pr-* take dev's settings (its [dev.x] overrides). */
const general = (extra: string) => `[general]
region = "ap-northeast-1"
project_name = "testprj"
stages = ["dev", "prd"]
${extra}
`;
const PREVIEWS = general('preview_stages = "pr-*"\npreview_base = "dev"');
const FILE = `${PREVIEWS}
[s3]

${CONTAINER}
[neon]
project_name = "testprj-neon"

[dev.awscontainer.envs]
FROM_DEV = "yes"

[prd.awscontainer.envs]
FROM_PRD = "yes"
`;

describe("preview stages", () => {
  it("loads an unlisted stage that matches the pattern with the base stage's settings, named after itself", () => {
    const ctx = context(FILE, "pr-42");
    expect(ctx.stage).toBe("pr-42");
    expect(ctx.preview).toEqual({
      base: "dev",
      pattern: "pr-*",
      baseBoundary: "dev-testprj-pocket-boundary",
      sharedPrefix: "pr-previews-testprj-pocket-",
    });
    expect(ctx.resourcePrefix).toBe("pr-42-testprj-pocket-");
    expect(ctx.stateBucket).toBe("pr-42-testprj-pocket-state");
    expect(ctx.s3?.bucketName).toBe("pr-42-testprj-pocket");
    expect(ctx.container?.handlers.wsgi?.functionName).toBe("pr-42-testprj-pocket-wsgi");
    expect(ctx.container?.envs).toMatchObject({ FROM_DEV: "yes" });
    expect(ctx.container?.envs).not.toHaveProperty("FROM_PRD");
    // Its Neon branch is its own, made as a copy of the base stage's.
    expect(ctx.neon).toMatchObject({ branch: "pr-42", parentBranch: "dev" });
  });

  it("bounds a preview's roles by the boundary previews share when the base has pocket's own", () => {
    const own = `${FILE}
[dev.awscontainer.iam]
permissions_boundary = "arn:aws:iam::123456789012:policy/dev-testprj-pocket-boundary"
`;
    expect(context(own, "pr-42").container?.permissionsBoundary).toBe(
      "arn:aws:iam::123456789012:policy/pr-previews-testprj-pocket-boundary",
    );
    expect(context(own, "dev").container?.permissionsBoundary).toBe(
      "arn:aws:iam::123456789012:policy/dev-testprj-pocket-boundary",
    );
    // A boundary of the user's own is everyone's, previews' too.
    const theirs = own.replace("dev-testprj-pocket-boundary", "team-boundary");
    expect(context(theirs, "pr-42").container?.permissionsBoundary).toBe(
      "arn:aws:iam::123456789012:policy/team-boundary",
    );
  });

  it("leaves listed stages as they were", () => {
    const dev = context(FILE, "dev");
    expect(dev.preview).toBeUndefined();
    expect(dev.neon?.parentBranch).toBeUndefined();
  });

  it("refuses a stage that is neither listed nor a preview, naming the pattern", () => {
    const [d] = problems(FILE, "feature-1");
    expect(d?.code).toBe("unknown-stage");
    expect(d?.message).toBe(
      'stage "feature-1" is not in general.stages ["dev", "prd"] nor matches general.preview_stages "pr-*"',
    );
    expect(d?.hint).toContain('"pr-42"');
    expect(d?.position?.line).toBe(4);
  });

  it("refuses a preview name that is not a valid stage name", () => {
    const [d] = problems(FILE, "pr-Big/One");
    expect(d?.code).toBe("preview-stage-name");
    expect(d?.path).toBe("general.preview_stages");
    expect(d?.position?.line).toBe(5);
  });

  it("refuses a pattern that matches a listed stage", () => {
    const ds = problems(`${general('preview_stages = "p*"\npreview_base = "dev"')}${CONTAINER}`, "dev");
    expect(codes(ds)).toEqual(["preview-pattern-matches-stage"]);
    expect(ds[0]?.message).toBe('preview_stages "p*" matches the listed stage "prd"');
    expect(ds[0]?.path).toBe("general.preview_stages");
  });

  it("refuses a base that is not a listed stage, also when a preview stage is loaded", () => {
    const file = `${general('preview_stages = "pr-*"\npreview_base = "staging"')}${CONTAINER}`;
    for (const stage of ["dev", "pr-1"]) {
      const ds = problems(file, stage);
      expect(codes(ds)).toEqual(["preview-base-unknown"]);
      expect(ds[0]?.path).toBe("general.preview_base");
      expect(ds[0]?.message).toBe('preview_base "staging" is not in general.stages ["dev", "prd"]');
    }
  });

  it("needs both keys, and a pattern with a *", () => {
    expect(codes(problems(`${general('preview_stages = "pr-*"')}${CONTAINER}`))).toEqual([
      "preview-base-missing",
    ]);
    expect(codes(problems(`${general('preview_base = "dev"')}${CONTAINER}`))).toEqual([
      "preview-stages-missing",
    ]);
    const noStar = problems(`${general('preview_stages = "pr"\npreview_base = "dev"')}${CONTAINER}`);
    expect(noStar.map((d) => d.message)).toEqual([
      'preview_stages "pr" needs a * for the part that differs, e.g. "pr-*"',
    ]);
    expect(
      codes(problems(`${general('preview_stages = "PR-*"\npreview_base = "dev"')}${CONTAINER}`)),
    ).toEqual(["invalid-format"]);
  });

  it("validates the file once for every listed stage (previews are not enumerated)", () => {
    const r = validateAllStages({ configPath: "/virtual/testprj/pocket.toml", source: FILE, env: {} });
    expect(r.stages).toEqual(["dev", "prd"]);
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  });
});
