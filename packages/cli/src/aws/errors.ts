import { CliError } from "../errors.js";

interface SdkError {
  name?: string;
  message?: string;
  Code?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
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
  if (name === "AccessDenied" || name === "AccessDeniedException" || name === "UnauthorizedOperation") {
    const action = /not authorized to perform:? ([\w:-]+)/i.exec(message)?.[1];
    return new CliError(
      "aws-access-denied",
      `AWS denied the request${action ? ` (${action})` : ""}: ${firstSentence(message)}`,
      {
        hint: `Grant ${action ?? "the missing permission"} to the identity you deploy with, or use a profile that has it.`,
      },
    );
  }
  if (
    name === "ThrottlingException" ||
    name === "Throttling" ||
    name === "TooManyRequestsException" ||
    name === "RequestLimitExceeded"
  ) {
    return new CliError("aws-throttled", "AWS kept throttling requests, even after retrying with backoff.", {
      hint: "Wait a minute and run the command again; nothing is left half-done by a throttled call.",
    });
  }
  if (
    /ENOTFOUND|ECONNREFUSED|EAI_AGAIN|getaddrinfo/.test(message) ||
    name === "TimeoutError" ||
    name === "UnknownEndpoint"
  ) {
    return new CliError(
      "aws-unreachable",
      `cannot reach AWS${region ? ` in ${region}` : ""}: ${firstSentence(message)}`,
      {
        hint: process.env.AWS_ENDPOINT_URL
          ? `AWS_ENDPOINT_URL is set to ${process.env.AWS_ENDPOINT_URL}; is that endpoint running?`
          : "Check your network and that general.region in pocket.toml is a real region (e.g. ap-northeast-1).",
      },
    );
  }
  if (name === "InvalidRegion" || /region .* (is not|not) (valid|supported|enabled)/i.test(message)) {
    return new CliError(
      "aws-region",
      `AWS does not accept region ${region ?? "(unknown)"}: ${firstSentence(message)}`,
      {
        hint: "Set general.region in pocket.toml to a region enabled for your account.",
      },
    );
  }
  return undefined;
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
