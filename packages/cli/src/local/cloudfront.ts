import { createHmac, timingSafeEqual } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { extname, isAbsolute, join, normalize, resolve, sep } from "node:path";
import type { CloudFrontContext, PocketContext, RouteContext, S3RouteContext } from "@magic-pocket/config";
import { spaRoutePrefix } from "../templates/cloudfront.js";
import type { HttpResponseParts } from "./http-server.js";

/**
 * A CloudFront distribution for `pocket dev`: the behaviours in CloudFront's order (the listed
 * path patterns first, the default last), `api` routes to the local handler, S3 routes from the
 * local folder that the deploy would upload there (a route's `build_dir`, or the local fallback
 * location of the Django storage that lives under the route), with the SPA fallback and the SPA
 * token check the edge function does.
 */

export interface LocalRoute {
  route: RouteContext;
  /** For S3 routes: the local folder, and the bucket key prefix it stands for (no slashes at the ends). */
  folder?: { dir: string; keyPrefix: string; what: string };
}

export interface LocalDistribution {
  name: string;
  routes: LocalRoute[];
  /** The variable that holds the SPA token key (from the managed `token_secret`). */
  tokenSecretEnv?: string;
  /** S3 routes that have no local folder, said once at start. */
  unserved: string[];
}

/** The local view of a distribution (folders resolved against the folder of pocket.toml). */
export function localDistribution(
  ctx: PocketContext,
  cf: CloudFrontContext,
  projectDir: string,
): LocalDistribution {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(projectDir, p));
  const storages = ctx.container?.django.storages ?? {};
  const routes: LocalRoute[] = [];
  const unserved: string[] = [];
  for (const route of orderRoutes(cf.routes)) {
    if (route.type === "api") {
      routes.push({ route });
      continue;
    }
    if (route.buildDir) {
      routes.push({
        route,
        folder: { dir: abs(route.buildDir), keyPrefix: route.keyPrefix, what: "build_dir" },
      });
      continue;
    }
    // A Django storage served through this route: its S3 location lies under the route's prefix.
    const storage = Object.entries(storages).find(([, s]) => {
      const o = s.OPTIONS as { distribution?: string; location?: string } | undefined;
      return (
        o?.distribution === cf.name &&
        typeof o.location === "string" &&
        isUnderPrefix(o.location, route.keyPrefix)
      );
    });
    const localLocation = storage
      ? (ctx.djangoFallback.storages[storage[0]]?.OPTIONS as { location?: string } | undefined)?.location
      : undefined;
    if (storage && localLocation) {
      const keyPrefix = String((storage[1].OPTIONS as { location: string }).location);
      routes.push({
        route,
        folder: { dir: abs(localLocation), keyPrefix, what: `storage ${storage[0]}` },
      });
    } else {
      routes.push({ route });
      unserved.push(
        storage
          ? `${pattern(route)}: the storage "${storage[0]}" has no local folder (set its location in [general.django_fallback.storages])`
          : `${pattern(route)}: no build_dir and no storage of this distribution lives there`,
      );
    }
  }
  const tokenSecretEnv = cf.tokenSecret
    ? (() => {
        const m = ctx.container?.secrets?.managed[cf.tokenSecret.secret];
        return m && "env" in m ? m.env : undefined;
      })()
    : undefined;
  return { name: cf.name, routes, tokenSecretEnv, unserved };
}

/** CloudFront evaluates the path-pattern behaviours in order, and the default one last. */
export function orderRoutes(routes: RouteContext[]): RouteContext[] {
  return [
    ...routes.filter((r) => !r.isDefault).sort((a, b) => a.index - b.index),
    ...routes.filter((r) => r.isDefault),
  ];
}

/** CloudFront's path-pattern match: case-sensitive, `*` any run of characters, `?` one. */
export function matchesPattern(pathPattern: string, path: string): boolean {
  if (pathPattern === "" || pathPattern === "*" || pathPattern === "/*") return true;
  const p = pathPattern.startsWith("/") ? pathPattern : `/${pathPattern}`;
  const re = new RegExp(
    `^${p
      .split("")
      .map((ch) => (ch === "*" ? ".*" : ch === "?" ? "." : ch.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
      .join("")}$`,
  );
  return re.test(path);
}

export type Routed =
  | { kind: "api"; handler: string }
  | { kind: "file"; file: string }
  | { kind: "redirect"; location: string }
  | { kind: "not-found"; reason: string };

/**
 * Where a request goes: the handler of an api route, a file of a local folder (after the SPA
 * fallback), a redirect to the login path (the SPA token check), or nowhere.
 */
export function routeRequest(
  dist: LocalDistribution,
  path: string,
  options: {
    query?: string;
    cookies?: Record<string, string>;
    env?: Record<string, string>;
    now?: number;
  } = {},
): Routed {
  const local = dist.routes.find((r) => matchesPattern(r.route.pathPattern, path));
  if (!local)
    return { kind: "not-found", reason: "no behaviour matches (the distribution has no default route)" };
  const { route } = local;
  if (route.type === "api") return { kind: "api", handler: route.handler };
  let uri = path;
  if (route.isSpa) {
    if (route.requireToken && !isLoginPath(uri, route.loginPath)) {
      const secret = dist.tokenSecretEnv ? options.env?.[dist.tokenSecretEnv] : undefined;
      const token = options.cookies?.["pocket-spa-token"];
      if (!secret || !token || !validToken(token, secret, options.now ?? Date.now())) {
        const original = options.query ? `${path}?${options.query}` : path;
        return { kind: "redirect", location: `${route.loginPath}?next=${encodeURIComponent(original)}` };
      }
    }
    const last = uri.slice(uri.lastIndexOf("/") + 1);
    if (!last.includes(".")) uri = `${spaRoutePrefix(route.pathPattern)}${route.spaFallbackHtml}`;
  }
  if (!local.folder) return { kind: "not-found", reason: `${pattern(route)} has no local folder` };
  const file = fileFor(route, local.folder, uri);
  return file
    ? { kind: "file", file }
    : { kind: "not-found", reason: `${uri} is outside ${local.folder.what}` };
}

/** The object key CloudFront would ask S3 for, mapped into the local folder. */
function fileFor(
  route: S3RouteContext,
  folder: NonNullable<LocalRoute["folder"]>,
  uri: string,
): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(uri);
  } catch {
    return undefined;
  }
  const key = `${route.originPath.replace(/^\/+|\/+$/g, "")}/${decoded.replace(/^\/+/, "")}`.replace(
    /^\/+/,
    "",
  );
  const prefix = folder.keyPrefix.replace(/^\/+|\/+$/g, "");
  if (prefix && !key.startsWith(`${prefix}/`)) return undefined;
  const rel = prefix ? key.slice(prefix.length + 1) : key;
  const file = normalize(join(folder.dir, rel));
  // `..` in the path must not leave the folder.
  if (file !== folder.dir && !file.startsWith(folder.dir.endsWith(sep) ? folder.dir : folder.dir + sep))
    return undefined;
  return file;
}

/** Reads a routed file; 404 when it is missing (as S3 behind CloudFront answers). */
export async function fileResponse(file: string): Promise<HttpResponseParts> {
  try {
    const s = await stat(file);
    if (!s.isFile()) return notFound();
    return {
      status: 200,
      headers: [["content-type", CONTENT_TYPES[extname(file).toLowerCase()] ?? "application/octet-stream"]],
      body: await readFile(file),
    };
  } catch {
    return notFound();
  }
}

export function notFound(): HttpResponseParts {
  return {
    status: 404,
    headers: [["content-type", "text/plain; charset=utf-8"]],
    body: Buffer.from("Not Found\n"),
  };
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? "").split(";")) {
    const i = part.indexOf("=");
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

/** The token the edge checks: `{user}:{expiry}:{hex HMAC-SHA256 of "user:expiry"}`, key = hex secret. */
function validToken(token: string, secretHex: string, now: number): boolean {
  const parts = decodeURIComponent(token).split(":");
  if (parts.length !== 3 || parts[0] === "") return false;
  if (!/^[0-9]+$/.test(parts[1]!) || !/^[0-9a-f]{64}$/.test(parts[2]!)) return false;
  if (Number.parseInt(parts[1]!, 10) < Math.floor(now / 1000)) return false;
  const expected = createHmac("sha256", Buffer.from(secretHex, "hex"))
    .update(`${parts[0]}:${parts[1]}`)
    .digest();
  return timingSafeEqual(expected, Buffer.from(parts[2]!, "hex"));
}

function isLoginPath(uri: string, login: string): boolean {
  return uri === login || uri.startsWith(`${login}/`);
}

function isUnderPrefix(key: string, prefix: string): boolean {
  const p = prefix.replace(/^\/+|\/+$/g, "");
  return p === "" || key === p || key.startsWith(`${p}/`);
}

function pattern(route: RouteContext): string {
  return route.isDefault ? "the default route" : `route ${route.pathPattern}`;
}

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".htm": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".txt": "text/plain; charset=utf-8",
  ".xml": "application/xml",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".avif": "image/avif",
  ".ico": "image/x-icon",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
  ".ttf": "font/ttf",
  ".otf": "font/otf",
  ".wasm": "application/wasm",
  ".pdf": "application/pdf",
  ".webmanifest": "application/manifest+json",
};
