/**
 * `nodeHttpHandler(listener)`: API Gateway HTTP API (payload 2.0) events to a Node `(req, res)`
 * listener (Express, Koa's `callback()`, Fastify's `server` listener) through node:http's own
 * IncomingMessage and ServerResponse, bound to an in-memory socket: no port is opened and the
 * framework sees the objects it was written for.
 */
import { EventEmitter } from "node:events";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ApiGatewayV2Event, ApiGatewayV2Result, HttpHandler, LambdaContext } from "./apigateway.js";
import { appHeaders, eventBody, eventHost, isTextBody, pathWithQuery, webHandler } from "./apigateway.js";
import { nodeHttp } from "./builtins.js";
import type { OriginCheck } from "./origin.js";

export type NodeListener = (req: IncomingMessage, res: ServerResponse) => unknown;

export interface NodeHttpHandlerOptions {
  /**
   * Answer 403 to requests that did not come through the stage's CloudFront distribution. On
   * whenever `POCKET_ORIGIN_VERIFY_SECRET` is set; `false` serves direct calls too.
   */
  verifyOrigin?: boolean;
}

/** The Lambda event and context, reachable from the request as `req.lambda`. */
export interface LambdaRequest extends IncomingMessage {
  lambda?: { event: ApiGatewayV2Event; context: LambdaContext | undefined };
}

/** The same type as `HttpHandler`; the name stays for code written against it. */
export type NodeHttpHandler = HttpHandler;

export function nodeHttpHandler(listener: NodeListener, options: NodeHttpHandlerOptions = {}): HttpHandler {
  return webHandler(options.verifyOrigin, async (event, context, check) => {
    const socket = new MemorySocket(event.requestContext.http.sourceIp);
    const req = toIncomingMessage(event, socket, check) as LambdaRequest;
    req.lambda = { event, context };
    const res = new (nodeHttp().ServerResponse)(req);
    // No chunked framing and no keep-alive: the body is read back whole from the socket.
    res.useChunkedEncodingByDefault = false;
    res.shouldKeepAlive = false;
    res.assignSocket(socket as never);
    await new Promise<void>((resolve, reject) => {
      res.once("finish", resolve);
      res.once("error", reject);
      try {
        const out = listener(req, res);
        if (out && typeof (out as Promise<unknown>).then === "function") {
          (out as Promise<unknown>).then(undefined, reject);
        }
      } catch (err) {
        reject(err);
      }
    });
    return socket.result(req.method === "HEAD");
  });
}

function toIncomingMessage(
  event: ApiGatewayV2Event,
  socket: MemorySocket,
  check: OriginCheck,
): IncomingMessage {
  const req = new (nodeHttp().IncomingMessage)(socket as never);
  const method = event.requestContext.http.method.toUpperCase();
  const headers = appHeaders(event, check);
  headers.host = eventHost(event, check);
  if (event.cookies?.length) headers.cookie = event.cookies.join("; ");
  const body = method === "GET" || method === "HEAD" ? undefined : eventBody(event);
  // Body parsers only read a body announced by content-length or transfer-encoding.
  if (body && headers["content-length"] === undefined && headers["transfer-encoding"] === undefined) {
    headers["content-length"] = String(body.length);
  }
  const rawHeaders: string[] = [];
  for (const name in headers) rawHeaders.push(name, headers[name]!);
  req.method = method;
  req.url = pathWithQuery(event);
  req.httpVersion = "1.1";
  req.httpVersionMajor = 1;
  req.httpVersionMinor = 1;
  req.headers = headers;
  req.rawHeaders = rawHeaders;
  if (body?.length) req.push(body);
  req.push(null);
  req.complete = true;
  return req;
}

/** A socket method that changes nothing and, like net.Socket's, returns the socket for chaining. */
function untuned<T>(this: T): T {
  return this;
}

/**
 * Just enough of a net.Socket for ServerResponse to write into: the bytes it writes (the header
 * block, then the body) are kept and split apart when the response finishes.
 */
class MemorySocket extends EventEmitter {
  // What ServerResponse wrote, as given: strings stay strings (with their encoding) so that the
  // common case, one string holding the header block and a text body, is never converted to
  // bytes and back.
  private readonly parts: (string | Buffer)[] = [];
  private readonly encodings: (BufferEncoding | undefined)[] = [];
  readonly encrypted = true;
  readonly remotePort = 443;
  readonly localPort = 443;
  writable = true;
  // Readable, or on-finished (body parsers) takes the request as already consumed.
  readable = true;
  destroyed = false;
  writableLength = 0;
  writableNeedDrain = false;
  _httpMessage: unknown = null;
  // ServerResponse.end() flips `corked` here directly to flush.
  _writableState = { corked: 0 };

  constructor(readonly remoteAddress: string | undefined) {
    super();
  }

  write(data: string | Uint8Array, encoding?: BufferEncoding | (() => void), callback?: () => void): boolean {
    if (typeof encoding === "function") {
      callback = encoding;
      encoding = undefined;
    }
    if (data.length > 0) {
      if (typeof data === "string") {
        this.parts.push(data);
        this.encodings.push(encoding ?? "utf8");
      } else {
        this.parts.push(
          Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength),
        );
        this.encodings.push(undefined);
      }
    }
    callback?.();
    return true;
  }

  end(data?: string | Uint8Array, encoding?: BufferEncoding | (() => void), callback?: () => void): this {
    if (data !== undefined && typeof data !== "function") this.write(data, encoding, callback);
    return this;
  }

  cork(): void {}
  uncork(): void {}
  destroy(): this {
    this.destroyed = true;
    return this;
  }
  destroySoon(): void {}
  // What node:http calls to tune a TCP connection or its flow: nothing to tune in memory.
  setTimeout = untuned;
  setNoDelay = untuned;
  setKeepAlive = untuned;
  ref = untuned;
  unref = untuned;
  pause = untuned;
  resume = untuned;
  address(): { port: number; family: string; address: string } {
    return { port: 443, family: "IPv4", address: "127.0.0.1" };
  }

  /** Splits what ServerResponse wrote into status, headers, cookies and body. */
  result(head: boolean): ApiGatewayV2Result {
    // The header block comes first, whole, as a Latin-1 string (possibly with the body's start).
    let headText = "";
    let body: { parts: (string | Buffer)[]; encodings: (BufferEncoding | undefined)[] };
    const first = this.parts[0];
    const end = typeof first === "string" ? first.indexOf("\r\n\r\n") : -1;
    if (typeof first === "string" && end >= 0) {
      headText = first.slice(0, end);
      const rest = first.slice(end + 4);
      body = {
        parts: rest ? [rest, ...this.parts.slice(1)] : this.parts.slice(1),
        encodings: rest ? [this.encodings[0], ...this.encodings.slice(1)] : this.encodings.slice(1),
      };
    } else {
      const raw = Buffer.concat(this.parts.map((p, i) => toBuffer(p, this.encodings[i])));
      const at = raw.indexOf("\r\n\r\n");
      headText = raw.toString("latin1", 0, at < 0 ? raw.length : at);
      body = { parts: at < 0 ? [] : [raw.subarray(at + 4)], encodings: [undefined] };
    }
    const lines = headText.split("\r\n");
    const statusCode = Number(lines[0]!.split(" ")[1]);
    const headers: Record<string, string> = {};
    const cookies: string[] = [];
    let chunked = false;
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const colon = line.indexOf(":");
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      // Node writes header strings as Latin-1, which headText holds exactly.
      const value = line.slice(colon + 1).trim();
      if (name === "set-cookie") cookies.push(value);
      else if (name === "transfer-encoding") chunked = value.toLowerCase().includes("chunked");
      else if (name === "connection" || name === "keep-alive") continue;
      else headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
    }
    const result: ApiGatewayV2Result = { statusCode, headers, body: "", isBase64Encoded: false };
    if (cookies.length > 0) result.cookies = cookies;
    if (head || body.parts.length === 0) return result;
    const text = isTextBody(headers["content-type"], headers["content-encoding"]);
    if (text && !chunked && body.encodings.every((e) => e === "utf8" || e === "utf-8")) {
      result.body = body.parts.join("");
      return result;
    }
    let bytes: Buffer = Buffer.concat(body.parts.map((p, i) => toBuffer(p, body.encodings[i])));
    if (chunked) bytes = dechunk(bytes);
    if (text) {
      result.body = bytes.toString("utf8");
    } else {
      result.body = bytes.toString("base64");
      result.isBase64Encoded = true;
    }
    return result;
  }
}

function toBuffer(part: string | Buffer, encoding: BufferEncoding | undefined): Buffer {
  return typeof part === "string" ? Buffer.from(part, encoding ?? "utf8") : part;
}

/** Removes chunked transfer framing (an app that set `Transfer-Encoding: chunked` itself). */
function dechunk(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  while (at < data.length) {
    const lineEnd = data.indexOf("\r\n", at);
    if (lineEnd < 0) break;
    const size = Number.parseInt(data.toString("latin1", at, lineEnd).split(";")[0]!, 16);
    if (!size) break;
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}
