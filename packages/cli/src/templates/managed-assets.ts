import type { CloudFrontContext, RouteContext, S3RouteContext } from "@magic-pocket/config";
import { CliError } from "../errors.js";

/** CloudFront's default quota of cache behaviours per distribution, the default one not counted. */
export const CACHE_BEHAVIOR_QUOTA = 25;

/**
 * The distribution as its template serves it with `managed_assets`
 * (docs/decisions.md#e23-managed-assets): one S3 behaviour per file at `/{name}`, before every
 * route's (an exact path is the most specific), all on one origin whose origin path is the
 * distribution's `pocket_managed/{name}` folder. They are routes to the template, so the
 * distribution's basic auth covers them as it covers every behaviour. Refused: a file that a
 * route's path_pattern also matches (one of the two would silently lose its paths), and more
 * behaviours than CloudFront's quota.
 */
export function withManagedAssets(cf: CloudFrontContext, names: readonly string[]): CloudFrontContext {
  const m = cf.managedAssets;
  if (!m || names.length === 0) return cf;
  for (const name of names) {
    const route = cf.routes.find((r) => r.pathPattern !== "" && patternMatches(r.pathPattern, `/${name}`));
    if (route) {
      throw new CliError(
        "managed-asset-route-collision",
        `cloudfront.${cf.name}: the managed asset /${name} is also matched by the route path_pattern "${route.pathPattern}".`,
        {
          hint: `Remove ${name} from the managed_assets folder, or change the route's path_pattern so it does not match /${name}.`,
        },
      );
    }
  }
  const behaviours = names.length + cf.routes.filter((r) => !r.isDefault).length;
  if (behaviours > CACHE_BEHAVIOR_QUOTA) {
    throw new CliError(
      "cache-behavior-quota",
      `cloudfront.${cf.name} would have ${behaviours} cache behaviours (${names.length} managed assets and ${behaviours - names.length} routes); CloudFront allows ${CACHE_BEHAVIOR_QUOTA} per distribution by default.`,
      {
        hint: "Serve fewer files from managed_assets (or ask AWS for a higher 'cache behaviors per distribution' quota and serve the rest from a route).",
      },
    );
  }
  const files = names.map(
    (name): S3RouteContext => ({
      index: -1,
      name: "pocket_managed",
      logicalId: "PocketManagedAssets",
      pathPattern: `/${name}`,
      isDefault: false,
      ref: "",
      type: "s3",
      originId: m.originId,
      originPath: m.originPath,
      keyPrefix: m.keyPrefix,
      isSpa: false,
      isVersioned: false,
      deployHash: false,
      spaFallbackHtml: "index.html",
      versionedMaxAge: 0,
      signed: false,
      requireToken: false,
      loginPath: "/",
    }),
  );
  return { ...cf, routes: [...files, ...cf.routes] as RouteContext[] };
}

/** CloudFront's path pattern match: `*` any run of characters, `?` one, case-sensitive. */
export function patternMatches(pattern: string, path: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${re}$`).test(path);
}
