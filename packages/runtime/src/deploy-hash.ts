/**
 * URLs under a `versioning = "deploy_hash"` route (docs/decisions.md#e22-deploy-hash-versioning):
 * the deploy gives every function `DEPLOY_HASH`, the route's URLs carry it as the folder after the
 * route's prefix (`/static/{hash}/app.css`), and the distribution drops that folder before asking
 * the bucket, where the files stay at `static/app.css`. This builds such a URL, as the Python
 * side's settings.py builds `STATIC_URL = f"static/{DEPLOY_HASH}/"`.
 */

/**
 * `{prefix}/{DEPLOY_HASH}/{file}`, e.g. `deployHashUrl("/static", "app.css")`. Without
 * `DEPLOY_HASH` (run locally, or a stage whose route is not so versioned) it is `{prefix}/{file}`:
 * nothing would drop the folder there. The original's settings.py puts `dev` instead, which Django's
 * development server ignores; a Node server would not.
 */
export function deployHashUrl(prefix: string, file: string, env: NodeJS.ProcessEnv = process.env): string {
  const base = prefix.replace(/\/+$/, "");
  const path = file.replace(/^\/+/, "");
  const hash = env.DEPLOY_HASH;
  return hash ? `${base}/${encodeURIComponent(hash)}/${path}` : `${base}/${path}`;
}
