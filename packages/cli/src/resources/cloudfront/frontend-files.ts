import type { CloudFrontContext, S3RouteContext } from "@magic-pocket/config";
import type { SyncAction } from "../../buckets/sync.js";

/** The S3 routes of a distribution that upload a folder (`build_dir`). */
export function uploadableRoutes(cf: CloudFrontContext): S3RouteContext[] {
  return cf.routes.filter((r): r is S3RouteContext => r.type === "s3" && r.buildDir !== undefined);
}

/** `text/html` is revalidated on every visit; content-hashed assets are cached for a year. */
export function frontendCacheControl(route: S3RouteContext, key: string): string | undefined {
  // Versioned routes get their Cache-Control from the distribution's response headers policy;
  // plain routes use CloudFront's defaults, as in the reference.
  if (!route.isSpa) return undefined;
  if (/\.html?$/i.test(key)) return "no-cache";
  // app.3f2a1b9c.js, index-BZ3kq8xY.css, chunk.a1b2c3d4e5.js: a fingerprint with a digit.
  const name = key.split("/").pop() ?? key;
  if (/[.-](?=[A-Za-z0-9_]*\d)[A-Za-z0-9_]{8,}\.[A-Za-z0-9]+$/.test(name))
    return "public, max-age=31536000, immutable";
  return "public, max-age=3600";
}

export interface RoutePlan {
  route: S3RouteContext;
  actions: SyncAction[];
}
