import { describe, expect, it } from "vitest";
import { CONTAINER, codes, context, GENERAL as GENERAL_ONLY, problems } from "./helpers.js";

/** Distributions serve from the stage's bucket (the default route may not use it). */
const GENERAL = `${GENERAL_ONLY}\n[s3]\n`;

/**
 * An API as a distribution's default route: the original's configuration.md ("Django 単体構成",
 * CloudFront → Lambda only) writes `{ is_default = true, type = "lambda", handler = "main.wsgi" }`.
 */
const container = (name: string) => `
[container.${name}]
dockerfile_path = "Dockerfile"

[container.${name}.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"
apigateway = {}
`;
const web = (...routes: string[]) => `\n[cloudfront.web]\nroutes = [\n  ${routes.join(",\n  ")},\n]\n`;
const DEFAULT_MAIN = '{ is_default = true, type = "lambda", handler = "main.wsgi" }';

describe("a lambda route as the default route (the original's current spelling)", () => {
  it("is the distribution's default route, to the handler's API", () => {
    const cf = context(`${GENERAL}${container("main")}${web(DEFAULT_MAIN)}`).cloudfront!.web!;
    expect(cf.routes.map((r) => [r.type, r.isDefault, r.pathPattern])).toEqual([["api", true, ""]]);
    expect(Object.keys(cf.apiOrigins)).toEqual(["main.wsgi"]);
  });

  it("beside S3 routes with a path", () => {
    const cf = context(
      `${GENERAL}${container("main")}${web('{ path_pattern = "/static/*", ref = "static" }', DEFAULT_MAIN)}`,
    ).cloudfront!.web!;
    expect(cf.routes.map((r) => [r.type, r.isDefault])).toEqual([
      ["s3", false],
      ["api", true],
    ]);
  });

  it.each(["main", "v2"])("with several containers, the default may be container %s's", (name) => {
    const ctx = context(
      `${GENERAL}${container("main")}${container("v2")}${web(
        `{ path_pattern = "/other/*", type = "lambda", handler = "${name === "main" ? "v2" : "main"}.wsgi" }`,
        `{ is_default = true, type = "lambda", handler = "${name}.wsgi" }`,
      )}`,
    );
    const routes = ctx.cloudfront!.web!.routes;
    expect(routes.filter((r) => r.isDefault).map((r) => r.type)).toEqual(["api"]);
    expect(routes).toHaveLength(2);
  });

  it("is no bucket folder for a storage that names the distribution without a route", () => {
    const ds = problems(
      `${GENERAL}${container("main")}[container.main.django.storages]\ndefault = { store = "s3", location = "media" }\nstaticfiles = { store = "s3", static = true, distribution = "web" }\n${web(DEFAULT_MAIN)}`,
    );
    expect(ds.map((d) => [d.code, d.path])).toEqual([
      ["storage-api-route", "container.main.django.storages.staticfiles.distribution"],
    ]);
  });

  it("still refuses what HEAD refuses on a lambda route (is_spa)", () => {
    expect(
      codes(
        problems(
          `${GENERAL}${container("main")}${web('{ is_default = true, is_spa = true, type = "lambda", handler = "main.wsgi" }')}`,
        ),
      ),
    ).toEqual(["route-api-flags"]);
  });

  it('the seed\'s spelling keeps its rule: a type = "api" route is never the default', () => {
    const ds = problems(
      `${GENERAL}${CONTAINER}apigateway = {}\n${web('{ is_default = true, type = "api", handler = "wsgi" }')}`,
    );
    expect(ds.map((d) => [d.code, d.path])).toEqual([
      ["route-api-default", "cloudfront.web.routes[0].is_default"],
    ]);
  });
});
