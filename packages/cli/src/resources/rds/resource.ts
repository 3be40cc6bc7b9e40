import type { DBCluster, RDSClient } from "@aws-sdk/client-rds";
import type { PocketContext, RdsContext } from "@magic-pocket/config";
import type { AwsClients } from "../../aws/clients.js";
import { awsErrorName } from "../../aws/errors.js";
import { CliError } from "../../errors.js";
import type { Change, Progress, Resource, RunContext } from "../resource.js";

/**
 * Aurora PostgreSQL Serverless v2 in the stage's VPC
 * (docs/decisions.md#p10-aurora-serverless-v2-by-api-calls): a subnet group on the private
 * subnets, a security group (the container stack adds the ingress from Lambda), the cluster with
 * an RDS-managed master password, and one `db.serverless` instance. Its outputs are what the
 * container needs: the master secret's ARN, the endpoint and port, the security group.
 */

/** What exists of the stage's database. */
interface RdsState {
  cluster?: DBCluster;
  instance: boolean;
  subnetGroup: boolean;
  securityGroupId?: string;
}

/** Clusters take minutes on AWS; pocket waits at most this long (the poll interval is run.timing). */
const WAIT_SECONDS = 30 * 60;

export function rdsResource(ctx: PocketContext): Resource {
  const rds = ctx.rds!;
  const clients = (run: RunContext) => run.aws(rds.region);

  const capacityDiffers = (c: DBCluster) =>
    c.ServerlessV2ScalingConfiguration?.MinCapacity !== rds.minCapacity ||
    c.ServerlessV2ScalingConfiguration?.MaxCapacity !== rds.maxCapacity;
  // A cluster made by an earlier pocket (or by hand) gets deletion protection on its next deploy:
  // only `destroy --with-data` may delete the database, never a console click or another tool.
  const unprotected = (c: DBCluster) => c.DeletionProtection !== true;
  // Backups: retention always as configured; the window only when one is configured (otherwise
  // RDS picks one, and pocket leaves it alone).
  const retentionDiffers = (c: DBCluster) => c.BackupRetentionPeriod !== rds.backupRetentionDays;
  const windowDiffers = (c: DBCluster) =>
    rds.preferredBackupWindow !== undefined && c.PreferredBackupWindow !== rds.preferredBackupWindow;
  const clusterChanges = (c: DBCluster): string[] => [
    ...(capacityDiffers(c) ? [`capacity ${rds.minCapacity}-${rds.maxCapacity} ACU`] : []),
    ...(unprotected(c) ? ["deletion protection on"] : []),
    ...(retentionDiffers(c) ? [`backup retention ${rds.backupRetentionDays} days`] : []),
    ...(windowDiffers(c) ? [`backup window ${rds.preferredBackupWindow} UTC`] : []),
  ];

  const changesFor = (s: RdsState): Change[] => {
    const out: Change[] = [];
    if (!s.subnetGroup) out.push({ action: "create", target: `DB subnet group ${rds.subnetGroupName}` });
    if (!s.securityGroupId) out.push({ action: "create", target: `security group ${rds.securityGroupName}` });
    if (!s.cluster) out.push({ action: "create", target: `Aurora cluster ${rds.clusterIdentifier}` });
    else if (clusterChanges(s.cluster).length > 0)
      out.push({
        action: "update",
        target: `Aurora cluster ${rds.clusterIdentifier}`,
        detail: clusterChanges(s.cluster).join(", "),
      });
    if (!s.instance) out.push({ action: "create", target: `DB instance ${rds.instanceIdentifier}` });
    return out;
  };

  return {
    id: "rds",
    title: `Aurora cluster ${rds.clusterIdentifier}`,
    group: "rds",
    dependsOn: ["vpc"],
    keep: { unless: "withData" },
    goesWith: "a final snapshot is kept",
    readOutputs: (run) => readRdsOutputs(clients(run), rds),
    async status(run) {
      const s = await inspectRds(clients(run), rds);
      if (!s.cluster) return { state: "missing" };
      const status = s.cluster.Status ?? "unknown";
      if (status !== "available") {
        return /fail|incompatible|inaccessible/.test(status)
          ? { state: "failed", detail: status }
          : { state: "in-progress", detail: status };
      }
      const changes = changesFor(s);
      return changes.length === 0
        ? { state: "in-sync", detail: s.cluster.Endpoint }
        : { state: "needs-update", detail: changes.map((c) => c.target).join(", ") };
    },
    async plan(run) {
      return changesFor(await inspectRds(clients(run), rds));
    },
    async deploy(run, progress) {
      const aws = clients(run);
      let s = await inspectRds(aws, rds);
      const done: string[] = [];
      const sdk = await import("@aws-sdk/client-rds");
      const client = await aws.rds();
      const tags = [{ Key: "Name", Value: rds.clusterIdentifier }];
      if (!s.subnetGroup || !s.securityGroupId) {
        const network = await vpcNetwork(run, ctx);
        if (!s.subnetGroup) {
          progress.update(`creating DB subnet group ${rds.subnetGroupName}`);
          await client.send(
            new sdk.CreateDBSubnetGroupCommand({
              DBSubnetGroupName: rds.subnetGroupName,
              DBSubnetGroupDescription: `Aurora subnet group for ${rds.clusterIdentifier}`,
              SubnetIds: network.subnetIds,
              Tags: tags,
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
              TagSpecifications: [
                { ResourceType: "security-group", Tags: [{ Key: "Name", Value: rds.securityGroupName }] },
              ],
            }),
          );
          done.push("security group");
        }
        s = await inspectRds(aws, rds);
      }
      if (!s.cluster) {
        progress.update(`creating Aurora cluster ${rds.clusterIdentifier}`);
        await client.send(
          new sdk.CreateDBClusterCommand({
            DBClusterIdentifier: rds.clusterIdentifier,
            Engine: rds.engine,
            EngineMode: "provisioned",
            DatabaseName: rds.databaseName,
            MasterUsername: rds.username,
            // RDS creates and rotates the password in Secrets Manager; pocket never sees it.
            ManageMasterUserPassword: true,
            DBSubnetGroupName: rds.subnetGroupName,
            VpcSecurityGroupIds: [s.securityGroupId!],
            ServerlessV2ScalingConfiguration: { MinCapacity: rds.minCapacity, MaxCapacity: rds.maxCapacity },
            StorageEncrypted: true,
            CopyTagsToSnapshot: true,
            DeletionProtection: true,
            BackupRetentionPeriod: rds.backupRetentionDays,
            ...(rds.preferredBackupWindow ? { PreferredBackupWindow: rds.preferredBackupWindow } : {}),
            Tags: tags,
          }),
        );
        done.push("cluster");
      } else if (clusterChanges(s.cluster).length > 0) {
        const changes = clusterChanges(s.cluster);
        progress.update(`setting ${changes.join(", ")}`);
        await client.send(
          new sdk.ModifyDBClusterCommand({
            DBClusterIdentifier: rds.clusterIdentifier,
            ...(capacityDiffers(s.cluster)
              ? {
                  ServerlessV2ScalingConfiguration: {
                    MinCapacity: rds.minCapacity,
                    MaxCapacity: rds.maxCapacity,
                  },
                }
              : {}),
            ...(unprotected(s.cluster) ? { DeletionProtection: true } : {}),
            ...(retentionDiffers(s.cluster) ? { BackupRetentionPeriod: rds.backupRetentionDays } : {}),
            ...(windowDiffers(s.cluster) ? { PreferredBackupWindow: rds.preferredBackupWindow } : {}),
            ApplyImmediately: true,
          }),
        );
        done.push(...changes);
      }
      if (!s.instance) {
        progress.update(`creating DB instance ${rds.instanceIdentifier}`);
        await client.send(
          new sdk.CreateDBInstanceCommand({
            DBInstanceIdentifier: rds.instanceIdentifier,
            DBInstanceClass: rds.instanceClass,
            Engine: rds.engine,
            DBClusterIdentifier: rds.clusterIdentifier,
            Tags: [{ Key: "Name", Value: rds.instanceIdentifier }],
          }),
        );
        done.push("instance");
      }
      const cluster =
        done.length > 0 ? await waitForCluster(aws, rds, progress, run.timing.rdsPollMs) : s.cluster!;
      return {
        changed: done.length > 0,
        summary: done.length > 0 ? `created/updated ${done.join(", ")}` : "no changes",
        outputs: rdsOutputs(cluster, (await inspectRds(aws, rds)).securityGroupId),
      };
    },
    async destroy(run, progress) {
      const aws = clients(run);
      const s = await inspectRds(aws, rds);
      const sdk = await import("@aws-sdk/client-rds");
      const client = await aws.rds();
      const done: string[] = [];
      if (s.cluster?.DeletionProtection) {
        // Deletion protection guards against every other way of deleting the cluster; this
        // destroy was asked for with --with-data, and the final snapshot below keeps the data.
        progress.update(`turning off deletion protection of ${rds.clusterIdentifier}`);
        await client.send(
          new sdk.ModifyDBClusterCommand({
            DBClusterIdentifier: rds.clusterIdentifier,
            DeletionProtection: false,
            ApplyImmediately: true,
          }),
        );
      }
      if (s.instance) {
        progress.update(`deleting DB instance ${rds.instanceIdentifier}`);
        await client.send(
          new sdk.DeleteDBInstanceCommand({
            DBInstanceIdentifier: rds.instanceIdentifier,
            SkipFinalSnapshot: true,
          }),
        );
        await waitGone(aws, rds, "instance", run.timing.rdsPollMs);
        done.push("instance");
      }
      if (s.cluster) {
        // The data leaves with a final snapshot, always: a destroy must never lose a database.
        const snapshot = `${rds.finalSnapshotPrefix}${Math.floor(Date.now() / 1000)}`;
        progress.update(`deleting Aurora cluster (final snapshot ${snapshot})`);
        await client.send(
          new sdk.DeleteDBClusterCommand({
            DBClusterIdentifier: rds.clusterIdentifier,
            SkipFinalSnapshot: false,
            FinalDBSnapshotIdentifier: snapshot,
          }),
        );
        await waitGone(aws, rds, "cluster", run.timing.rdsPollMs);
        progress.log(`final snapshot ${snapshot} kept`);
        done.push("cluster");
      }
      if (s.securityGroupId) {
        const { DeleteSecurityGroupCommand } = await import("@aws-sdk/client-ec2");
        await (await aws.ec2()).send(new DeleteSecurityGroupCommand({ GroupId: s.securityGroupId }));
        done.push("security group");
      }
      if (s.subnetGroup) {
        await client.send(new sdk.DeleteDBSubnetGroupCommand({ DBSubnetGroupName: rds.subnetGroupName }));
        done.push("subnet group");
      }
      return {
        changed: done.length > 0,
        summary: done.length > 0 ? `deleted ${done.join(", ")}` : "already absent",
      };
    },
  };
}

/** What the container stack needs, from a cluster that exists. */
export function rdsOutputs(cluster: DBCluster, securityGroupId: string | undefined): Record<string, string> {
  const secretArn = cluster.MasterUserSecret?.SecretArn;
  if (!secretArn || !cluster.Endpoint || !securityGroupId) {
    throw new CliError(
      "rds-incomplete",
      `the Aurora cluster ${cluster.DBClusterIdentifier} is not complete yet.`,
      {
        hint: "Run `pocket deploy` again: it creates what is missing and waits until the cluster is available.",
      },
    );
  }
  return {
    secretArn,
    endpoint: cluster.Endpoint,
    port: String(cluster.Port ?? 5432),
    securityGroupId,
  };
}

/** The outputs read back from AWS, for commands that did not deploy RDS in this run. */
export async function readRdsOutputs(
  clients: AwsClients,
  rds: RdsContext,
): Promise<Record<string, string> | undefined> {
  const s = await inspectRds(clients, rds);
  return s.cluster ? rdsOutputs(s.cluster, s.securityGroupId) : undefined;
}

async function inspectRds(clients: AwsClients, rds: RdsContext): Promise<RdsState> {
  const [cluster, instance, subnetGroup, securityGroupId] = await Promise.all([
    describeCluster(clients, rds),
    describeInstance(clients, rds),
    describeSubnetGroup(clients, rds),
    findSecurityGroup(clients, rds),
  ]);
  return { cluster, instance, subnetGroup, securityGroupId };
}

async function describeCluster(clients: AwsClients, rds: RdsContext): Promise<DBCluster | undefined> {
  const { DescribeDBClustersCommand } = await import("@aws-sdk/client-rds");
  try {
    const out = await (await clients.rds()).send(
      new DescribeDBClustersCommand({ DBClusterIdentifier: rds.clusterIdentifier }),
    );
    return out.DBClusters?.[0];
  } catch (error) {
    if (awsErrorName(error) === "DBClusterNotFoundFault") return undefined;
    throw error;
  }
}

async function describeInstance(clients: AwsClients, rds: RdsContext): Promise<boolean> {
  const { DescribeDBInstancesCommand } = await import("@aws-sdk/client-rds");
  try {
    const out = await (await clients.rds()).send(
      new DescribeDBInstancesCommand({ DBInstanceIdentifier: rds.instanceIdentifier }),
    );
    return (out.DBInstances?.length ?? 0) > 0;
  } catch (error) {
    if (awsErrorName(error) === "DBInstanceNotFoundFault" || awsErrorName(error) === "DBInstanceNotFound")
      return false;
    throw error;
  }
}

async function describeSubnetGroup(clients: AwsClients, rds: RdsContext): Promise<boolean> {
  const { DescribeDBSubnetGroupsCommand } = await import("@aws-sdk/client-rds");
  try {
    await (await clients.rds()).send(
      new DescribeDBSubnetGroupsCommand({ DBSubnetGroupName: rds.subnetGroupName }),
    );
    return true;
  } catch (error) {
    if (awsErrorName(error) === "DBSubnetGroupNotFoundFault") return false;
    throw error;
  }
}

async function findSecurityGroup(clients: AwsClients, rds: RdsContext): Promise<string | undefined> {
  const { DescribeSecurityGroupsCommand } = await import("@aws-sdk/client-ec2");
  const out = await (await clients.ec2()).send(
    new DescribeSecurityGroupsCommand({ Filters: [{ Name: "group-name", Values: [rds.securityGroupName] }] }),
  );
  return out.SecurityGroups?.[0]?.GroupId;
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

/** SDK waiter options: the run's poll interval, never longer than 30 minutes in all. */
function waiter(client: RDSClient, pollMs: number) {
  const seconds = Math.max(pollMs, 1) / 1000;
  return {
    client,
    minDelay: seconds,
    maxDelay: Math.max(seconds, Math.min(60, seconds * 4)),
    maxWaitTime: WAIT_SECONDS,
  };
}

async function waitForCluster(
  clients: AwsClients,
  rds: RdsContext,
  progress: Progress,
  pollMs: number,
): Promise<DBCluster> {
  const { waitUntilDBClusterAvailable } = await import("@aws-sdk/client-rds");
  progress.update("waiting for the cluster to be available");
  try {
    await waitUntilDBClusterAvailable(waiter(await clients.rds(), pollMs), {
      DBClusterIdentifier: rds.clusterIdentifier,
    });
  } catch (error) {
    const c = await describeCluster(clients, rds);
    throw new CliError(
      "rds-timeout",
      `the Aurora cluster is ${c?.Status ?? "missing"}, not available: ${(error as Error).message.split("\n")[0]}`,
      { hint: "Check it in the RDS console; `pocket deploy` continues from where it is." },
    );
  }
  return (await describeCluster(clients, rds))!;
}

async function waitGone(clients: AwsClients, rds: RdsContext, what: "instance" | "cluster", pollMs: number) {
  const sdk = await import("@aws-sdk/client-rds");
  const options = waiter(await clients.rds(), pollMs);
  try {
    if (what === "instance") {
      await sdk.waitUntilDBInstanceDeleted(options, { DBInstanceIdentifier: rds.instanceIdentifier });
    } else {
      await sdk.waitUntilDBClusterDeleted(options, { DBClusterIdentifier: rds.clusterIdentifier });
    }
  } catch (error) {
    throw new CliError(
      "rds-timeout",
      `the DB ${what} is still being deleted: ${(error as Error).message.split("\n")[0]}`,
      {
        hint: "Check it in the RDS console, then run destroy again.",
      },
    );
  }
}
