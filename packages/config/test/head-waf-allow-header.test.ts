import { describe, expect, it } from "vitest";
import { context, GENERAL, problems } from "./helpers.js";

/*
 * `waf.allow_rules` with a `header` (the original's configuration.md, "allow_rules"): the rule
 * allows requests whose x-pocket-waf-allow header holds a managed secret pocket generates, on the
 * rule's path when one is given; the secret is stored with the first container's.
 */
const CONTAINER = `
[container.web]
dockerfile_path = "Dockerfile"
[container.web.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"
apigateway = {}
`;
const source = (rules: string, container = CONTAINER) => `${GENERAL}
[s3]
${container}
[cloudfront.web]
routes = [{ is_default = true, is_spa = true }]

[cloudfront.web.waf]
enable_ip_set = true
allow_rules = [${rules}]
`;

describe("waf.allow_rules on a secret header", () => {
  it("names the managed secret and the path, generated as a 64-character password", () => {
    const ctx = context(
      source('{ path = "/api/smoke/*", header = "SMOKE_ALLOW_SECRET" }, { header = "OPEN_SECRET" }'),
    );
    expect(ctx.cloudfront!.web!.waf!.allowHeaderRules).toEqual([
      { secret: "SMOKE_ALLOW_SECRET", path: { value: "/api/smoke/", prefix: true } },
      { secret: "OPEN_SECRET" },
    ]);
    // A header rule's prefix is no plain allow path: it needs the secret too.
    expect(ctx.cloudfront!.web!.waf!.allowPaths).toEqual([]);
    expect(ctx.container!.secrets!.managed.SMOKE_ALLOW_SECRET).toMatchObject({
      type: "password",
      length: 64,
    });
    expect(ctx.container!.secrets!.pocketKey).toBe("dev-testprj-web-pocket");
  });

  it("an exact path is that path only", () => {
    const ctx = context(source('{ path = "/api/smoke", header = "SMOKE" }'));
    expect(ctx.cloudfront!.web!.waf!.allowHeaderRules).toEqual([
      { secret: "SMOKE", path: { value: "/api/smoke", prefix: false } },
    ]);
  });

  it("keeps a password the file declares itself, and refuses another type", () => {
    const declared = `${CONTAINER}[container.web.secrets.managed]\nSMOKE = { type = "password", options = { length = 40 } }\n`;
    expect(context(source('{ header = "SMOKE" }', declared)).container!.secrets!.managed.SMOKE).toMatchObject(
      {
        length: 40,
      },
    );
    const rsa = `${CONTAINER}[container.web.secrets.managed]\nSMOKE = { type = "rsa_pem_base64" }\n`;
    expect(problems(source('{ header = "SMOKE" }', rsa)).map((d) => [d.code, d.path])).toContainEqual([
      "waf-header-secret",
      "container.web.secrets.managed.SMOKE",
    ]);
  });

  it("needs a container, and a secret name in upper case", () => {
    expect(problems(source('{ header = "SMOKE" }', "")).map((d) => d.code)).toContain("waf-header-container");
    expect(problems(source('{ header = "smoke" }')).map((d) => [d.code, d.path])).toEqual([
      ["invalid-format", "cloudfront.web.waf.allow_rules[0].header"],
    ]);
  });
});
