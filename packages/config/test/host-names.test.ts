import { describe, expect, it } from "vitest";
import { hostNameProblem } from "../src/schema/host-name.js";
import { CONTAINER, context, GENERAL, problems } from "./helpers.js";

const apigateway = (domain: string) =>
  `${GENERAL}\n${CONTAINER}apigateway = { domain = ${JSON.stringify(domain)} }\n`;
const distribution = (domain: string, redirect = "old.example.com") =>
  `${GENERAL}\n[s3]\n\n[cloudfront.main]\ndomain = ${JSON.stringify(domain)}\nredirect_from = [{ domain = ${JSON.stringify(redirect)} }]\nroutes = [{ is_default = true, is_spa = true }]\n`;

describe("domain keys hold host names", () => {
  it("refuses white space and a slash in apigateway.domain, cloudfront.domain and redirect_from", () => {
    for (const bad of ["api .example.com", "a/b.example.com"]) {
      const cases: [string, string][] = [
        [apigateway(bad), "awscontainer.handlers.wsgi.apigateway.domain"],
        [distribution(bad), "cloudfront.main.domain"],
        [distribution("www.example.com", bad), "cloudfront.main.redirect_from[0].domain"],
      ];
      for (const [toml, path] of cases) {
        const found = problems(toml).filter((d) => d.code === "invalid-domain");
        expect(found.map((d) => d.path)).toEqual([path]);
        expect(found[0]!.message).toContain(`${JSON.stringify(bad)} is not a host name`);
        // At the key's line.
        const line = toml.split("\n").findIndex((l) => l.includes(bad)) + 1;
        expect(found[0]!.position?.line).toBe(line);
      }
    }
  });

  it("says what is wrong and how to write it", () => {
    const cases: [string, RegExp, RegExp][] = [
      ["api .example.com", /" " is not allowed in a label/, /a-z, 0-9 and "-"/],
      ["https://api.example.com", /a scheme or a path/, /no https:\/\//],
      ["*.example.com", /wildcards are not allowed/, /Name each host/],
      ["例え.jp", /not ASCII/, /punycode form: "xn--r8jz45g\.jp"/],
      ["Api.Example.com", /upper-case/, /"api\.example\.com"/],
      ["example.com.", /ends with a dot/, /"example\.com"/],
      ["a..example.com", /empty label/, /./],
      ["-a.example.com", /starts or ends with "-"/, /./],
      ["a-.example.com", /starts or ends with "-"/, /./],
      [`${"a".repeat(64)}.example.com`, /at most 63/, /./],
      [`${"a.".repeat(127)}com`, /at most 253/, /./],
      ["localhost", /single label/, /./],
      ["10.0.0.1", /IP address/, /./],
      ["api_1.example.com", /"_" is not allowed/, /./],
      ["", /empty/, /./],
    ];
    for (const [value, message, hint] of cases) {
      const problem = hostNameProblem(value);
      expect(problem?.message, value).toMatch(message);
      expect(problem?.hint, value).toMatch(hint);
    }
  });

  it("accepts names AWS takes: punycode, digits, hyphens inside labels, 63-character labels", () => {
    for (const good of [
      "xn--r8jz45g.jp",
      "api-1.example.com",
      "1.example.co.uk",
      `${"a".repeat(63)}.example.com`,
    ]) {
      expect(hostNameProblem(good), good).toBeUndefined();
    }
    const ctx = context(distribution("xn--r8jz45g.jp", "www.xn--r8jz45g.jp"));
    expect(ctx.cloudfront?.main?.domain).toBe("xn--r8jz45g.jp");
  });
});
