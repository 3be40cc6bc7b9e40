import { describe, expect, it } from "vitest";
import { explainAwsError, unlessAbsent } from "../src/aws/errors.js";
import { buildCli } from "./cli/build.js";
import { pocket, project } from "./cli/run.js";

/** The shape the SDK v3 throws: a named error with service metadata. */
const sdkError = (name: string, message: string) =>
  Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });

describe("AWS errors users can act on", () => {
  it.each([
    [
      "CredentialsProviderError",
      "Could not load credentials from any providers",
      "aws-credentials-missing",
      "aws configure",
    ],
    [
      "ExpiredTokenException",
      "The security token included in the request is expired",
      "aws-credentials-expired",
      "sso login",
    ],
    [
      "InvalidClientTokenId",
      "The security token included in the request is invalid.",
      "aws-credentials-invalid",
      "AWS_PROFILE",
    ],
    [
      "AccessDenied",
      "User: arn:aws:iam::1:user/x is not authorized to perform: cloudformation:CreateStack on resource: y. More text.",
      "aws-access-denied",
      "Grant cloudformation:CreateStack",
    ],
    ["ThrottlingException", "Rate exceeded", "aws-throttled", "Wait a minute"],
    ["TimeoutError", "socket hang up", "aws-unreachable", ""],
    ["InvalidRegion", "region xx-nowhere-1 is not valid", "aws-region", "general.region"],
  ])("%s becomes %s", (name, message, code, hint) => {
    const e = explainAwsError(sdkError(name, message), "ap-northeast-1");
    expect(e?.code).toBe(code);
    expect(e?.hint ?? "").toContain(hint);
    expect(e?.message).not.toMatch(/\n\s+at /);
  });

  it("names the denied action and keeps only the first sentence of AWS's message", () => {
    const e = explainAwsError(
      sdkError(
        "AccessDeniedException",
        "User x is not authorized to perform: lambda:CreateFunction. Extra detail.",
      ),
    );
    expect(e?.message).toBe(
      "AWS denied the request (lambda:CreateFunction): User x is not authorized to perform: lambda:CreateFunction.",
    );
  });

  it("leaves errors it does not know to the caller", () => {
    expect(explainAwsError(sdkError("ValidationError", "Template format error"))).toBeUndefined();
    expect(explainAwsError("not an error")).toBeUndefined();
  });
});

// No emulator here: the CLI runs with credentials and endpoints that cannot work, as a user's
// machine might, and must say what to do in one paragraph, without a stack trace.
describe("the CLI on a machine without working AWS access", () => {
  const toml = `
[general]
region = "ap-northeast-1"
project_name = "demo"
stages = ["dev"]

[s3]
`;
  const noCredentials = {
    AWS_ACCESS_KEY_ID: undefined,
    AWS_SECRET_ACCESS_KEY: undefined,
    AWS_SESSION_TOKEN: undefined,
    AWS_PROFILE: undefined,
    AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/credentials",
    AWS_CONFIG_FILE: "/nonexistent/config",
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined,
    AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined,
    AWS_WEB_IDENTITY_TOKEN_FILE: undefined,
    // Never reach the internet from tests: a closed loopback port.
    AWS_ENDPOINT_URL: "http://127.0.0.1:9",
  };

  it("says there are no credentials and how to get them", () => {
    buildCli();
    const dir = project(toml, "demo");
    const r = pocket(["status", "--stage", "dev"], { cwd: dir, env: noCredentials });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("error: no AWS credentials were found.");
    expect(r.stderr).toContain("hint: Run `aws configure`");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("says the endpoint cannot be reached", () => {
    const dir = project(toml, "demo");
    const r = pocket(["status", "--stage", "dev"], {
      cwd: dir,
      env: {
        ...noCredentials,
        AWS_ACCESS_KEY_ID: "testing",
        AWS_SECRET_ACCESS_KEY: "testing",
        AWS_MAX_ATTEMPTS: "1",
      },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("error: cannot reach AWS in ap-northeast-1");
    expect(r.stderr).toContain("AWS_ENDPOINT_URL is set to http://127.0.0.1:9");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("unlessAbsent: a read of what may not be there", () => {
  it("answers undefined for the named errors, the answer otherwise, and lets any other error through", async () => {
    const absent = ["RepositoryNotFoundException", "ImageNotFoundException"];
    expect(await unlessAbsent(Promise.resolve("uri"), ...absent)).toBe("uri");
    const missing = Promise.reject(sdkError("ImageNotFoundException", "no such image"));
    expect(await unlessAbsent(missing, ...absent)).toBeUndefined();
    const denied = Promise.reject(sdkError("AccessDeniedException", "not authorized"));
    await expect(unlessAbsent(denied, ...absent)).rejects.toThrow("not authorized");
  });
});
