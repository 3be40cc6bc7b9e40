import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { lambdaEnvironment } from "../src/index.js";
import { context, problems } from "./helpers.js";

/** The original's current example for `versioning = "deploy_hash"` (its configuration.md). */
const EXAMPLE = readFileSync(new URL("./fixtures/deploy-hash.toml", import.meta.url), "utf8");

describe('versioning = "deploy_hash" (docs/decisions.md#e22-deploy-hash-versioning)', () => {
  it("the original's example loads: the route is marked, with a long-cache headers policy", () => {
    const ctx = context(EXAMPLE, "sandbox");
    const route = ctx.cloudfront!.web!.routes.find((r) => r.ref === "static")!;
    expect(route).toMatchObject({ type: "s3", deployHash: true, isVersioned: false, keyPrefix: "static" });
    expect(route.type === "s3" && route.headersPolicyName).toBe("sandbox-myproject-web-static-headers");
  });

  it("the functions get DEPLOY_HASH from the stack parameter, and the static storage its marker", () => {
    const ctx = context(EXAMPLE, "sandbox");
    expect(ctx.container!.deployHash).toBe(true);
    const env = lambdaEnvironment(ctx);
    expect(env.DEPLOY_HASH).toEqual({ Ref: "DeployHash" });
    const django = JSON.parse(env.POCKET_DJANGO as string);
    expect(django.storages.staticfiles).toMatchObject({
      BACKEND: "pocket.django.storages.CloudFrontS3StaticStorage",
      VERSIONING: "deploy_hash",
      OPTIONS: { location: "static", distribution: "web" },
    });
    expect(django.storages.default.VERSIONING).toBeUndefined();
  });

  it("a stage without such a route has no DEPLOY_HASH", () => {
    const ctx = context(EXAMPLE.replace(', versioning = "deploy_hash"', ""), "sandbox");
    expect(ctx.container!.deployHash).toBe(false);
    expect(lambdaEnvironment(ctx).DEPLOY_HASH).toBeUndefined();
  });

  it.each([
    [
      "an SPA route",
      '{ is_default = true, is_spa = true, origin_path = "/app", versioning = "deploy_hash" }',
      "route-spa-versioned",
    ],
    [
      "a lambda route",
      '{ is_default = true, origin_path = "/app" }, { path_pattern = "/api/*", type = "lambda", handler = "main.wsgi", versioning = "deploy_hash" }',
      "route-api-flags",
    ],
    [
      "another value",
      '{ is_default = true, origin_path = "/app" }, { path_pattern = "/s/*", versioning = "git" }',
      undefined,
    ],
  ])("refuses deploy_hash on %s", (_what, routes, code) => {
    const source = EXAMPLE.replace(/routes = \[[\s\S]*?\n\]\n/, `routes = [${routes}]\n`);
    const ds = problems(source, "sandbox").filter((d) => d.severity === "error");
    expect(ds.length).toBeGreaterThan(0);
    if (code) expect(ds.map((d) => d.code)).toContain(code);
    expect(ds.some((d) => String(d.path).includes("versioning"))).toBe(true);
  });

  it("refuses a DEPLOY_HASH of the user's envs where it is written, container or handler", () => {
    const source = EXAMPLE.replace(
      'dockerfile_path = "pocket.Dockerfile"\n',
      'dockerfile_path = "pocket.Dockerfile"\nenvs = { DEPLOY_HASH = "v1" }\n',
    ).replace("timeout = 600\n", 'timeout = 600\nenvs = { DEPLOY_HASH = "v1" }\n');
    const ds = problems(source, "sandbox");
    expect(ds.map((d) => [d.code, d.path, d.position?.line])).toEqual([
      ["deploy-hash-env", "container.main.envs.DEPLOY_HASH", 10],
      ["deploy-hash-env", "container.main.handlers.management.envs.DEPLOY_HASH", 19],
    ]);
    expect(ds[0]!.file).toBe("/virtual/testprj/pocket.toml");
    expect(ds[0]!.message).toContain("[cloudfront.web] /static/*");
    expect(ds[0]!.hint).toContain("Remove it from envs");
  });

  it("accepts a DEPLOY_HASH of the user's envs on a stage without a deploy_hash route", () => {
    const source = EXAMPLE.replace(', versioning = "deploy_hash"', "").replace(
      'dockerfile_path = "pocket.Dockerfile"\n',
      'dockerfile_path = "pocket.Dockerfile"\nenvs = { DEPLOY_HASH = "v1" }\n',
    );
    expect(lambdaEnvironment(context(source, "sandbox")).DEPLOY_HASH).toBe("v1");
  });
});
