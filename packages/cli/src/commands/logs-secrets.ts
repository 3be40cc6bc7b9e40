import type { SecretsContext } from "@magic-pocket/config";
import type { AwsClients } from "../aws/clients.js";
import { awsErrorName, explainAwsError } from "../aws/errors.js";
import { CliError } from "../errors.js";
import { managedSecretStore, readUserSecret } from "../resources/secrets/store.js";
import type { KnownSecret } from "../util/mask.js";

/**
 * The stage's secret values `pocket logs` masks: the managed ones (one read of the store) and the
 * user ones. A private key is masked by its private half only; its public half is no secret. A
 * user secret that does not exist has nothing to mask. Any other failure stops the command:
 * printing logs unmasked because the secrets could not be read would break the promise that they
 * never show without `--show-secrets`.
 */
export async function loadStageSecrets(
  clients: AwsClients,
  secrets: SecretsContext,
  stage: string,
  project: string,
): Promise<KnownSecret[]> {
  try {
    const known: KnownSecret[] = [];
    if (Object.keys(secrets.managed).length > 0) {
      const stored = await managedSecretStore(clients, secrets, stage, project).read();
      for (const [name, value] of Object.entries(stored)) {
        known.push({ name, value: typeof value === "string" ? value : value.pem });
      }
    }
    const user = await Promise.all(
      Object.entries(secrets.user).map(async ([name, u]) => {
        try {
          return { name, value: await readUserSecret(clients, u.name, u.store) };
        } catch (error) {
          const code = awsErrorName(error);
          if (code === "ResourceNotFoundException" || code === "ParameterNotFound") return undefined;
          throw error;
        }
      }),
    );
    for (const u of user) if (u) known.push(u);
    return known;
  } catch (error) {
    if (error instanceof CliError) throw error;
    // Missing or expired credentials say so, as for any command.
    const explained = explainAwsError(error, clients.region);
    if (explained?.code.startsWith("aws-credentials")) throw explained;
    throw new CliError(
      "logs-secrets-unreadable",
      `could not read the stage's secrets to mask them in the logs (${awsErrorName(error) ?? (error as Error).message}).`,
      {
        hint: "Grant read access to the stage's secrets, or pass --show-secrets to print the logs unmasked.",
      },
    );
  }
}
