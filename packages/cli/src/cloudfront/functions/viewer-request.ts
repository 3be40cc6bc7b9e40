/**
 * The one viewer-request CloudFront Function of a behaviour (runtime cloudfront-js-2.0).
 * CloudFront allows a single function per event type on a behaviour, so every edge concern of
 * that behaviour is composed into one handler, in this order:
 *
 * 1. basic auth: the `Authorization` header's `user:password`, hashed with SHA-256, must equal the
 *    digest stored under `basic_auth` in the distribution's KeyValueStore (compared without an
 *    early exit); a path under an excluded prefix passes: equal to it or below it, whole
 *    segments of the decoded path (`openPrefixes`). Otherwise 401 with
 *    `WWW-Authenticate: Basic realm="..."`.
 * 2. redirect: a `redirect_from` distribution answers every request with a 301 to the main domain;
 *    a distribution that also answers for its `redirect_from` domains (a stage the original's
 *    current version deployed, docs/decisions.md#a1-taking-over-a-stage-deployed-by-the-original)
 *    answers a request for another host than `canonicalHost` so, before anything else.
 * 3. SPA token: with `require_token`, the `pocket-spa-token` cookie must carry a valid, unexpired
 *    HMAC-SHA256 token (`{user_id}:{expiry}:{hex}`, key = the hex-decoded `token_secret` from the
 *    KeyValueStore), else the viewer goes to `login_path?next=...` (the login path itself passes).
 * 4. SPA fallback: client-side routes (a last segment without a dot) get the route's HTML; a
 *    `deploy_hash` route drops the hash folder of its URLs (deploy-hash.ts).
 * 5. release: a front-end route with atomic releases reads its path below the folder of the
 *    release whose id is under `release` in the KeyValueStore (`/app/x.js` ->
 *    `/app/_releases/{id}/x.js`): one read per request, so each request is served from exactly
 *    one release, and a switch is one key write (docs/decisions.md#e17-atomic-front-end-releases).
 *    No id yet (a stage uploaded before releases) reads the files in place. A viewer pinned by
 *    the `pocket-release` cookie gets its files other than pages from the page's release while
 *    it is kept (release.ts).
 * 6. viewer headers: API routes of a distribution with origin verification get
 *    `x-pocket-viewer-ip` (the viewer's address) and `x-forwarded-host` (the viewer's Host), which
 *    the runtimes trust only when the origin-verify header matches (docs/runtime-contract.md).
 *
 * Only the parts a behaviour needs are emitted; no secret is ever in the code.
 */

import { STRIP_DEPLOY_HASH } from "./deploy-hash.js";
import { RELEASE_KVS_KEYS, RELEASE_REQUEST } from "./release.js";

export interface ViewerRequestOptions {
  basicAuth?: {
    realm: string;
    /** Path prefixes that pass without credentials (`/health`). */
    exclude: string[];
  };
  redirectTo?: string;
  /** Requests whose Host is not this domain get a 301 to it (same path and query). */
  canonicalHost?: string;
  spa?: {
    /** Folder the route serves, with a trailing slash: `/` or `/app/`. */
    routePrefix: string;
    fallbackHtml: string;
    requireToken: boolean;
    loginPath?: string;
  };
  viewerHeaders?: boolean;
  /** A `deploy_hash` route's folder, with a trailing slash (`/static/`): the hash after it is dropped. */
  deployHash?: { routePrefix: string };
  release?: {
    /** Folder the route serves, with a trailing slash: `/` or `/app/`. */
    routePrefix: string;
    /** The folder of releases below it: `_releases`. */
    folder: string;
  };
  /** The KeyValueStore id (the template builder joins the real id in for the placeholder). */
  kvsId?: string;
}

/** Stands for the KVS id in generated code; replaced by `Fn::GetAtt` of the store in the template. */
export const KVS_ID_PLACEHOLDER = "__POCKET_KVS_ID__";

/** CloudFront rejects function code over 10 KB. */
export const CLOUDFRONT_FUNCTION_MAX_BYTES = 10_240;

/** KVS keys the functions read. */
export const KVS_KEYS = {
  tokenSecret: "token_secret",
  basicAuth: "basic_auth",
  release: RELEASE_KVS_KEYS.release,
  keptReleases: RELEASE_KVS_KEYS.kept,
} as const;

/** True when the options ask for anything at all (a behaviour without needs gets no function). */
export function needsViewerRequestFunction(o: ViewerRequestOptions): boolean {
  return Boolean(
    o.basicAuth || o.redirectTo || o.canonicalHost || o.spa || o.deployHash || o.viewerHeaders || o.release,
  );
}

/** Whether the composed function reads the KeyValueStore (and so must be associated with it). */
export function usesKvs(o: ViewerRequestOptions): boolean {
  return Boolean(o.basicAuth || o.spa?.requireToken || o.release);
}

export function viewerRequestFunction(o: ViewerRequestOptions): string {
  if (!needsViewerRequestFunction(o)) throw new Error("a viewer-request function needs at least one part");
  const auth = o.basicAuth;
  const token = o.spa?.requireToken ? o.spa : undefined;
  const kvs = usesKvs(o);
  const target = o.redirectTo ?? o.canonicalHost;
  const out: string[] = [];
  if (kvs) {
    out.push("import cf from 'cloudfront';", "import crypto from 'crypto';", "");
    out.push(`var kvs = cf.kvs(${JSON.stringify(o.kvsId ?? KVS_ID_PLACEHOLDER)});`);
  }
  if (auth) {
    out.push(`var REALM = ${JSON.stringify(`Basic realm="${auth.realm.replace(/["\\]/g, "")}"`)};`);
    out.push(`var OPEN = ${JSON.stringify(openPrefixes(auth.exclude))};`);
  }
  if (target) out.push(`var TARGET = ${JSON.stringify(target)};`);
  if (token)
    out.push(`var LOGIN = ${JSON.stringify((token.loginPath ?? "/api/auth/login").replace(/\/+$/, ""))};`);
  if (o.deployHash) out.push(`var HASHED = ${JSON.stringify(o.deployHash.routePrefix)};`);
  if (o.spa) out.push(`var FALLBACK = ${JSON.stringify(`${o.spa.routePrefix}${o.spa.fallbackHtml}`)};`);
  if (o.release) {
    out.push(`var FOLDER = ${JSON.stringify(o.release.routePrefix)};`);
    out.push(`var RELEASES = ${JSON.stringify(`${o.release.folder}/`)};`);
  }
  out.push("");
  if (kvs) out.push(SAME_TEXT, READ_KVS);
  if (target || token) out.push(ORIGINAL_URL);
  if (auth || token) out.push(SAFE_PATH);
  if (auth) out.push(BASIC_AUTH);
  if (target) out.push(REDIRECT);
  if (token) out.push(SPA_TOKEN);
  if (o.spa) out.push(SPA_REWRITE);
  if (o.deployHash) out.push(STRIP_DEPLOY_HASH);
  if (o.release) out.push(RELEASE_REQUEST);

  const body: string[] = ["  var request = event.request;"];
  if (o.canonicalHost) {
    body.push(
      "  if (request.headers.host && request.headers.host.value !== TARGET) return redirect(request);",
    );
  }
  if (auth) {
    body.push("  if (!isOpen(request.uri) && !(await authorised(request))) return unauthorised();");
  }
  if (o.redirectTo) body.push("  return redirect(request);");
  else {
    if (token) {
      body.push("  if (isLoginPath(request.uri)) return request;");
      body.push("  var cookie = request.cookies['pocket-spa-token'];");
      body.push(
        "  if (!cookie || !cookie.value || !(await validToken(cookie.value))) return toLogin(request);",
      );
    }
    if (o.spa) body.push("  rewrite(request);");
    if (o.deployHash) body.push("  withoutHash(request);");
    if (o.release) body.push("  await inRelease(request);");
    if (o.viewerHeaders) {
      body.push("  request.headers['x-pocket-viewer-ip'] = { value: event.viewer.ip };");
      body.push(
        "  if (request.headers.host) request.headers['x-forwarded-host'] = { value: request.headers.host.value };",
      );
    }
    body.push("  return request;");
  }
  out.push(`${kvs ? "async " : ""}function handler(event) {\n${body.join("\n")}\n}\n`);
  return out.join("\n");
}

// Equal-length strings compared without an early exit, so timing does not leak the expected value.
const SAME_TEXT = `function sameText(a, b) {
  if (a.length !== b.length) return false;
  var diff = 0;
  for (var i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
`;

// A missing key or an unreachable store denies (fail closed), never throws.
const READ_KVS = `async function stored(key) {
  try {
    return await kvs.get(key);
  } catch (e) {
    return '';
  }
}
`;

const ORIGINAL_URL = `function originalUrl(request) {
  var parts = [];
  var qs = request.querystring;
  for (var name in qs) {
    var v = qs[name];
    var values = v.multiValue ? v.multiValue : [v];
    for (var i = 0; i < values.length; i++) {
      parts.push(values[i].value === '' ? name : name + '=' + values[i].value);
    }
  }
  return request.uri + (parts.length ? '?' + parts.join('&') : '');
}
`;

/**
 * The excluded prefixes as `isOpen` compares them: without trailing slashes (`/health/` and
 * `/health` both mean the segment `health`; `/` becomes "" and opens every path), once each.
 */
export function openPrefixes(exclude: string[]): string[] {
  return [...new Set(exclude.map((p) => p.replace(/\/+$/, "")))];
}

// A path is compared decoded, with repeated slashes collapsed, whole segments only (`/health`
// covers `/health/db`, not `/healthcheck-admin`). A path the origin could read differently is
// never taken for an open or login path: a malformed or double escape, a backslash, a `.` or
// `..` segment (also `..;`, which some servers read as `..`).
const SAFE_PATH = `function safePath(uri) {
  var path;
  try {
    path = decodeURIComponent(uri);
  } catch (e) {
    return null;
  }
  if (path.indexOf('%') !== -1 || path.indexOf('\\\\') !== -1) return null;
  path = path.replace(/\\/+/g, '/');
  var segments = path.split('/');
  for (var s = 0; s < segments.length; s++) {
    var name = segments[s].split(';')[0];
    if (name === '.' || name === '..') return null;
  }
  return path;
}

function underPrefix(path, prefix) {
  return path === prefix || path.indexOf(prefix + '/') === 0;
}
`;

// The digest of the decoded "user:password" is compared, so the store never holds the password
// and both sides have the same length whatever the viewer sent.
const BASIC_AUTH = `function isOpen(uri) {
  var path = safePath(uri);
  if (path === null) return false;
  for (var i = 0; i < OPEN.length; i++) {
    if (underPrefix(path, OPEN[i])) return true;
  }
  return false;
}

async function authorised(request) {
  var h = request.headers.authorization;
  if (!h || !/^basic\\s+/i.test(h.value)) return false;
  var plain = Buffer.from(h.value.replace(/^basic\\s+/i, '').trim(), 'base64').toString('utf8');
  var expected = await stored('${KVS_KEYS.basicAuth}');
  if (!expected) return false;
  return sameText(crypto.createHash('sha256').update(plain).digest('hex'), expected);
}

function unauthorised() {
  return {
    statusCode: 401,
    statusDescription: 'Unauthorized',
    headers: { 'www-authenticate': { value: REALM }, 'cache-control': { value: 'no-store' } }
  };
}
`;

const REDIRECT = `function redirect(request) {
  return {
    statusCode: 301,
    statusDescription: 'Moved Permanently',
    headers: { location: { value: 'https://' + TARGET + originalUrl(request) }, 'cache-control': { value: 'max-age=3600' } }
  };
}
`;

const SPA_TOKEN = `function isLoginPath(uri) {
  var path = safePath(uri);
  return path !== null && underPrefix(path, LOGIN);
}

function toLogin(request) {
  return {
    statusCode: 302,
    statusDescription: 'Found',
    headers: {
      location: { value: LOGIN + '?next=' + encodeURIComponent(originalUrl(request)) },
      'cache-control': { value: 'no-store' }
    }
  };
}

async function validToken(token) {
  var parts = token.split(':');
  if (parts.length !== 3) return false;
  // An empty user id never comes from pocket's signer (the Python side refuses to make one).
  if (parts[0] === '') return false;
  if (!/^[0-9]+$/.test(parts[1]) || !/^[0-9a-f]{64}$/.test(parts[2])) return false;
  if (parseInt(parts[1], 10) < Math.floor(Date.now() / 1000)) return false;
  var secret = await stored('${KVS_KEYS.tokenSecret}');
  if (!secret) return false;
  var expected = crypto
    .createHmac('sha256', Buffer.from(secret, 'hex'))
    .update(parts[0] + ':' + parts[1])
    .digest('hex');
  return sameText(expected, parts[2]);
}
`;

const SPA_REWRITE = `function rewrite(request) {
  var uri = request.uri;
  var last = uri.substring(uri.lastIndexOf('/') + 1);
  if (last.indexOf('.') === -1) request.uri = FALLBACK;
  return request;
}
`;
