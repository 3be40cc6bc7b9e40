import { createHash } from "node:crypto";
import { type AwsClients, accountId, maxAttempts } from "./clients.js";
import { type FailedCall, tagFailedCall } from "./failed-call.js";
import { type HttpAnswer, httpSend } from "./http-send.js";
import { answerError, clockOffsetFrom, retriedAnswer, transientNetworkError } from "./s3-answer.js";

/**
 * The bulk PUTs of a sync (buckets/sync.ts), without the SDK's per-request middleware stack
 * (docs/decisions.md#p7-front-end-upload): signed by the SDK's own SigV4 signer
 * (@smithy/signature-v4) with the S3 client's credentials (its provider chain: env, profile, SSO,
 * role) and clock offset, sent to the endpoint the S3 client's own rules resolve for the bucket
 * (region, AWS_ENDPOINT_URL, path style on an emulator), over a kept-alive connection. The
 * payload is signed by its SHA-256 (computed here: S3 and every emulator accept it on HTTP and
 * HTTPS, unlike UNSIGNED-PAYLOAD on HTTP) and carries Content-MD5, so S3 stores only the bytes
 * read. Every PUT says whose the bucket must be, as the SDK client's calls do.
 */
export interface PutInput {
  key: string;
  body: Uint8Array;
  contentType: string;
  cacheControl?: string;
  metadata?: Record<string, string>;
  /** The body's MD5 when the caller has it already (the sync's manifest records it). */
  md5?: Buffer;
}

/** Puts objects into one bucket; `attempts` > 1 when S3 needed retries (the pool then slows). */
export type BucketPut = (input: PutInput) => Promise<{ attempts: number }>;

/** Waits between tries; replaceable in tests. */
export interface PutOptions {
  sleep?: (ms: number) => Promise<void>;
}

/**
 * A PUT function for `bucket`, or undefined when the bucket's endpoint wants a signature other
 * than SigV4 (a multi-region access point, a directory bucket): the caller then uses the SDK.
 */
export async function bucketPut(
  clients: AwsClients,
  bucket: string,
  options: PutOptions = {},
): Promise<BucketPut | undefined> {
  const [{ PutObjectCommand }, { getEndpointFromInstructions }, { SignatureV4 }, s3] = await Promise.all([
    import("@aws-sdk/client-s3"),
    import("@smithy/core/endpoints"),
    import("@smithy/signature-v4"),
    clients.s3(),
  ]);
  const endpoint = await getEndpointFromInstructions({ Bucket: bucket }, PutObjectCommand, s3.config);
  const scheme = (endpoint.properties?.authSchemes as AuthScheme[] | undefined)?.[0];
  if (scheme && scheme.name !== "sigv4") return undefined;
  const base = new URL(endpoint.url.href);
  const signer = new SignatureV4({
    credentials: s3.config.credentials,
    region: scheme?.signingRegion ?? (await s3.config.region()),
    service: scheme?.signingName ?? "s3",
    sha256: s3.config.sha256,
    uriEscapePath: false,
    applyChecksum: false,
  });
  const owner = await accountId(clients);
  const call: FailedCall = {
    service: "S3",
    operation: "PutObject",
    endpoint: `${base.protocol}//${base.host}`,
  };
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const limit = maxAttempts();

  return async (input) => {
    const url = new URL(base.href);
    url.pathname = `${base.pathname.replace(/\/$/, "")}/${encodeKey(input.key)}`;
    // The operation's name, as the SDK puts it on every S3 call (S3 ignores it): request logs,
    // recorders and proxies tell a PutObject by it.
    url.search = "x-id=PutObject";
    const headers = putHeaders(input, url, owner);
    for (let attempt = 1; ; attempt++) {
      let answer: HttpAnswer;
      try {
        const signed = await signer.sign(
          {
            method: "PUT",
            protocol: url.protocol,
            hostname: url.hostname,
            path: url.pathname,
            query: { "x-id": "PutObject" },
            headers,
          },
          { signingDate: new Date(Date.now() + (s3.config.systemClockOffset ?? 0)) },
        );
        answer = await httpSend({ url, method: "PUT", headers: signed.headers, body: input.body });
      } catch (error) {
        if (attempt < limit && transientNetworkError(error)) {
          await sleep(backoff(attempt));
          continue;
        }
        throw failed(error, attempt, call);
      }
      if (answer.status >= 200 && answer.status < 300) return { attempts: attempt };
      const error = answerError(answer, attempt);
      const offset = clockOffsetFrom(answer, error, s3.config.systemClockOffset ?? 0);
      if (attempt < limit && offset !== undefined) {
        (s3.config as { systemClockOffset: number }).systemClockOffset = offset;
        continue;
      }
      if (attempt < limit && retriedAnswer(answer, error)) {
        await sleep(backoff(attempt));
        continue;
      }
      throw failed(error, attempt, call);
    }
  };
}

interface AuthScheme {
  name: string;
  signingName?: string;
  signingRegion?: string;
}

/** The headers PutObject sends for these fields (SDK names, lower case), before signing. */
function putHeaders(input: PutInput, url: URL, owner: string): Record<string, string> {
  const headers: Record<string, string> = {
    host: url.host,
    "content-type": input.contentType,
    "content-length": String(input.body.byteLength),
    "content-md5": (input.md5 ?? createHash("md5").update(input.body).digest()).toString("base64"),
    "x-amz-content-sha256": createHash("sha256").update(input.body).digest("hex"),
    "x-amz-expected-bucket-owner": owner,
  };
  if (input.cacheControl !== undefined) headers["cache-control"] = input.cacheControl;
  for (const [name, value] of Object.entries(input.metadata ?? {}))
    headers[`x-amz-meta-${name.toLowerCase()}`] = value;
  return headers;
}

/** A key in a path as the SDK writes S3's greedy `{Key+}`: each segment escaped, `/` kept. */
function encodeKey(key: string): string {
  return key
    .split("/")
    .map((s) =>
      encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
    )
    .join("/");
}

/** The SDK's standard backoff: full jitter, 100 ms doubling, at most 20 s. */
function backoff(attempt: number): number {
  return Math.random() * Math.min(20_000, 100 * 2 ** attempt);
}

/** The error as aws/errors.ts words an SDK call's: the call tagged, the attempts counted. */
function failed(error: unknown, attempts: number, call: FailedCall): unknown {
  if (error && typeof error === "object") {
    const e = error as { $metadata?: { attempts?: number } };
    e.$metadata = { ...e.$metadata, attempts };
    tagFailedCall(error, call);
  }
  return error;
}
