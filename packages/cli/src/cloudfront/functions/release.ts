/**
 * The edge side of atomic front-end releases (docs/decisions.md#e17-atomic-front-end-releases):
 * the part of a route's viewer-request function that puts the path below a release's folder, and
 * the viewer-response function that pins a viewer to the release of the page it loaded.
 *
 * The pin: every object of a release carries its id as S3 metadata (`x-amz-meta-pocket-release`,
 * which CloudFront passes on from the origin and keeps with the cached object); on an HTML answer
 * the viewer-response function copies it into the `pocket-release` cookie. A later request of
 * that viewer that is not a page (a script, a lazily loaded chunk) is served from the cookie's
 * release while that release is still kept (its id is in the store's `releases` list, written
 * before pruning deletes anything), else from the current one. A page (a navigation, or a path
 * that names HTML) always comes from the current release, so a reload moves the viewer on.
 * The cookie is never part of the cache key nor sent to the bucket (the behaviour's cache policy
 * names no cookie), so it does not split the cache: the rewritten path alone names the object.
 */

/** KeyValueStore keys of releases: the id served, and the ids a pinned viewer may still get. */
export const RELEASE_KVS_KEYS = { release: "release", kept: "releases" } as const;

/** The cookie naming the release of the page a viewer loaded. */
export const RELEASE_COOKIE = "pocket-release";

/** The S3 user metadata key every object of a release carries (`x-amz-meta-pocket-release`). */
export const RELEASE_METADATA = "pocket-release";

/** What a release id may be: the functions check it before using one, the CLI before writing one. */
export const RELEASE_ID = /^[0-9A-Za-z-]{1,64}$/;
const ID = String(RELEASE_ID);

// The id is checked before it becomes part of a path; a missing, unreadable or odd one leaves the
// path as it is (the files of a stage uploaded before releases are in place). The list of kept
// ids is read only for a pinned viewer asking for something other than a page.
export const RELEASE_REQUEST = `async function inRelease(request) {
  var uri = request.uri;
  if (uri.indexOf(FOLDER) !== 0) return request;
  var id = await stored('${RELEASE_KVS_KEYS.release}');
  if (!${ID}.test(id)) return request;
  var pin = pinned(request);
  if (pin && pin !== id && (' ' + (await stored('${RELEASE_KVS_KEYS.kept}')) + ' ').indexOf(' ' + pin + ' ') !== -1) {
    id = pin;
  }
  request.uri = FOLDER + RELEASES + id + '/' + uri.substring(FOLDER.length);
  return request;
}

function pinned(request) {
  var dest = request.headers['sec-fetch-dest'];
  var page = dest ? /^(document|iframe|frame)$/.test(dest.value) : /(\\/|\\.html?)$/.test(request.uri);
  var cookie = request.cookies['${RELEASE_COOKIE}'];
  return !page && cookie && ${ID}.test(cookie.value) ? cookie.value : '';
}
`;

/**
 * The viewer-response function of a route with releases: an HTML answer sets the cookie to the
 * release it came from. A session cookie, for every path of the site (one id names a release of
 * every route), never readable by scripts.
 */
export function releasePinFunction(): string {
  return `function handler(event) {
  var response = event.response;
  var meta = response.headers['x-amz-meta-${RELEASE_METADATA}'];
  var type = response.headers['content-type'];
  if (meta && type && /^text\\/html/i.test(type.value) && ${ID}.test(meta.value)) {
    if (!response.cookies) response.cookies = {};
    response.cookies['${RELEASE_COOKIE}'] = { value: meta.value, attributes: 'Path=/; Secure; HttpOnly; SameSite=Lax' };
  }
  return response;
}
`;
}
