import type { PocketContext } from "@magic-pocket/config";
import { describe, expect, it } from "vitest";
import { deletionForbidden } from "../src/buckets/owners.js";

// The second line of defence behind `pocket config validate`: even for a configuration the
// validator would refuse, no sync may delete a Django storage's objects.
function context(storages: Record<string, string>, routes: string[]): PocketContext {
  return {
    container: {
      django: {
        storages: Object.fromEntries(
          Object.entries(storages).map(([name, location]) => [
            name,
            { BACKEND: "storages.backends.s3.S3Storage", OPTIONS: { bucket_name: "b", location } },
          ]),
        ),
      },
    },
    cloudfront: {
      main: { bucketName: "b", routes: routes.map((keyPrefix) => ({ type: "s3", keyPrefix })) },
    },
  } as unknown as PocketContext;
}

describe("what a sync may never delete", () => {
  it("a front end whose prefix equals a storage's deletes nothing of the storage", () => {
    const forbidden = deletionForbidden(context({ default: "spa" }, ["spa"]), "b", { prefix: "spa" });
    expect(forbidden("spa/upload.jpg")).toBe(true);
    expect(forbidden("spa/index.html")).toBe(true);
  });

  it("a storage that contains the route's prefix, or lies inside it, is protected", () => {
    expect(
      deletionForbidden(context({ default: "site" }, ["site/app"]), "b", { prefix: "site/app" })(
        "site/app/x",
      ),
    ).toBe(true);
    const inside = deletionForbidden(context({ media: "site/media" }, ["site"]), "b", { prefix: "site" });
    expect(inside("site/media/photo.jpg")).toBe(true);
    expect(inside("site/old.js")).toBe(false);
    expect(inside("site/mediafile.js")).toBe(false);
  });

  it("a storage upload with --delete spares other storages and nested front ends, not its own files", () => {
    const forbidden = deletionForbidden(
      context({ default: "media", static: "media/static" }, ["media/app"]),
      "b",
      {
        prefix: "media",
        storage: "default",
      },
    );
    expect(forbidden("media/old.jpg")).toBe(false);
    expect(forbidden("media/static/admin.css")).toBe(true);
    expect(forbidden("media/app/index.html")).toBe(true);
  });

  it("a storage at the bucket's root protects every key", () => {
    const forbidden = deletionForbidden(context({ default: "" }, ["spa"]), "b", { prefix: "spa" });
    expect(forbidden("spa/index.html")).toBe(true);
  });
});
