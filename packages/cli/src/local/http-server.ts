import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { isIPv4 } from "node:net";
import { networkInterfaces } from "node:os";
import { type ApiGatewayV2Event, httpEvent } from "./events.js";

/**
 * HTTP for `pocket dev`: a request becomes the API Gateway HTTP API (payload 2.0) event the
 * deployed API would send, and the handler's result becomes the response the way API Gateway
 * reads it (status, headers, `cookies`, base64 bodies, a bare value as a JSON body).
 */

/** Runs one event through a handler. */
export type InvokeHttp = (event: ApiGatewayV2Event) => Promise<unknown>;

export interface HttpResponseParts {
  status: number;
  headers: [string, string][];
  body: Buffer;
}

/** Content types API Gateway passes as text; anything else travels base64-encoded. */
const TEXT =
  /^(text\/|application\/(json|[\w.+-]+\+json|xml|[\w.+-]+\+xml|javascript|x-www-form-urlencoded|graphql))/i;

/** The event for an incoming request (its body already read). */
export function requestEvent(req: IncomingMessage, body: Buffer, port: number): ApiGatewayV2Event {
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined || k === "cookie") continue;
    headers[k] = Array.isArray(v) ? v.join(",") : v;
  }
  // The deployed API is https on 443; locally it is plain http on this port, and apps that
  // build absolute URLs or check the scheme (Django's CSRF origin check) must see that.
  headers["x-forwarded-proto"] = "http";
  headers["x-forwarded-port"] = String(port);
  const cookieHeader = req.headers.cookie;
  const cookies = cookieHeader
    ? cookieHeader
        .split(";")
        .map((c) => c.trim())
        .filter(Boolean)
    : undefined;
  const type = String(req.headers["content-type"] ?? "");
  const isText = body.length === 0 || TEXT.test(type) || (type === "" && isUtf8(body));
  return httpEvent({
    method: req.method ?? "GET",
    path: q >= 0 ? url.slice(0, q) : url,
    query: q >= 0 ? url.slice(q + 1) : undefined,
    headers,
    cookies,
    body: body.length === 0 ? undefined : isText ? body.toString("utf8") : new Uint8Array(body),
    host: req.headers.host ?? `localhost:${port}`,
    sourceIp: normalizeIp(req.socket.remoteAddress),
    userAgent: String(req.headers["user-agent"] ?? ""),
  });
}

/** How API Gateway turns a payload 2.0 result into a response. */
export function httpResponse(result: unknown): HttpResponseParts {
  const shaped =
    result !== null && typeof result === "object" && !Array.isArray(result) && "statusCode" in result;
  if (!shaped) {
    // No statusCode: API Gateway answers 200 with the value as a JSON body.
    const body = typeof result === "string" ? result : JSON.stringify(result ?? null);
    return { status: 200, headers: [["content-type", "application/json"]], body: Buffer.from(body) };
  }
  const r = result as {
    statusCode: unknown;
    headers?: Record<string, unknown>;
    multiValueHeaders?: Record<string, unknown[]>;
    cookies?: unknown[];
    body?: unknown;
    isBase64Encoded?: boolean;
  };
  const status = Number(r.statusCode);
  if (!Number.isInteger(status) || status < 100 || status > 599) {
    // API Gateway answers a malformed integration response with 500.
    return gatewayError(500);
  }
  const headers: [string, string][] = [];
  for (const [k, v] of Object.entries(r.headers ?? {}))
    if (v !== undefined && v !== null) headers.push([k, String(v)]);
  for (const [k, vs] of Object.entries(r.multiValueHeaders ?? {})) {
    for (const v of Array.isArray(vs) ? vs : []) headers.push([k, String(v)]);
  }
  for (const c of r.cookies ?? []) headers.push(["set-cookie", String(c)]);
  const text = r.body === undefined || r.body === null ? "" : String(r.body);
  const body = r.isBase64Encoded ? Buffer.from(text, "base64") : Buffer.from(text, "utf8");
  return { status, headers, body };
}

/** What API Gateway answers when the integration failed (an exception, a timeout, a crash). */
export function gatewayError(status: 500 | 503): HttpResponseParts {
  const message = status === 503 ? "Service Unavailable" : "Internal Server Error";
  return {
    status,
    headers: [["content-type", "application/json"]],
    body: Buffer.from(JSON.stringify({ message })),
  };
}

export function writeResponse(res: ServerResponse, parts: HttpResponseParts): void {
  const grouped = new Map<string, string[]>();
  for (const [k, v] of parts.headers) {
    const name = k.toLowerCase();
    // API Gateway frames the body itself: a length or encoding the handler claims is not used.
    if (HOP_BY_HOP.has(name)) continue;
    grouped.set(name, [...(grouped.get(name) ?? []), v]);
  }
  for (const [k, vs] of grouped) res.setHeader(k, vs.length === 1 && k !== "set-cookie" ? vs[0]! : vs);
  res.setHeader("content-length", parts.body.length);
  res.statusCode = parts.status;
  res.end(parts.body);
}

const HOP_BY_HOP = new Set(["content-length", "transfer-encoding", "connection", "keep-alive", "upgrade"]);

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export interface ListenOptions {
  /** `pocket dev --host`: the address to listen on instead of the loopback addresses. */
  host?: string;
}

/**
 * Listens on `port` on the loopback addresses (IPv4, and IPv6 where there is one), so
 * `http://localhost:PORT` works whichever address `localhost` resolves to first; with
 * `options.host`, on that address alone. A request whose `Host` is not a name of this server
 * (`acceptsHost`) gets 403 and never reaches `handler`.
 */
export async function listenLocal(
  port: number,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  options: ListenOptions = {},
): Promise<Server[]> {
  const names = extraHostNames(options.host);
  const guarded = (req: IncomingMessage, res: ServerResponse) => {
    if (acceptsHost(req.headers.host, names)) handler(req, res);
    else writeResponse(res, wrongHost(req.headers.host));
  };
  const listen = (host: string) =>
    new Promise<Server>((resolve, reject) => {
      const server = createServer(guarded);
      server.once("error", reject);
      server.listen(port, host, () => resolve(server));
    });
  if (options.host && options.host !== "localhost") return [await listen(options.host)];
  const servers = [await listen("127.0.0.1")];
  try {
    servers.push(await listen("::1"));
  } catch {
    // No IPv6 loopback on this machine (or the port is taken there): IPv4 serves alone.
  }
  return servers;
}

/**
 * Whether a `Host` header names this server: a loopback name (`localhost`, `*.localhost`,
 * `127.x.x.x`, `[::1]`) or one of `extra` (from `--host`), with any port. Anything else is a
 * page on another site reaching the server through DNS rebinding (its name resolving to
 * 127.0.0.1): it must not get the app, which would trust that name as its own.
 */
export function acceptsHost(header: string | undefined, extra: readonly string[] = []): boolean {
  if (!header) return false;
  const name = hostName(header);
  if (name === "localhost" || name.endsWith(".localhost") || name === "[::1]") return true;
  if (isIPv4(name) && name.startsWith("127.")) return true;
  return extra.includes(name);
}

/** The host name of a `Host` header: lower-case, without the port or a trailing dot. */
function hostName(header: string): string {
  const h = header.trim().toLowerCase();
  const name = h.startsWith("[") ? h.slice(0, h.indexOf("]") + 1) : h.replace(/:\d*$/, "");
  return name.replace(/\.$/, "");
}

/**
 * The names `--host` adds: the address itself (IPv6 in brackets, as in a `Host` header), and
 * for a wildcard address (`0.0.0.0`, `::`) every address of this machine's interfaces, which is
 * what another device on the network will put in `Host`.
 */
export function extraHostNames(host: string | undefined): string[] {
  if (!host) return [];
  const bracket = (a: string) => (a.includes(":") ? `[${a.replace(/^\[|\]$/g, "")}]` : a);
  const names = [hostName(bracket(host))];
  if (["0.0.0.0", "::", "[::]"].includes(host)) {
    for (const list of Object.values(networkInterfaces())) {
      for (const a of list ?? []) names.push(bracket(a.address.split("%")[0]!.toLowerCase()));
    }
  }
  return names;
}

/** The URL pocket dev prints for a port: `localhost`, or the `--host` address when it names one. */
export function localUrl(port: number, host?: string): string {
  if (!host || ["localhost", "0.0.0.0", "::", "[::]"].includes(host)) return `http://localhost:${port}`;
  return `http://${host.includes(":") && !host.startsWith("[") ? `[${host}]` : host}:${port}`;
}

function wrongHost(header: string | undefined): HttpResponseParts {
  const shown = JSON.stringify((header ?? "").slice(0, 200));
  return {
    status: 403,
    headers: [["content-type", "text/plain; charset=utf-8"]],
    body: Buffer.from(
      `pocket dev answers only requests for localhost, 127.0.0.1 or [::1], not Host ${shown}: ` +
        "another name could be a web page reaching this server through DNS rebinding. " +
        "To serve another name, run pocket dev --host with it (or 0.0.0.0 for every address of this machine).\n",
    ),
  };
}

export async function closeServers(servers: Server[]): Promise<void> {
  await Promise.all(
    servers.map(
      (s) =>
        new Promise<void>((resolve) => {
          s.closeAllConnections();
          s.close(() => resolve());
        }),
    ),
  );
}

function isUtf8(b: Buffer): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(b);
    return true;
  } catch {
    return false;
  }
}

function normalizeIp(ip: string | undefined): string {
  if (!ip) return "127.0.0.1";
  return ip.startsWith("::ffff:") ? ip.slice(7) : ip;
}
