import { describe, expect, it } from "vitest";
import { viewerRequestFunction } from "../../cli/src/cloudfront/functions/viewer-request.js";
import { loadFunction, viewerRequest } from "../../cli/test/cloudfront-functions/harness.js";
import { deployHashUrl } from "../src/index.js";

// docs/decisions.md#e22-deploy-hash-versioning: the URL of a file under a deploy_hash route.
describe("deployHashUrl", () => {
  it("puts the deploy's hash as the folder after the route's prefix", () => {
    const env = { DEPLOY_HASH: "a1b2c3d" };
    expect(deployHashUrl("/static", "app.css", env)).toBe("/static/a1b2c3d/app.css");
    expect(deployHashUrl("/static/", "/js/app.js", env)).toBe("/static/a1b2c3d/js/app.js");
    expect(deployHashUrl("https://cdn.example.com/static", "app.css", env)).toBe(
      "https://cdn.example.com/static/a1b2c3d/app.css",
    );
  });

  it("names the bucket's file once the route's viewer-request function drops the hash", async () => {
    const { handler } = loadFunction(viewerRequestFunction({ deployHash: { routePrefix: "/static/" } }));
    const url = deployHashUrl("/static", "js/app.js", { DEPLOY_HASH: "a1b2c3d" });
    const out = (await handler(viewerRequest(url))) as { uri: string };
    expect(out.uri).toBe("/static/js/app.js");
  });

  it("is the plain path without DEPLOY_HASH (locally, or no deploy_hash route)", () => {
    expect(deployHashUrl("/static", "app.css", {})).toBe("/static/app.css");
    expect(deployHashUrl("/static", "app.css", { DEPLOY_HASH: "" })).toBe("/static/app.css");
  });

  it("reads process.env by default", () => {
    const before = process.env.DEPLOY_HASH;
    process.env.DEPLOY_HASH = "v9";
    try {
      expect(deployHashUrl("/static", "app.css")).toBe("/static/v9/app.css");
    } finally {
      if (before === undefined) delete process.env.DEPLOY_HASH;
      else process.env.DEPLOY_HASH = before;
    }
  });
});
