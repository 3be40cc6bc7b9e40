/**
 * Node built-ins that only some features need, loaded on first use: an app that never checks a
 * token or runs a `(req, res)` listener does not pay for node:crypto or node:http at cold start.
 * createRequire gives a synchronous load, so the token helpers can stay synchronous functions.
 */
import { createRequire } from "node:module";

const requireBuiltin = createRequire(import.meta.url);
let crypto: typeof import("node:crypto") | undefined;
let http: typeof import("node:http") | undefined;

export function nodeCrypto(): typeof import("node:crypto") {
  crypto ??= requireBuiltin("node:crypto") as typeof import("node:crypto");
  return crypto;
}

export function nodeHttp(): typeof import("node:http") {
  http ??= requireBuiltin("node:http") as typeof import("node:http");
  return http;
}
