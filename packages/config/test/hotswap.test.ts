import { describe, expect, it } from "vitest";
import { CONTAINER, codes, context, GENERAL, problems } from "./helpers.js";

describe("hotswap = true in a stage's [awscontainer]", () => {
  it("is off unless the stage's table turns it on", () => {
    const source = `${GENERAL}${CONTAINER}\n[dev.awscontainer]\nhotswap = true\n`;
    expect(context(source, "dev").container?.hotswap.allowed).toBe(true);
    expect(context(source, "prd").container?.hotswap.allowed).toBe(false);
  });

  it("derives the state bucket key of the drift a hotswap leaves, one per container stack", () => {
    expect(context(`${GENERAL}${CONTAINER}`).container?.hotswap.driftKey).toBe(
      "hotswap/dev-testprj-container.json",
    );
  });

  it("must be a boolean", () => {
    const ds = problems(`${GENERAL}${CONTAINER}\n[dev.awscontainer]\nhotswap = "yes"\n`);
    expect(ds.some((d) => d.path.includes("hotswap"))).toBe(true);
    expect(codes(ds).length).toBeGreaterThan(0);
  });
});
