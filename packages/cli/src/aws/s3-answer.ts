import type { HttpAnswer } from "./http-send.js";

/**
 * What the lean S3 PUT (aws/s3-put.ts) makes of an answer that is not a success: an error shaped
 * as the SDK's (name = S3's error code, `$fault`, `$metadata`, `$response`), so aws/errors.ts,
 * the upload pool's throttle test and every `catch` that reads `awsErrorName` treat it as they
 * treat the SDK's. An answer without an S3 `<Code>` (an HTML page from a proxy) is `UnknownError`,
 * as the SDK names it.
 */
export function answerError(answer: HttpAnswer, attempts: number): Error {
  const text = answer.body.toString("utf8");
  const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
  const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1];
  const requestId = header(answer, "x-amz-request-id");
  return Object.assign(new Error(message ?? code ?? `HTTP ${answer.status}`), {
    name: code ?? "UnknownError",
    $fault: answer.status >= 500 ? "server" : "client",
    $metadata: { httpStatusCode: answer.status, requestId, attempts },
    $response: {
      statusCode: answer.status,
      headers: Object.fromEntries(Object.entries(answer.headers).map(([k, v]) => [k, String(v)])),
    },
  });
}

function header(answer: HttpAnswer, name: string): string | undefined {
  const value = answer.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Codes the SDK's standard retry strategy tries again (throttling and transient), beside 5xx. */
const RETRIED_CODES = new Set(["SlowDown", "RequestTimeout", "RequestTimeoutException", "InternalError"]);

/** An answer worth another try: AWS's 5xx, a throttle, S3's RequestTimeout. */
export function retriedAnswer(answer: HttpAnswer, error: Error): boolean {
  return [500, 502, 503, 504].includes(answer.status) || RETRIED_CODES.has(error.name);
}

/** Node's codes for a connection that failed or broke: another try on a new connection may pass. */
const TRANSIENT = new Set(["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "ECONNABORTED", "EAI_AGAIN"]);

export function transientNetworkError(error: unknown): boolean {
  const code = (error as { code?: string } | undefined)?.code;
  return (
    (code !== undefined && TRANSIENT.has(code)) ||
    /socket hang up|^aborted/.test(String((error as Error)?.message))
  );
}

/**
 * S3 refuses a request signed more than 15 minutes from its clock (RequestTimeTooSkewed): the
 * offset its `Date` says, when this is such an answer, else undefined. The SDK corrects the same
 * way and keeps the offset on its client config, which the lean PUT shares.
 */
export function clockOffsetFrom(answer: HttpAnswer, error: Error, offset: number): number | undefined {
  if (error.name !== "RequestTimeTooSkewed" && error.name !== "RequestExpired") return undefined;
  const date = Date.parse(header(answer, "date") ?? "");
  if (Number.isNaN(date)) return undefined;
  const next = date - Date.now();
  return Math.abs(next - offset) > 60_000 ? next : undefined;
}
