import { describe, expect, it } from "vitest";
import { context, GENERAL, problems } from "./helpers.js";

/** `waf.allow_rules` paths (the original's configuration.md): a trailing `*` is a prefix, else that path only. */
const source = (rules: string) => `${GENERAL}
[s3]

[cloudfront.web]
routes = [{ is_default = true, is_spa = true }]

[cloudfront.web.waf]
enable_ip_set = true
allow_rules = [${rules}]
`;

describe("waf.allow_rules on a path (the original's current spelling)", () => {
  it("an exact path is allowed on that path only, a prefix under it", () => {
    const waf = context(source('{ path = "/api/health" }, { path = "/status/*" }')).cloudfront!.web!.waf!;
    expect(waf.allowExactPaths).toEqual(["/api/health"]);
    expect(waf.allowPaths).toEqual(["/status/"]);
  });

  it("the seed's spelling has no exact paths", () => {
    const waf = context(
      `${GENERAL}\n[s3]\n\n[cloudfront.web]\nroutes = [{ is_default = true, is_spa = true }]\nwaf = { ip_allow_list = true, allow_paths = ["/health"] }\n`,
    ).cloudfront!.web!.waf!;
    expect(waf.allowExactPaths).toEqual([]);
  });

  it("a path must start with /", () => {
    expect(problems(source('{ path = "api/health" }')).map((d) => [d.code, d.path])).toEqual([
      ["invalid-format", "cloudfront.web.waf.allow_rules[0].path"],
    ]);
  });
});
