/**
 * The viewer-request part of a `versioning = "deploy_hash"` route: URLs carry the deploy's hash as
 * the folder right after the route's own (`/static/{hash}/app.css`), while the bucket holds the
 * files without it (`static/app.css`). The part drops that one folder before CloudFront reads
 * the bucket; the cache key is still the whole URL, so each deploy's URLs are cached apart. Any
 * hash is dropped, not only the current one, so pages rendered before a deploy keep their
 * assets, and the function does not change from one deploy to the next
 * (docs/decisions.md#e22-deploy-hash-versioning). A URL without a folder there (`/static/a.css`)
 * is read as it is.
 */
export const STRIP_DEPLOY_HASH = `function withoutHash(request) {
  var uri = request.uri;
  if (uri.indexOf(HASHED) !== 0) return request;
  var rest = uri.substring(HASHED.length);
  var slash = rest.indexOf('/');
  if (slash > 0) request.uri = HASHED + rest.substring(slash + 1);
  return request;
}
`;
