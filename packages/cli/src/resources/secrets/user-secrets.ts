import type { SecretStore, SecretsContext } from "@magic-pocket/config";
import type { AwsClients } from "../../aws/clients.js";
import { awsErrorName } from "../../aws/errors.js";
import { CliError } from "../../errors.js";

/**
 * User secrets (`[awscontainer.secrets.user]`): values the user owns, which pocket only points
 * the functions at. `pocket secrets set` writes them; deploy never makes one up. pocket.toml has
 * no KMS setting for them, so a new one uses the store's default key (`aws/secretsmanager`, or
 * `aws/ssm` for a SecureString); an existing one keeps the key it has.
 */
export interface UserSecret {
  /** The environment variable (the key in pocket.toml). */
  env: string;
  /** Secret name or ARN (sm), or parameter name (ssm). */
  name: string;
  store: SecretStore;
}

export type UserSecretPresence =
  | { state: "present" }
  | { state: "missing" }
  /** A Secrets Manager secret scheduled for deletion: unreadable until restored. */
  | { state: "scheduled-for-deletion" }
  /** Could not be asked (no permission): neither present nor missing is known. */
  | { state: "unknown"; reason: string };

export function userSecretsOf(secrets: SecretsContext | undefined): UserSecret[] {
  return Object.entries(secrets?.user ?? {}).map(([env, u]) => ({ env, name: u.name, store: u.store }));
}

/** `Secrets Manager secret x` / `SSM parameter /x`, for messages. */
export function describeUserSecret(u: UserSecret): string {
  return `${u.store === "sm" ? "Secrets Manager secret" : "SSM parameter"} ${u.name}`;
}

/** The command that creates (or replaces) a user secret's value. */
export function setCommand(env: string, stage: string): string {
  return `pocket secrets set ${env} --stage ${stage}`;
}

/** The region a user secret lives in: its ARN's, else the stage's. */
export function userSecretRegion(u: UserSecret, stageRegion: string): string {
  return /^arn:[^:]+:(?:secretsmanager|ssm):([^:]+):/.exec(u.name)?.[1] ?? stageRegion;
}

const NOT_FOUND = new Set(["ResourceNotFoundException", "ParameterNotFound"]);
const DENIED = new Set(["AccessDeniedException", "AccessDenied", "UnauthorizedOperation"]);

/** Whether a user secret exists, from its metadata only (its value is never read here). */
export async function userSecretPresence(clients: AwsClients, u: UserSecret): Promise<UserSecretPresence> {
  try {
    if (u.store === "sm") {
      const { DescribeSecretCommand } = await import("@aws-sdk/client-secrets-manager");
      const out = await (await clients.secretsManager()).send(
        new DescribeSecretCommand({ SecretId: u.name }),
      );
      return out.DeletedDate ? { state: "scheduled-for-deletion" } : { state: "present" };
    }
    // Without decryption: ssm:GetParameter on the one parameter (DescribeParameters takes no
    // resource), and no kms:Decrypt; the ciphertext it returns is not kept.
    const { GetParameterCommand } = await import("@aws-sdk/client-ssm");
    await (await clients.ssm()).send(
      new GetParameterCommand({ Name: ssmName(u.name), WithDecryption: false }),
    );
    return { state: "present" };
  } catch (error) {
    const name = awsErrorName(error) ?? "";
    if (NOT_FOUND.has(name)) return { state: "missing" };
    if (DENIED.has(name)) return { state: "unknown", reason: `${name} on ${describeUserSecret(u)}` };
    throw error;
  }
}

/** The value of a user secret that exists; a missing one is an error naming the command that sets it. */
export async function readUserSecretValue(
  clients: AwsClients,
  u: UserSecret,
  stage: string,
): Promise<string> {
  try {
    if (u.store === "sm") {
      const { GetSecretValueCommand } = await import("@aws-sdk/client-secrets-manager");
      const out = await (await clients.secretsManager()).send(
        new GetSecretValueCommand({ SecretId: u.name }),
      );
      return out.SecretString ?? "";
    }
    const { GetParameterCommand } = await import("@aws-sdk/client-ssm");
    const out = await (await clients.ssm()).send(
      new GetParameterCommand({ Name: ssmName(u.name), WithDecryption: true }),
    );
    return out.Parameter?.Value ?? "";
  } catch (error) {
    if (NOT_FOUND.has(awsErrorName(error) ?? "")) throw missingError(u, stage, "does not exist");
    if (awsErrorName(error) === "InvalidRequestException" && /deleted|deletion/i.test(String(error))) {
      throw missingError(u, stage, "is scheduled for deletion");
    }
    throw error;
  }
}

function missingError(u: UserSecret, stage: string, why: string): CliError {
  return new CliError("user-secret-missing", `user secret ${u.env} (${describeUserSecret(u)}) ${why}.`, {
    hint: `Create it with \`${setCommand(u.env, stage)}\`${u.store === "sm" ? " (a secret scheduled for deletion is restored)" : ""}.`,
  });
}

/**
 * Creates the user secret or stores a new value in it. A Secrets Manager secret scheduled for
 * deletion is restored first (AWS refuses both a new value and a new secret of its name until then).
 */
export async function writeUserSecret(
  clients: AwsClients,
  u: UserSecret,
  value: string,
): Promise<"created" | "updated"> {
  if (u.store === "ssm") {
    const { PutParameterCommand } = await import("@aws-sdk/client-ssm");
    const before = await userSecretPresence(clients, u);
    await (await clients.ssm()).send(
      new PutParameterCommand({ Name: ssmName(u.name), Value: value, Type: "SecureString", Overwrite: true }),
    );
    return before.state === "missing" ? "created" : "updated";
  }
  const sm = await clients.secretsManager();
  const { CreateSecretCommand, PutSecretValueCommand, RestoreSecretCommand } = await import(
    "@aws-sdk/client-secrets-manager"
  );
  const before = await userSecretPresence(clients, u);
  if (before.state === "missing") {
    if (u.name.startsWith("arn:")) {
      throw new CliError(
        "user-secret-arn-missing",
        `user secret ${u.env} names the ARN ${u.name}, which does not exist; Secrets Manager makes up an ARN's suffix, so pocket cannot create it under that ARN.`,
        { hint: "Give the secret's name instead of its ARN in pocket.toml, then run the command again." },
      );
    }
    await sm.send(new CreateSecretCommand({ Name: u.name, SecretString: value }));
    return "created";
  }
  if (before.state === "scheduled-for-deletion")
    await sm.send(new RestoreSecretCommand({ SecretId: u.name }));
  await sm.send(new PutSecretValueCommand({ SecretId: u.name, SecretString: value }));
  return "updated";
}

/**
 * Deletes a user secret; false when there was none. A Secrets Manager secret stays recoverable
 * for 30 days, as the managed ones do (docs/decisions.md#p9-destroy-keeps-data-unless-asked).
 */
export async function deleteUserSecret(clients: AwsClients, u: UserSecret): Promise<boolean> {
  const before = await userSecretPresence(clients, u);
  if (before.state === "missing" || before.state === "scheduled-for-deletion") return false;
  if (u.store === "sm") {
    const { DeleteSecretCommand } = await import("@aws-sdk/client-secrets-manager");
    await (await clients.secretsManager()).send(
      new DeleteSecretCommand({ SecretId: u.name, RecoveryWindowInDays: 30 }),
    );
    return true;
  }
  const { DeleteParameterCommand } = await import("@aws-sdk/client-ssm");
  await (await clients.ssm()).send(new DeleteParameterCommand({ Name: ssmName(u.name) }));
  return true;
}

/** An SSM parameter given by ARN is addressed by its name (`arn:...:parameter/x` → `/x`). */
function ssmName(name: string): string {
  const m = /^arn:[^:]+:ssm:[^:]*:[^:]*:parameter(\/.*)$/.exec(name);
  return m ? m[1]! : name;
}
