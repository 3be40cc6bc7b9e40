import { describe, expect, it } from "vitest";
import { awsClients } from "../src/aws/clients.js";
import { explainAwsError } from "../src/aws/errors.js";
import { failedCallOf } from "../src/aws/failed-call.js";
import { useLocalAwsEndpoint } from "./local-aws-endpoint.js";

/*
 * Network failures and answers in no AWS protocol (issue 20 item 13), shaped as the SDK v3
 * throws them (the shapes were read from the SDK's errors against test/moto/fault-proxy.ts).
 */
const DESERIALIZATION =
  "\n  Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object.";

/** Adds the SDK's hidden `$response` (non-enumerable, as the SDK defines it). */
function withResponse<T extends object>(error: T, status: number, contentType: string): T {
  Object.defineProperty(error, "$response", {
    value: { statusCode: status, headers: { "content-type": contentType } },
    enumerable: false,
  });
  return error;
}

/** A service's error as the SDK throws it: the code (as name), whose side, the HTTP status. */
function serviceError(
  name: string,
  message: string,
  fault: "client" | "server",
  status: number,
  attempts?: number,
) {
  const $metadata = attempts ? { httpStatusCode: status, attempts } : { httpStatusCode: status };
  return Object.assign(new Error(message), { name, $fault: fault, $metadata });
}

const cutMidBody = () =>
  withResponse(
    Object.assign(new Error(`aborted${DESERIALIZATION}`), {
      code: "ECONNRESET",
      $metadata: { httpStatusCode: 200, attempts: 8 },
    }),
    200,
    "text/xml",
  );

describe("network failures and foreign answers become one clear error", () => {
  it("an answer cut mid-body (Error: aborted) says the connection broke, with status and attempts", () => {
    const e = explainAwsError(cutMidBody(), "ap-northeast-1");
    expect(e?.code).toBe("aws-unreachable");
    expect(e?.exitCode).toBe(1);
    expect(e?.message).toBe(
      "the connection to AWS in ap-northeast-1 failed: the call: the connection closed in the middle of the answer (HTTP 200, after 8 attempts).",
    );
    expect(e?.hint).toContain("run the command again");
  });

  it("a body stream cut after the call returned (no $metadata) is recognised by the call's tag", () => {
    const error = Object.assign(new Error("aborted"), { code: "ECONNRESET" });
    // Untagged, it may be Neon's or TiDB's API (fetch): not AWS's to explain.
    expect(explainAwsError(error)).toBeUndefined();
    const fetchFailed = Object.assign(new TypeError("fetch failed"), {
      cause: Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }),
    });
    expect(explainAwsError(fetchFailed)).toBeUndefined();
    Object.defineProperty(error, "$pocketCall", {
      value: { service: "S3", operation: "GetObject", endpoint: "https://s3.ap-northeast-1.amazonaws.com" },
    });
    expect(explainAwsError(error, "ap-northeast-1")?.message).toBe(
      "the connection to AWS in ap-northeast-1 failed: S3 GetObject at https://s3.ap-northeast-1.amazonaws.com: the connection closed in the middle of the answer.",
    );
  });

  it.each([
    ["ECONNRESET", "read ECONNRESET", "TimeoutError", "the connection was reset"],
    ["ECONNRESET", "socket hang up", "TimeoutError", "the connection closed before the answer"],
    ["EPIPE", "write EPIPE", "Error", "the connection was reset"],
    [
      "ETIMEDOUT",
      "@smithy/node-http-handler - [ERROR] a request has exceeded the configured 120000 ms requestTimeout.",
      "TimeoutError",
      "no answer within the time limit",
    ],
    [
      undefined,
      "@smithy/node-http-handler - the request socket did not establish a connection with the server within the configured timeout of 10000 ms.",
      "TimeoutError",
      "no connection within the time limit",
    ],
  ])("%s (%s) is a network failure", (code, message, name, reason) => {
    const error = Object.assign(new Error(message), { name, code, $metadata: { attempts: 8 } });
    const e = explainAwsError(error, "ap-northeast-1");
    expect(e?.code).toBe("aws-unreachable");
    expect(e?.message).toContain(reason);
    expect(e?.message).toContain("after 8 attempts");
  });

  it("an HTML page where JSON was expected is a foreign answer, not a deserialization riddle", () => {
    const error = withResponse(
      Object.assign(
        new SyntaxError(`Unexpected token '<', "<!DOCTYPE "... is not valid JSON${DESERIALIZATION}`),
        {
          $metadata: { httpStatusCode: 503, attempts: 8 },
        },
      ),
      503,
      "text/html",
    );
    Object.defineProperty(error, "$pocketCall", {
      value: { service: "SecretsManager", operation: "GetSecretValue", endpoint: "http://127.0.0.1:4566" },
    });
    const e = explainAwsError(error, "ap-northeast-1");
    expect(e?.code).toBe("aws-bad-answer");
    expect(e?.message).toBe(
      "SecretsManager GetSecretValue got an answer that is not in AWS's format (http://127.0.0.1:4566, HTTP 503, text/html, after 8 attempts).",
    );
    expect(`${e?.message} ${e?.hint}`).not.toMatch(/Deserialization|\$response/);
  });

  it("an HTML page where XML was expected (the SDK's `Unknown`) is a foreign answer too", () => {
    const error = withResponse(serviceError("Unknown", "Unknown", "server", 503), 503, "text/html");
    const e = explainAwsError(error, "ap-northeast-1");
    expect(e?.code).toBe("aws-bad-answer");
    expect(e?.message).toContain("HTTP 503, text/html");
  });

  it("an AWS error whose answer merely says text/html (moto's JSON does) is AWS's own error", () => {
    const error = withResponse(
      serviceError(
        "ResourceNotFoundException",
        "Secrets Manager can't find the specified secret.",
        "client",
        400,
      ),
      400,
      "text/html; charset=utf-8",
    );
    expect(explainAwsError(error)).toBeUndefined();
    // While an answer the SDK found no code in, behind a 5xx, is not.
    const codeless = withResponse(
      serviceError("Unknown", "UnknownError", "server", 502),
      502,
      "application/octet-stream",
    );
    expect(explainAwsError(codeless)?.code).toBe("aws-bad-answer");
  });

  it("a 5xx that outlasted the retries says it is AWS's side", () => {
    const error = serviceError(
      "InternalFailure",
      "We encountered an internal error. Please try again.",
      "server",
      500,
      8,
    );
    const e = explainAwsError(error, "ap-northeast-1");
    expect(e?.code).toBe("aws-server-error");
    expect(e?.message).toBe(
      "a call to AWS failed on AWS's side: HTTP 500 InternalFailure (region ap-northeast-1, after 8 attempts).",
    );
  });

  it("S3's SlowDown is throttling", () => {
    const error = serviceError("SlowDown", "Please reduce your request rate.", "server", 503);
    expect(explainAwsError(error)?.code).toBe("aws-throttled");
  });
});

// A local HTTP server that cuts every answer halfway: the real SDK client from the factory, its
// real error, and the tag naming the call.
describe("the client factory", () => {
  const endpoint = useLocalAwsEndpoint((_req, res) => {
    const body = JSON.stringify({ SecretString: "x".repeat(200) });
    res.writeHead(200, { "Content-Type": "application/x-amz-json-1.1", "Content-Length": body.length });
    res.write(body.slice(0, 100), () => res.socket?.destroy());
  });

  it("tags a failed call with its service, operation and endpoint", async () => {
    const { GetSecretValueCommand } = await import("@aws-sdk/client-secrets-manager");
    const sm = await awsClients("eu-west-3").secretsManager();
    const error = await sm.send(new GetSecretValueCommand({ SecretId: "s" })).catch((e: unknown) => e);
    expect(failedCallOf(error)).toEqual({
      service: "SecretsManager",
      operation: "GetSecretValue",
      endpoint: endpoint.url(),
    });
    const e = explainAwsError(error, "eu-west-3");
    expect(e?.code).toBe("aws-unreachable");
    expect(e?.message).toContain(
      `SecretsManager GetSecretValue at ${endpoint.url()}: the connection closed in the middle`,
    );
  });

  it("gives every client connection and request timeouts", async () => {
    const clients = awsClients("eu-west-3");
    for (const client of [await clients.cloudformation(), await clients.s3(), await clients.lambda()]) {
      const handler = client.config.requestHandler as unknown as {
        configProvider: Promise<Record<string, unknown>>;
      };
      const config = await handler.configProvider;
      expect(config.connectionTimeout).toBeGreaterThan(0);
      expect(config.requestTimeout).toBeGreaterThan(0);
      expect(config.throwOnRequestTimeout).toBe(true);
    }
  });
});
