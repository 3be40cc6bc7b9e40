import { viewerRequestFunction } from "./viewer-request.js";

/**
 * The viewer-request function of an `is_spa` route without other edge needs: the SPA fallback,
 * and with `require_token` the token check (see viewer-request.ts for the composed function).
 */
export interface SpaFunctionOptions {
  /** Folder the route serves, with a trailing slash: `/` or `/app/`. */
  routePrefix: string;
  fallbackHtml: string;
  requireToken: boolean;
  loginPath?: string;
  /** The KeyValueStore id (the template builder joins the real id in for the placeholder). */
  kvsId?: string;
}

export function spaViewerRequestFunction(o: SpaFunctionOptions): string {
  return viewerRequestFunction({
    spa: {
      routePrefix: o.routePrefix,
      fallbackHtml: o.fallbackHtml,
      requireToken: o.requireToken,
      ...(o.loginPath ? { loginPath: o.loginPath } : {}),
    },
    ...(o.kvsId ? { kvsId: o.kvsId } : {}),
  });
}
