import * as z from "zod/mini";
import { anyTable, bool, fail, lazy, optionalNonEmpty, optionalString, table } from "./base.js";

/** "", "/", "./", "//": no folder at all. */
function isRoot(location: string): boolean {
  return location.split("/").every((part) => part === "" || part === ".");
}

const storage = table({
  store: z.enum(["s3", "filesystem"]),
  location: optionalString,
  static: bool(false),
  manifest: bool(false),
  distribution: optionalNonEmpty,
  route: optionalNonEmpty,
  options: z._default(anyTable, {}),
  /** Who uploads the static files: `pocket django deploystatic` in both (docs/decisions.md#i3-static-files-for-django). */
  publish: z.optional(z.enum(["deploy", "command"])),
  /** collectstatic --link in deploystatic (docs/decisions.md#i3-static-files-for-django). */
  link: z.optional(z.boolean()),
}).check(
  z.superRefine((s, ctx) => {
    if (s.manifest && !s.static) {
      fail(ctx, "storage-manifest-static", "manifest = true needs static = true", ["manifest"]);
    }
    // Only static files are collected and published; on another storage the key would do nothing.
    if (s.link === true && !s.static)
      fail(ctx, "storage-link-static", "link = true needs static = true", ["link"]);
    if (s.publish === "command" && !s.static) {
      fail(ctx, "storage-publish-static", 'publish = "command" needs static = true', ["publish"]);
    }
    if (s.store === "s3" && s.location === undefined && s.distribution === undefined) {
      fail(
        ctx,
        "storage-s3-location",
        "an s3 storage needs a location (the key prefix in the bucket)",
        [],
        'Add location = "media" (or serve it through CloudFront with distribution = "NAME").',
      );
    }
    // The bucket's (or the disk's) root: `pocket django storage upload --delete` would sync the
    // whole bucket. With a distribution, location is relative to the route's folder, never the root.
    if (s.location !== undefined && s.distribution === undefined && isRoot(s.location)) {
      fail(
        ctx,
        "storage-location-root",
        `location ${JSON.stringify(s.location)} is the root of the ${s.store === "s3" ? "bucket" : "file system"}; a storage needs a folder of its own`,
        ["location"],
        'Use a folder, e.g. location = "media": other files of the stage (the front end, static files, pocket\'s own) live in the same bucket.',
      );
    }
    if (s.route !== undefined && s.distribution === undefined) {
      fail(ctx, "storage-route-distribution", "route needs distribution", ["route"]);
    }
    if (s.distribution !== undefined && s.store !== "s3") {
      fail(ctx, "storage-distribution-store", 'distribution can only be used with store = "s3"', [
        "distribution",
      ]);
    }
  }),
);
export type StorageSettings = z.output<typeof storage>;

const cache = table({
  store: z.enum(["locmem", "efs", "redis"]),
  location_subdir: z._default(z.string(), "{stage}"),
});
export type CacheSettings = z.output<typeof cache>;

const DEFAULT_STORAGES = {
  default: { store: "filesystem", static: false, manifest: false, options: {} },
  staticfiles: { store: "filesystem", static: true, manifest: false, options: {} },
} as const satisfies Record<string, StorageSettings>;

/** `[awscontainer.django]` and `[general.django_fallback]`. */
export const djangoSchema = lazy(() => {
  const django = table({
    storages: z.optional(z.record(z.string(), storage)),
    caches: z.optional(z.record(z.string(), cache)),
    settings: z._default(anyTable, {}),
  }).check(
    z.superRefine((d, ctx) => {
      if (d.storages === undefined) return;
      const hint = "Django needs both: default (media) and staticfiles (static = true).";
      if (!("staticfiles" in d.storages)) {
        fail(ctx, "django-staticfiles-required", "storages needs a staticfiles entry", ["storages"], hint);
      } else if (!d.storages.staticfiles!.static) {
        fail(ctx, "django-staticfiles-static", "storages.staticfiles must have static = true", [
          "storages",
          "staticfiles",
        ]);
      }
      if (!("default" in d.storages)) {
        fail(ctx, "django-default-required", "storages needs a default entry", ["storages"], hint);
      }
      for (const [name, s] of Object.entries(d.storages)) {
        if (name !== "staticfiles" && s.static) {
          fail(
            ctx,
            "django-static-only-staticfiles",
            `static = true can only be used on the staticfiles storage, not on "${name}"`,
            ["storages", name, "static"],
          );
        }
      }
    }),
  );
  return z.pipe(
    django,
    z.transform((d: z.output<typeof django>) => ({
      storages: (d.storages ?? structuredClone(DEFAULT_STORAGES)) as Record<string, StorageSettings>,
      caches: d.caches ?? { default: { store: "locmem" as const, locationSubdir: "{stage}" } },
      settings: d.settings,
    })),
  );
});
export type DjangoSettings = z.output<ReturnType<typeof djangoSchema>>;
