import { describe, expect, it } from "vitest";
import { CONTAINER, codes, context, GENERAL, problems } from "./helpers.js";

/** The original's example (its configuration.md, "managed_assets"), in both spellings. */
const DISTRIBUTION = `[s3]

[cloudfront.web]
managed_assets = "assets/managed"
routes = [
    { is_default = true, is_spa = true, origin_path = "/web" },
]
`;
const HEAD_CONTAINER = `[container.main]
dockerfile_path = "Dockerfile"

[container.main.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"
`;

describe("managed_assets on a distribution (docs/decisions.md#e23-managed-assets)", () => {
  it.each([
    ["the original's current spelling", HEAD_CONTAINER],
    ["the seed's spelling", CONTAINER],
    ["a stage without a container", ""],
  ])("loads in %s and derives the stage's folder, its key prefix and its origin", (_, container) => {
    const ctx = context(`${GENERAL}\n${container}\n${DISTRIBUTION}`, "prd");
    expect(ctx.cloudfront!.web!.managedAssets).toEqual({
      dir: "assets/managed",
      stageFolder: "prd",
      fallbackFolder: "default",
      keyPrefix: "pocket_managed/web",
      originPath: "/pocket_managed/web",
      originId: "prd-testprj-pocket-pocket_managed",
    });
  });

  it("each distribution has its own folder of the bucket; one without the key has none", () => {
    const two = `${DISTRIBUTION}\n[cloudfront.admin]\nmanaged_assets = "assets/admin"\norigin_path = "/admin"\nroutes = [{ is_default = true }]\n\n[cloudfront.plain]\nroutes = [{ is_default = true }]\n`;
    const cf = context(`${GENERAL}\n${two}`).cloudfront!;
    expect(cf.admin!.managedAssets).toMatchObject({ dir: "assets/admin", keyPrefix: "pocket_managed/admin" });
    expect(cf.web!.managedAssets!.keyPrefix).toBe("pocket_managed/web");
    expect(cf.plain!.managedAssets).toBeUndefined();
  });

  it("a stage table may set it for one stage only", () => {
    const source = `${GENERAL}\n[s3]\n\n[cloudfront.web]\nroutes = [{ is_default = true }]\n\n[prd.cloudfront.web]\nmanaged_assets = "assets/managed"\n`;
    expect(context(source, "prd").cloudfront!.web!.managedAssets!.stageFolder).toBe("prd");
    expect(context(source, "dev").cloudfront!.web!.managedAssets).toBeUndefined();
  });

  it("an empty folder name is refused at the key", () => {
    const ds = problems(`${GENERAL}\n${DISTRIBUTION.replace('"assets/managed"', '""')}`);
    expect(ds.map((d) => d.path)).toEqual(["cloudfront.web.managed_assets"]);
    expect(codes(ds)).toHaveLength(1);
  });
});
