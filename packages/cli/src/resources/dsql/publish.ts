import type { DsqlContext } from "@magic-pocket/config";
import type { AwsClients } from "../../aws/clients.js";
import {
  deleteUserSecret,
  describeUserSecret,
  readUserSecretValue,
  type UserSecret,
  userSecretPresence,
  writeUserSecret,
} from "../secrets/user-secrets.js";

/**
 * The endpoint published where the original publishes it, for readers outside deploy (migration
 * tools): the stored user secret `{stage}-{project}-{namespace}-user/dsql_endpoint`
 * (docs/decisions.md#b13-aurora-dsql). Written only when its value differs.
 */
function endpointSecret(dsql: DsqlContext): UserSecret {
  return { env: "dsql_endpoint", ...dsql.endpointSecret };
}

/** Whether the published endpoint is `endpoint` (false when none is published). */
export async function isPublished(
  clients: AwsClients,
  dsql: DsqlContext,
  endpoint: string,
): Promise<boolean> {
  const secret = endpointSecret(dsql);
  if ((await userSecretPresence(clients, secret)).state !== "present") return false;
  return (await readUserSecretValue(clients, secret, "")) === endpoint;
}

/** Publishes the endpoint; false when it already was. */
export async function publishEndpoint(
  clients: AwsClients,
  dsql: DsqlContext,
  endpoint: string,
): Promise<boolean> {
  if (await isPublished(clients, dsql, endpoint)) return false;
  await writeUserSecret(clients, endpointSecret(dsql), endpoint);
  return true;
}

/** Removes the published endpoint with the cluster; false when there was none. */
export function unpublishEndpoint(clients: AwsClients, dsql: DsqlContext): Promise<boolean> {
  return deleteUserSecret(clients, endpointSecret(dsql));
}

/** Where the endpoint is published, for messages. */
export function publishedAt(dsql: DsqlContext): string {
  return describeUserSecret(endpointSecret(dsql));
}
