import type { BackupContext } from "@magic-pocket/config";
import type { AwsClients } from "../../aws/clients.js";
import { awsErrorName } from "../../aws/errors.js";
import type { Progress } from "../resource.js";

/**
 * The account's vault `pocket-backup` (the original's), made when missing: true when it was.
 * Never deleted by pocket: other stages' recovery points may be in it, and a recovery point
 * outlives the database it came from (docs/decisions.md#b9-aws-backup-plans).
 */
export async function ensureVault(aws: AwsClients, b: BackupContext, progress: Progress): Promise<boolean> {
  const sdk = await import("@aws-sdk/client-backup");
  const client = await aws.backup();
  try {
    await client.send(new sdk.DescribeBackupVaultCommand({ BackupVaultName: b.vaultName }));
    return false;
  } catch (error) {
    if (awsErrorName(error) !== "ResourceNotFoundException") throw error;
  }
  progress.update(`creating backup vault ${b.vaultName}`);
  try {
    await client.send(new sdk.CreateBackupVaultCommand({ BackupVaultName: b.vaultName }));
  } catch (error) {
    // Another stage's deploy made it meanwhile: it is the same vault.
    if (awsErrorName(error) !== "AlreadyExistsException") throw error;
    return false;
  }
  return true;
}
