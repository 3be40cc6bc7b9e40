import { viewerRequestFunction } from "./viewer-request.js";

/**
 * Viewer-request function of a `redirect_from` distribution: every request is answered at the
 * edge with a 301 to the same path and query on the main domain. The reference redirected through
 * an S3 website bucket named after the domain, which needed a globally unique bucket name and an
 * empty bucket per domain; a function needs neither and never reaches its origin. It never asks
 * for basic auth: the main domain does, and a browser would otherwise ask twice
 * (docs/decisions.md#p13-basic-auth-on-the-main-domain-only).
 */
export function redirectFunctionSource(targetDomain: string): string {
  return viewerRequestFunction({ redirectTo: targetDomain });
}
