import { describe, expect, it } from "vitest";
import { CONTAINER, GENERAL, problems } from "./helpers.js";

// One numbering in diagnostics: the path is the key path of the merged document (`routes[1]`,
// 0-based, as `formatPath` writes it) and every message and label says the same (issue 24, item 8).
describe("diagnostic paths", () => {
  it("names an invalid managed secret type once, at awscontainer.secrets.managed.A.type", () => {
    const ds = problems(
      `${GENERAL}\n${CONTAINER}\n[awscontainer.secrets.managed]\nA = { type = "passwrd" }\n`,
    );
    const d = ds.find((x) => x.path.startsWith("awscontainer.secrets.managed.A"))!;
    expect(d.path).toBe("awscontainer.secrets.managed.A.type");
    expect(d.position?.line).toBeGreaterThan(0);
  });

  it("numbers routes as their paths do, in labels and messages", () => {
    const source = `${GENERAL}
[cloudfront.main]
routes = [
    { is_default = true, is_spa = true },
    { path_pattern = "/api/*", type = "api", handler = "nope", bogus = 1 },
]
`;
    for (const d of problems(source).filter((x) => x.path.includes("routes"))) {
      expect(d.path).toMatch(/routes\[1\]/);
      expect(`${d.message} ${d.hint ?? ""}`).not.toMatch(/#\d/);
    }
  });

  it("numbers routes the same way in the cross-section rules", () => {
    const source = `${GENERAL}
[cloudfront.main]
routes = [
    { is_default = true, is_spa = true },
    { path_pattern = "/api/*", type = "api", handler = "wsgi" },
    { path_pattern = "/media/*", signed = true },
]
`;
    const ds = problems(source).filter((x) => x.path.includes("routes"));
    expect(ds.map((d) => d.code)).toEqual(
      expect.arrayContaining(["route-api-container", "route-signed-key"]),
    );
    for (const d of ds) {
      const index = /routes\[(\d+)\]/.exec(d.path)?.[1];
      expect(d.message).toContain(`routes[${index}]`);
      expect(d.message).not.toMatch(/#\d/);
    }
  });
});
