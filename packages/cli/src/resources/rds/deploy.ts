import type { CreateDBInstanceCommandInput } from "@aws-sdk/client-rds";
import type { PocketContext, RdsContext } from "@magic-pocket/config";
import type { AwsClients } from "../../aws/clients.js";
import type { DeployReport, Progress, RunContext } from "../resource.js";
import { clusterChanges, clusterModification } from "./drift.js";
import { restoreCluster } from "./restore.js";
import { inspectRds, type RdsState, rdsOutputs } from "./state.js";
import { waitForCluster } from "./wait.js";

/**
 * Deploy creates what is missing, in order (network, cluster (restored from
 * `snapshot_identifier` when one is set), instance), sets the cluster settings that differ, and waits for the cluster when anything changed. Each step returns what
 * it did, for the summary.
 */
export async function deployRds(
  ctx: PocketContext,
  run: RunContext,
  progress: Progress,
): Promise<DeployReport> {
  const rds = ctx.rds!;
  const aws = run.aws(rds.region);
  let s = await inspectRds(aws, rds);
  const done: string[] = [];
  if (!s.subnetGroup || !s.securityGroupId) {
    done.push(...(await createNetwork(aws, rds, s, await vpcNetwork(run, ctx), progress)));
    s = await inspectRds(aws, rds);
  }
  if (!s.cluster && rds.snapshotIdentifier) {
    // A restored cluster keeps the snapshot's password until RDS manages it (drift.ts).
    done.push(...(await restoreCluster(aws, rds, s.securityGroupId!, progress)));
    s = { ...s, cluster: await waitForCluster(aws, rds, progress, run.timing.rdsPollMs) };
  } else if (!s.cluster) done.push(...(await createCluster(aws, rds, s.securityGroupId!, progress)));
  if (s.cluster) done.push(...(await modifyCluster(aws, rds, s, progress)));
  if (!s.instance) done.push(...(await createInstance(aws, rds, progress)));
  const cluster =
    done.length > 0 ? await waitForCluster(aws, rds, progress, run.timing.rdsPollMs) : s.cluster!;
  return {
    changed: done.length > 0,
    summary: done.length > 0 ? `created/updated ${done.join(", ")}` : "no changes",
    outputs: rdsOutputs(cluster, (await inspectRds(aws, rds)).securityGroupId),
  };
}

const nameTag = (value: string) => [{ Key: "Name", Value: value }];

/** The subnet group on the private subnets and the security group, whichever is missing. */
async function createNetwork(
  aws: AwsClients,
  rds: RdsContext,
  s: RdsState,
  network: { vpcId: string; subnetIds: string[] },
  progress: Progress,
): Promise<string[]> {
  const done: string[] = [];
  if (!s.subnetGroup) {
    progress.update(`creating DB subnet group ${rds.subnetGroupName}`);
    const { CreateDBSubnetGroupCommand } = await import("@aws-sdk/client-rds");
    await (await aws.rds()).send(
      new CreateDBSubnetGroupCommand({
        DBSubnetGroupName: rds.subnetGroupName,
        DBSubnetGroupDescription: `Aurora subnet group for ${rds.clusterIdentifier}`,
        SubnetIds: network.subnetIds,
        Tags: nameTag(rds.clusterIdentifier),
      }),
    );
    done.push("subnet group");
  }
  if (!s.securityGroupId) {
    progress.update(`creating security group ${rds.securityGroupName}`);
    const { CreateSecurityGroupCommand } = await import("@aws-sdk/client-ec2");
    // No ingress here: the container stack allows 5432 from the Lambda security group only.
    await (await aws.ec2()).send(
      new CreateSecurityGroupCommand({
        GroupName: rds.securityGroupName,
        Description: `RDS Aurora security group for ${rds.clusterIdentifier}`,
        VpcId: network.vpcId,
        TagSpecifications: [{ ResourceType: "security-group", Tags: nameTag(rds.securityGroupName) }],
      }),
    );
    done.push("security group");
  }
  return done;
}

async function createCluster(
  aws: AwsClients,
  rds: RdsContext,
  securityGroupId: string,
  progress: Progress,
): Promise<string[]> {
  progress.update(`creating Aurora cluster ${rds.clusterIdentifier}`);
  const { CreateDBClusterCommand } = await import("@aws-sdk/client-rds");
  await (await aws.rds()).send(
    new CreateDBClusterCommand({
      DBClusterIdentifier: rds.clusterIdentifier,
      Engine: rds.engine,
      EngineMode: "provisioned",
      DatabaseName: rds.databaseName,
      MasterUsername: rds.username,
      // RDS creates and rotates the password in Secrets Manager; pocket never sees it.
      ManageMasterUserPassword: true,
      DBSubnetGroupName: rds.subnetGroupName,
      VpcSecurityGroupIds: [securityGroupId],
      ServerlessV2ScalingConfiguration: { MinCapacity: rds.minCapacity, MaxCapacity: rds.maxCapacity },
      StorageEncrypted: true,
      CopyTagsToSnapshot: true,
      DeletionProtection: true,
      BackupRetentionPeriod: rds.backupRetentionDays,
      ...(rds.preferredBackupWindow ? { PreferredBackupWindow: rds.preferredBackupWindow } : {}),
      Tags: nameTag(rds.clusterIdentifier),
    }),
  );
  return ["cluster"];
}

/** Sets the cluster settings that differ from the configuration; none when all agree. */
async function modifyCluster(
  aws: AwsClients,
  rds: RdsContext,
  s: RdsState,
  progress: Progress,
): Promise<string[]> {
  const changes = clusterChanges(rds, s.cluster!);
  if (changes.length === 0) return [];
  progress.update(`setting ${changes.join(", ")}`);
  const { ModifyDBClusterCommand } = await import("@aws-sdk/client-rds");
  await (await aws.rds()).send(new ModifyDBClusterCommand(clusterModification(rds, s.cluster!)));
  return changes;
}

async function createInstance(aws: AwsClients, rds: RdsContext, progress: Progress): Promise<string[]> {
  progress.update(`creating DB instance ${rds.instanceIdentifier}`);
  const { CreateDBInstanceCommand } = await import("@aws-sdk/client-rds");
  await (await aws.rds()).send(new CreateDBInstanceCommand(instanceRequest(rds)));
  return ["instance"];
}

/** The cluster's one instance: its class (serverless v2) and engine are the cluster's. */
function instanceRequest(rds: RdsContext): CreateDBInstanceCommandInput {
  return {
    DBInstanceIdentifier: rds.instanceIdentifier,
    DBInstanceClass: rds.instanceClass,
    Engine: rds.engine,
    DBClusterIdentifier: rds.clusterIdentifier,
    Tags: nameTag(rds.instanceIdentifier),
  };
}

/** VPC id and private subnets, read from the VPC stack's outputs by the engine's parameter resolver. */
async function vpcNetwork(
  run: RunContext,
  ctx: PocketContext,
): Promise<{ vpcId: string; subnetIds: string[] }> {
  const vpc = ctx.vpc!;
  const { vpcId, subnets } = await run.parameters({
    vpcId: {
      kind: "stack-output",
      region: vpc.region,
      stackName: vpc.stackName,
      output: vpc.exports.vpcId,
      ifMissing: "error",
    },
    subnets: {
      kind: "subnets",
      region: vpc.region,
      stackName: vpc.stackName,
      prefix: vpc.exports.privateSubnetPrefix,
    },
  });
  return { vpcId: vpcId!, subnetIds: subnets!.split(",") };
}
