import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { PocketContext } from "@magic-pocket/config";
import { CliError } from "../errors.js";
import { writeErr } from "../util/stdio.js";
import {
  fileResponse,
  type LocalDistribution,
  localDistribution,
  notFound,
  parseCookies,
  routeRequest,
} from "./cloudfront.js";
import type { DevHandler } from "./dev-handler.js";
import {
  gatewayError,
  type HttpResponseParts,
  httpResponse,
  listenLocal,
  localUrl,
  readBody,
  requestEvent,
  writeResponse,
} from "./http-server.js";

/**
 * The HTTP side of `pocket dev`: one server per API (a request becomes its handler's event) and
 * one per distribution (a request is routed as CloudFront would: to an API's handler, a file, a
 * redirect, or 404).
 */

export interface DevEndpoint {
  kind: "api" | "cloudfront";
  name: string;
  url: string;
  port: number;
}

/** The local port of each API (by handler key) and each distribution (by name). */
export interface DevPorts {
  api: Map<string, number>;
  cloudfront: Map<string, number>;
}

/** What the servers read of the running session; handlers and environment change while it runs. */
export interface DevServing {
  ctx: PocketContext;
  projectDir: string;
  host?: string;
  handlers: ReadonlyMap<string, DevHandler>;
  environment(): Record<string, string>;
  log(key: string, line: string): void;
}

/**
 * Listens on every port (APIs, then distributions); each server is pushed to `servers` as it
 * opens, so the caller can close the ones already open when a later port is taken.
 */
export async function listenEndpoints(
  s: DevServing,
  ports: DevPorts,
  servers: Server[],
): Promise<DevEndpoint[]> {
  const endpoints: DevEndpoint[] = [];
  for (const [key, port] of ports.api) {
    servers.push(...(await listen(port, s.host, (req, res) => serveApi(s, key, port, req, res))));
    endpoints.push({ kind: "api", name: key, url: localUrl(port, s.host), port });
  }
  for (const cf of Object.values(s.ctx.cloudfront ?? {})) {
    const port = ports.cloudfront.get(cf.name)!;
    const dist = localDistribution(s.ctx, cf, s.projectDir);
    for (const line of dist.unserved) s.log("cloudfront", `${cf.name}: ${line}: answers 404`);
    servers.push(...(await listen(port, s.host, (req, res) => serveDistribution(s, dist, port, req, res))));
    endpoints.push({ kind: "cloudfront", name: cf.name, url: localUrl(port, s.host), port });
  }
  return endpoints;
}

async function serveApi(
  s: DevServing,
  key: string,
  port: number,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const started = Date.now();
  const body = await readBody(req);
  const h = s.handlers.get(key);
  // The ports are taken before the handlers start: a request in between waits for nothing.
  const parts = h ? await invokeHttp(h, requestEvent(req, body, port)) : gatewayError(503);
  writeResponse(res, parts);
  s.log(key, `${req.method} ${req.url} -> ${parts.status} (${Date.now() - started} ms)`);
}

async function serveDistribution(
  s: DevServing,
  dist: LocalDistribution,
  port: number,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const started = Date.now();
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  const path = q >= 0 ? url.slice(0, q) : url;
  const routed = routeRequest(dist, path, {
    query: q >= 0 ? url.slice(q + 1) : undefined,
    cookies: parseCookies(req.headers.cookie),
    env: s.environment(),
  });
  const body = await readBody(req);
  let parts: HttpResponseParts;
  if (routed.kind === "api") {
    const h = s.handlers.get(routed.handler);
    parts = h ? await invokeHttp(h, requestEvent(req, body, port)) : gatewayError(503);
  } else if (routed.kind === "file") {
    parts = req.method === "GET" || req.method === "HEAD" ? await fileResponse(routed.file) : notFound();
  } else if (routed.kind === "redirect") {
    parts = {
      status: 302,
      headers: [
        ["location", routed.location],
        ["cache-control", "no-store"],
      ],
      body: Buffer.alloc(0),
    };
  } else {
    parts = notFound();
  }
  writeResponse(res, req.method === "HEAD" ? { ...parts, body: Buffer.alloc(0) } : parts);
  s.log("cloudfront", `${dist.name}: ${req.method} ${url} -> ${parts.status} (${Date.now() - started} ms)`);
}

async function invokeHttp(h: DevHandler, event: ReturnType<typeof requestEvent>): Promise<HttpResponseParts> {
  try {
    return httpResponse(await h.invoke(event));
  } catch (error) {
    return gatewayError((error as { code?: string }).code === "handler-timeout" ? 503 : 500);
  }
}

async function listen(
  port: number,
  host: string | undefined,
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
) {
  try {
    return await listenLocal(
      port,
      (req, res) => {
        handler(req, res).catch((error: Error) => {
          if (!res.headersSent) writeResponse(res, gatewayError(500));
          writeErr(`pocket dev: ${error.message}\n`);
        });
      },
      { host },
    );
  } catch (error) {
    throw portError(port, error as NodeJS.ErrnoException);
  }
}

function portError(port: number, e: NodeJS.ErrnoException): Error {
  if (e.code === "ERR_SOCKET_BAD_PORT") {
    return new CliError(
      "invalid-port",
      `port ${port} is out of range (the APIs and distributions need one port each).`,
      {
        hint: "Pass a lower first port with --port N.",
        exitCode: 2,
      },
    );
  }
  if (e.code === "EADDRINUSE" || e.code === "EACCES") {
    return new CliError("port-in-use", `port ${port} is ${e.code === "EACCES" ? "not allowed" : "in use"}.`, {
      hint: "Pass another first port with --port N (pocket dev uses it and the ports above it).",
    });
  }
  return e;
}
