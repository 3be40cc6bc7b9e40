import { CliError } from "../errors.js";
import { printable } from "../util/printable.js";
import { type FailedCall, failedCallOf } from "./failed-call.js";

interface SdkError {
  name?: string;
  message?: string;
  Code?: string;
  code?: string;
  cause?: unknown;
  $fault?: string;
  $metadata?: { httpStatusCode?: number; attempts?: number };
  $response?: { statusCode?: number; headers?: Record<string, string>; body?: unknown };
}

/**
 * Turns an AWS SDK error into one paragraph the user can act on, or returns undefined when it is
 * not one we recognise (the caller then shows it as it is).
 */
export function explainAwsError(error: unknown, region?: string): CliError | undefined {
  if (!error || typeof error !== "object") return undefined;
  const e = error as SdkError;
  const name = e.name ?? e.Code ?? "";
  const message = e.message ?? "";
  const call = failedCallOf(error);
  return (
    credentialsError(name, message) ??
    accessDenied(name, message) ??
    throttled(name, call) ??
    transportError(e, call, region) ??
    regionError(name, message, region)
  );
}

/** No credentials, expired ones, or ones AWS does not know. */
function credentialsError(name: string, message: string): CliError | undefined {
  if (name === "CredentialsProviderError" || /Could not load credentials/i.test(message)) {
    return new CliError("aws-credentials-missing", "no AWS credentials were found.", {
      hint: "Run `aws configure` or `aws sso login`, or set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY).",
    });
  }
  if (
    name === "ExpiredToken" ||
    name === "ExpiredTokenException" ||
    /security token .* expired/i.test(message)
  ) {
    return new CliError("aws-credentials-expired", "your AWS session has expired.", {
      hint: "Log in again (`aws sso login`, or refresh the temporary credentials) and re-run the command.",
    });
  }
  if (
    name === "InvalidClientTokenId" ||
    name === "UnrecognizedClientException" ||
    name === "SignatureDoesNotMatch"
  ) {
    return new CliError("aws-credentials-invalid", `AWS rejected the credentials (${name}).`, {
      hint: "Check AWS_PROFILE / AWS_ACCESS_KEY_ID: the key may be deleted, mistyped, or for another partition.",
    });
  }
  return undefined;
}

function accessDenied(name: string, message: string): CliError | undefined {
  if (name !== "AccessDenied" && name !== "AccessDeniedException" && name !== "UnauthorizedOperation")
    return undefined;
  const action = /not authorized to perform:? ([\w:-]+)/i.exec(message)?.[1];
  return new CliError(
    "aws-access-denied",
    `AWS denied the request${action ? ` (${action})` : ""}: ${firstSentence(message)}`,
    {
      hint: `Grant ${action ?? "the missing permission"} to the identity you deploy with, or use a profile that has it.`,
    },
  );
}

function throttled(name: string, call: FailedCall | undefined): CliError | undefined {
  if (
    name !== "ThrottlingException" &&
    name !== "Throttling" &&
    name !== "TooManyRequestsException" &&
    name !== "RequestLimitExceeded" &&
    name !== "SlowDown"
  )
    return undefined;
  return new CliError(
    "aws-throttled",
    `AWS kept throttling ${call ? callName(call) : "requests"}, even after retrying with backoff.`,
    {
      hint: "Wait a minute and run the command again; nothing is left half-done by a throttled call.",
    },
  );
}

/** The way to AWS failed: no connection, no endpoint, an answer not from AWS, or AWS's own 5xx. */
function transportError(e: SdkError, call: FailedCall | undefined, region?: string): CliError | undefined {
  const name = e.name ?? e.Code ?? "";
  const message = e.message ?? "";
  // A reset connection elsewhere (Neon's or TiDB's API) is not AWS's: only an SDK call's counts.
  const fromAws =
    call !== undefined ||
    e.$metadata !== undefined ||
    name === "TimeoutError" ||
    /ENOTFOUND|ECONNREFUSED|EAI_AGAIN|getaddrinfo/.test(message);
  const network = fromAws ? networkFailure(e) : undefined;
  if (network) return networkError(network, e, call, region);
  if (name === "UnknownEndpoint") {
    return new CliError(
      "aws-unreachable",
      `cannot reach AWS${region ? ` in ${region}` : ""}: ${firstSentence(message)}`,
      {
        hint: endpointHint(),
      },
    );
  }
  const foreign = foreignAnswer(e);
  if (foreign) {
    return new CliError(
      "aws-bad-answer",
      `${call ? callName(call) : "a call to AWS"} got an answer that is not in AWS's format (${where(call, region)}, ${foreign}${attempts(e)}).`,
      {
        hint: `Something between pocket and AWS answered instead (a proxy, a firewall's page, an outage). Run the command again; a deploy picks up where it stopped. If it keeps failing, check the network and any proxy (HTTPS_PROXY)${endpointHint(", and ")}`,
      },
    );
  }
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500 && e.$fault === "server") {
    return new CliError(
      "aws-server-error",
      `${call ? callName(call) : "a call to AWS"} failed on AWS's side: HTTP ${status} ${printable(name)} (${where(call, region)}${attempts(e)}).`,
      {
        hint: "Run the command again in a minute; a deploy picks up where it stopped. If it keeps failing, look at the AWS Health Dashboard for the region.",
      },
    );
  }
  return undefined;
}

function regionError(name: string, message: string, region?: string): CliError | undefined {
  if (name !== "InvalidRegion" && !/region .* (is not|not) (valid|supported|enabled)/i.test(message))
    return undefined;
  return new CliError(
    "aws-region",
    `AWS does not accept region ${region ?? "(unknown)"}: ${firstSentence(message)}`,
    {
      hint: "Set general.region in pocket.toml to a region enabled for your account.",
    },
  );
}

/**
 * Why the connection failed, when it did: no connection, or one that broke before the whole
 * answer arrived. The SDK has already retried these.
 */
function networkFailure(e: SdkError): { reason: string; connected: boolean } | undefined {
  const codes = [e.code, (e.cause as SdkError | undefined)?.code];
  const has = (...wanted: string[]) => codes.some((c) => c !== undefined && wanted.includes(c));
  const message = e.message ?? "";
  if (/^aborted\b/.test(message)) {
    return { reason: "the connection closed in the middle of the answer", connected: true };
  }
  if (/socket hang up/.test(message)) {
    return { reason: "the connection closed before the answer", connected: true };
  }
  if (has("ENOTFOUND", "EAI_AGAIN") || /getaddrinfo/.test(message)) {
    return { reason: `the host name does not resolve (${firstSentence(message)})`, connected: false };
  }
  if (has("ECONNREFUSED") || /ECONNREFUSED/.test(message)) {
    return { reason: `the connection was refused (${firstSentence(message)})`, connected: false };
  }
  if (has("EHOSTUNREACH", "ENETUNREACH")) {
    return { reason: `no route to the endpoint (${firstSentence(message)})`, connected: false };
  }
  // The SDK names these TimeoutError too: the code says what happened.
  if (has("ECONNRESET", "EPIPE", "ECONNABORTED")) {
    return { reason: "the connection was reset", connected: true };
  }
  if (e.name === "TimeoutError" || has("ETIMEDOUT")) {
    const connecting = /did not establish a connection/.test(message);
    return {
      reason: connecting ? "no connection within the time limit" : "no answer within the time limit",
      connected: !connecting,
    };
  }
  return undefined;
}

function networkError(
  network: { reason: string; connected: boolean },
  e: SdkError,
  call: FailedCall | undefined,
  region: string | undefined,
): CliError {
  const what = call ? `${callName(call)} at ${call.endpoint ?? "its endpoint"}` : "the call";
  const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
  const details = [status ? `HTTP ${status}` : "", attempts(e).replace(/^, /, "")].filter(Boolean).join(", ");
  const message = `${network.connected ? `the connection to AWS${region ? ` in ${region}` : ""} failed` : `cannot reach AWS${region ? ` in ${region}` : ""}`}: ${what}: ${network.reason}${details ? ` (${details})` : ""}.`;
  return new CliError("aws-unreachable", message, {
    hint: network.connected
      ? `A network problem, not your configuration: run the command again; a deploy picks up where it stopped. If it keeps failing, check the network and any proxy (HTTPS_PROXY)${endpointHint(", and ")}`
      : endpointHint(),
  });
}

/** Where AWS_ENDPOINT_URL points, when it is set; otherwise the region check. */
function endpointHint(joiner?: string): string {
  const url = process.env.AWS_ENDPOINT_URL;
  if (joiner !== undefined) return url ? `${joiner}AWS_ENDPOINT_URL (set to ${url}).` : ".";
  return url
    ? `AWS_ENDPOINT_URL is set to ${url}; is that endpoint running?`
    : "Check your network and that general.region in pocket.toml is a real region (e.g. ap-northeast-1).";
}

/**
 * An answer in no AWS protocol: a body the SDK could not parse (an HTML page where JSON was due),
 * or an error it found no code in (an HTML page where XML was due). The content type alone says
 * nothing: moto labels some of its JSON `text/html`. Returns the answer's status and content type
 * (the SDK keeps no body).
 */
function foreignAnswer(e: SdkError): string | undefined {
  const response = e.$response;
  const type = response?.headers?.["content-type"] ?? "";
  const status = response?.statusCode ?? e.$metadata?.httpStatusCode;
  const unparsed = /Deserialization error/.test(e.message ?? "");
  const codeless =
    (e.name === "Unknown" || e.name === "UnknownError") &&
    response !== undefined &&
    (/html/i.test(type) || (status ?? 0) >= 500);
  if (!unparsed && !codeless) return undefined;
  return [status ? `HTTP ${status}` : "", type ? printable(type) : "unknown content type"]
    .filter(Boolean)
    .join(", ");
}

function callName(call: FailedCall): string {
  return `${call.service} ${call.operation}`;
}

function where(call: FailedCall | undefined, region: string | undefined): string {
  return call?.endpoint ?? (region ? `region ${region}` : "AWS");
}

function attempts(e: SdkError): string {
  const n = e.$metadata?.attempts;
  return n && n > 1 ? `, after ${n} attempts` : "";
}

function firstSentence(text: string): string {
  const t = text.trim();
  const i = t.search(/\.\s/);
  return i > 0 ? t.slice(0, i + 1) : t;
}

/** The error's name/code, for `catch` blocks that expect one specific AWS error. */
export function awsErrorName(error: unknown): string | undefined {
  if (!error || typeof error !== "object") return undefined;
  const e = error as SdkError;
  return e.name ?? e.Code ?? e.code;
}

/**
 * The call's answer, or undefined when AWS fails it with one of the `absent` error names (the
 * ones by which a read says that what it reads is not there); any other error goes on.
 */
export async function unlessAbsent<T>(call: Promise<T>, ...absent: string[]): Promise<T | undefined> {
  try {
    return await call;
  } catch (error) {
    const name = awsErrorName(error);
    if (name !== undefined && absent.includes(name)) return undefined;
    throw error;
  }
}
