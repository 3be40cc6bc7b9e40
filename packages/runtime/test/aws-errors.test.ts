import { describe, expect, it } from "vitest";
import { describeAwsError, quote } from "../src/secrets.js";

const info = {
  what: "user secret API_KEY (Secrets Manager 'shared/api')",
  action: "secretsmanager:GetSecretValue",
  region: "ap-northeast-1",
  notFoundHint: "create it",
  location: "API_KEY",
};

function serviceError(name: string, message: string) {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });
}

describe("describeAwsError: one paragraph with the next step", () => {
  it.each([
    [
      "AccessDeniedException",
      "User is not authorized",
      "secret-access-denied",
      "the Lambda role needs secretsmanager:GetSecretValue",
    ],
    ["AccessDeniedException", "Access to KMS is not allowed", "secret-kms-denied", "kms:Decrypt"],
    ["KMSAccessDeniedException", "no", "secret-kms-denied", "kms:Decrypt"],
    [
      "ResourceNotFoundException",
      "Secrets Manager can't find it",
      "secret-not-found",
      "does not exist in region ap-northeast-1: create it",
    ],
    ["ParameterNotFound", "", "secret-not-found", "does not exist"],
    ["InvalidRequestException", "marked for deletion", "secret-scheduled-for-deletion", "restore-secret"],
    [
      "ThrottlingException",
      "Rate exceeded",
      "secret-read-failed",
      "with secretsmanager:GetSecretValue (AWS: ThrottlingException",
    ],
  ])("%s (%s) -> %s", (name, message, code, says) => {
    const e = describeAwsError(serviceError(name, message), info);
    expect(e).toMatchObject({ code, location: "API_KEY" });
    expect(e.message).toContain(says);
    expect(e.message).toContain("user secret API_KEY");
  });

  it("an error before any answer (no credentials, no network) says what failed", () => {
    const e = describeAwsError(new Error("connect ECONNREFUSED 127.0.0.1:1"), info);
    expect(e.code).toBe("secret-read-failed");
    expect(e.message).toBe(
      "failed to read user secret API_KEY (Secrets Manager 'shared/api') in region ap-northeast-1 with " +
        "secretsmanager:GetSecretValue: connect ECONNREFUSED 127.0.0.1:1",
    );
    expect(e.cause).toBeInstanceOf(Error);
  });
});

describe("quote (Python's urllib.parse.quote with safe='')", () => {
  it("encodes everything but unreserved characters", () => {
    expect(quote("p@ss:w/rd?#%&'()*!~ é")).toBe("p%40ss%3Aw%2Frd%3F%23%25%26%27%28%29%2A%21~%20%C3%A9");
    expect(quote("abc-_.~XYZ019")).toBe("abc-_.~XYZ019");
  });
});
