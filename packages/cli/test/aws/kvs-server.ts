import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { general, WSGI_CONTAINER } from "./harness.js";

/*
 * moto has no CloudFront KeyValueStore data plane, so this contract server stands in for it,
 * with the REST shapes of the service's API reference: GET/PUT /key-value-stores/{arn}/keys/{key}
 * and GET /key-value-stores/{arn}, an ETag on every read and If-Match required on writes.
 */

/** The store token-secret-kvs.test.ts and kvs-ip-endpoint.test.ts write into. */
export const KVS_ARN =
  "arn:aws:cloudfront::123456789012:key-value-store/0a1b2c3d-4e5f-6789-abcd-ef0123456789";

/** A stage whose SPA routes require a token signed with a managed secret kept in the KVS. */
export const TOKEN_SECRET_STAGE = `
${general("spa")}
[s3]

${WSGI_CONTAINER}
[awscontainer.secrets.managed]
SPA_TOKEN_SECRET = { type = "spa_token_secret" }

[cloudfront.main]
token_secret = "SPA_TOKEN_SECRET"
routes = [{ is_default = true, is_spa = true, require_token = true }]
`;

export interface KvsCall {
  method: string;
  path: string;
  /** The Host header: the endpoint rules put the account id in front of the host. */
  host: string;
  ifMatch?: string;
  authorization?: string;
}

export interface KvsServer {
  readonly server: Server;
  readonly port: number;
  /** Every store's keys, as `${storeArn}|${key}` -> value, in the order they were first written. */
  readonly data: Map<string, string>;
  /** Every data-plane call, in order. */
  readonly calls: KvsCall[];
  close(): Promise<void>;
}

export interface KvsServerOptions {
  /** The stores that exist (any other answers ResourceNotFoundException); every store when absent. */
  stores?: readonly string[];
  /**
   * Where every call that is not for the data plane goes (an emulator at one address serving
   * every service); absent, such calls answer ResourceNotFoundException.
   */
  otherCallsTo?: string;
}

/** Starts the stand-in on a free loopback port. */
export async function startKvsServer(options: KvsServerOptions = {}): Promise<KvsServer> {
  const data = new Map<string, string>();
  const calls: KvsCall[] = [];
  let etag = 1;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    if (parts[0] !== "key-value-stores" && options.otherCallsTo)
      return passOn(req, res, options.otherCallsTo);
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      calls.push({
        method: req.method ?? "",
        path: url.pathname,
        host: req.headers.host ?? "",
        ifMatch: req.headers["if-match"] as string | undefined,
        authorization: req.headers.authorization,
      });
      const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { "Content-Type": "application/json", ...headers });
        res.end(JSON.stringify(payload));
      };
      const [root, store, sub, key] = parts;
      if (root !== "key-value-stores" || !store || (options.stores && !options.stores.includes(store)))
        return send(404, { Message: "no such store" }, { "x-amzn-errortype": "ResourceNotFoundException" });
      if (parts.length === 2 && req.method === "GET")
        return send(
          200,
          { KvsARN: store, ItemCount: data.size, TotalSizeInBytes: 0, Status: "READY" },
          { ETag: `E${etag}` },
        );
      if (sub === "keys" && key && req.method === "GET") {
        const value = data.get(`${store}|${key}`);
        if (value === undefined)
          return send(404, { Message: "key not found" }, { "x-amzn-errortype": "ResourceNotFoundException" });
        return send(200, { Key: key, Value: value, ItemCount: data.size, TotalSizeInBytes: 0 });
      }
      if (sub === "keys" && key && req.method === "PUT") {
        if (req.headers["if-match"] !== `E${etag}`)
          return send(409, { Message: "ETag mismatch" }, { "x-amzn-errortype": "ConflictException" });
        data.set(`${store}|${key}`, JSON.parse(body).Value);
        etag++;
        return send(200, { ItemCount: data.size, TotalSizeInBytes: 0 }, { ETag: `E${etag}` });
      }
      return send(400, { Message: "unsupported" }, { "x-amzn-errortype": "ValidationException" });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    server,
    port: (server.address() as AddressInfo).port,
    data,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Forwards a call that is not for the data plane, and its answer. */
function passOn(req: IncomingMessage, res: ServerResponse, to: string): void {
  const target = new URL(to);
  const upstream = request(
    { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on("error", () => req.socket.destroy());
  req.pipe(upstream);
}
