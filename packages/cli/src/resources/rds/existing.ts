import type { ExistingRdsContext } from "@magic-pocket/config";
import type { AwsClients } from "../../aws/clients.js";
import { awsErrorName } from "../../aws/errors.js";
import { CliError } from "../../errors.js";
import type { Resource } from "../resource.js";

/**
 * `[rds] managed = false`: an Aurora cluster that is not pocket's
 * (docs/decisions.md#b7-an-existing-aurora-cluster). Nothing is made or deleted; deploy checks
 * that the secret and the security group exist and hands them to the container stack, which
 * lets the functions read the secret and adds the ingress on 5432. The endpoint and database
 * come from the secret at run time (its host, port and dbname), so the outputs leave them empty.
 */
export function existingRdsResource(rds: ExistingRdsContext): Resource {
  const outputs = async (clients: AwsClients) => {
    const missing = await missingParts(clients, rds);
    return missing.length > 0 ? undefined : existingOutputs(rds);
  };
  return {
    id: "rds",
    title: `existing Aurora cluster (security group ${rds.securityGroupId})`,
    group: "rds",
    dependsOn: [],
    readOutputs: (run) => outputs(run.aws(rds.region)),
    status: async (run) => {
      const missing = await missingParts(run.aws(rds.region), rds);
      return missing.length === 0
        ? { state: "in-sync", detail: "not managed by pocket" }
        : { state: "failed", detail: `missing ${missing.join(", ")}` };
    },
    plan: async () => [],
    deploy: async (run) => {
      const missing = await missingParts(run.aws(rds.region), rds);
      if (missing.length > 0) {
        throw new CliError(
          "rds-existing-missing",
          `[rds] managed = false names ${missing.join(" and ")}, which do not exist in ${rds.region}.`,
          {
            hint: "Check rds.secret_arn and rds.security_group_id against the existing cluster (same account and region as the stage).",
          },
        );
      }
      return {
        changed: false,
        summary: "not managed by pocket: nothing to change",
        outputs: existingOutputs(rds),
      };
    },
    // Not pocket's: destroy never touches it, with or without --with-data.
    destroy: async () => ({ changed: false, summary: "not managed by pocket: kept" }),
  };
}

function existingOutputs(rds: ExistingRdsContext): Record<string, string> {
  return { secretArn: rds.secretArn, endpoint: "", port: "", securityGroupId: rds.securityGroupId };
}

/** Which of the two named parts cannot be found (metadata only: the secret's value is never read). */
async function missingParts(clients: AwsClients, rds: ExistingRdsContext): Promise<string[]> {
  const { DescribeSecretCommand } = await import("@aws-sdk/client-secrets-manager");
  const { DescribeSecurityGroupsCommand } = await import("@aws-sdk/client-ec2");
  const [secret, group] = await Promise.all([
    (await clients.secretsManager())
      .send(new DescribeSecretCommand({ SecretId: rds.secretArn }))
      .then(() => true)
      .catch((error) => notFound(error, "ResourceNotFoundException")),
    (await clients.ec2())
      .send(new DescribeSecurityGroupsCommand({ GroupIds: [rds.securityGroupId] }))
      .then((out) => (out.SecurityGroups?.length ?? 0) > 0)
      .catch((error) => notFound(error, "InvalidGroup.NotFound")),
  ]);
  return [
    ...(secret ? [] : [`secret ${rds.secretArn}`]),
    ...(group ? [] : [`security group ${rds.securityGroupId}`]),
  ];
}

function notFound(error: unknown, name: string): false {
  if (awsErrorName(error) === name) return false;
  throw error;
}
