import { createServer, type IncomingHttpHeaders, type Server } from "node:http";

/** One request to a contract server, with its whole body read (and parsed when there is one). */
export interface JsonRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** Any JSON: each contract server checks the fields of the vendor's body itself. */
  body: any;
}

/** Answers with a JSON body (and any extra headers, such as a Digest challenge). */
export type Send = (status: number, payload: unknown, headers?: Record<string, string>) => void;

/**
 * The HTTP part every vendor contract server (Neon, TiDB, Upstash) shares: read the whole body,
 * parse it as JSON, and answer in JSON. Each server keeps its own routes and authentication.
 */
export function jsonServer(handle: (request: JsonRequest, send: Send) => void): Server {
  return createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => {
      raw += c;
    });
    req.on("end", () => {
      const send: Send = (status, payload, headers = {}) => {
        res.writeHead(status, { "Content-Type": "application/json", ...headers });
        res.end(JSON.stringify(payload));
      };
      const request = {
        method: req.method ?? "GET",
        url: req.url ?? "/",
        headers: req.headers,
        body: raw ? JSON.parse(raw) : undefined,
      };
      handle(request, send);
    });
  });
}
