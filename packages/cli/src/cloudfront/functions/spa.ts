/**
 * The viewer-request CloudFront Function of an `is_spa` route (runtime cloudfront-js-2.0):
 * client-side routes (a last path segment without a dot) are served the route's fallback HTML;
 * with `require_token`, the `pocket-spa-token` cookie must carry a valid, unexpired HMAC-SHA256
 * token (`{user_id}:{expiry}:{hex}`, key = the hex-decoded secret from the KeyValueStore), else the
 * viewer is sent to `login_path?next=...`. Generated per route; no secret is in the code.
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

/** Stands for the KVS id in generated code; replaced by `Fn::GetAtt TokenKvs.Id` in the template. */
export const KVS_ID_PLACEHOLDER = "__POCKET_KVS_ID__";

/** CloudFront rejects function code over 10 KB. */
export const CLOUDFRONT_FUNCTION_MAX_BYTES = 10_240;

export function spaViewerRequestFunction(o: SpaFunctionOptions): string {
  const fallback = JSON.stringify(`${o.routePrefix}${o.fallbackHtml}`);
  const rewrite = `function rewrite(request) {
  var uri = request.uri;
  var last = uri.substring(uri.lastIndexOf('/') + 1);
  if (last.indexOf('.') === -1) request.uri = ${fallback};
  return request;
}
`;
  if (!o.requireToken) {
    return `${rewrite}
function handler(event) {
  return rewrite(event.request);
}
`;
  }
  const login = o.loginPath ?? "/api/auth/login";
  return `import cf from 'cloudfront';
import crypto from 'crypto';

var kvs = cf.kvs(${JSON.stringify(o.kvsId ?? KVS_ID_PLACEHOLDER)});
var LOGIN = ${JSON.stringify(login)};

${rewrite}
function isLoginPath(uri) {
  return uri === LOGIN || uri.indexOf(LOGIN + '/') === 0;
}

function originalUrl(request) {
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

// Equal-length strings compared without an early exit, so timing does not leak the signature.
function sameText(a, b) {
  if (a.length !== b.length) return false;
  var diff = 0;
  for (var i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

async function valid(token) {
  var parts = token.split(':');
  if (parts.length !== 3) return false;
  // An empty user id never comes from pocket's signer (the Python side refuses to make one).
  if (parts[0] === '') return false;
  if (!/^[0-9]+$/.test(parts[1]) || !/^[0-9a-f]{64}$/.test(parts[2])) return false;
  if (parseInt(parts[1], 10) < Math.floor(Date.now() / 1000)) return false;
  var secret;
  try {
    secret = await kvs.get('token_secret');
  } catch (e) {
    return false;
  }
  if (!secret) return false;
  var expected = crypto
    .createHmac('sha256', Buffer.from(secret, 'hex'))
    .update(parts[0] + ':' + parts[1])
    .digest('hex');
  return sameText(expected, parts[2]);
}

async function handler(event) {
  var request = event.request;
  if (isLoginPath(request.uri)) return request;
  var cookie = request.cookies['pocket-spa-token'];
  if (!cookie || !cookie.value || !(await valid(cookie.value))) return toLogin(request);
  return rewrite(request);
}
`;
}
