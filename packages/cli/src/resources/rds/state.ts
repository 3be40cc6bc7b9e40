import type { DBCluster } from "@aws-sdk/client-rds";
import type { RdsContext } from "@magic-pocket/config";
import type { AwsClients } from "../../aws/clients.js";
import { awsErrorName, unlessAbsent } from "../../aws/errors.js";
import { CliError } from "../../errors.js";

/** What exists of the stage's database, read from RDS and EC2, and the outputs it gives. */

/** What exists of the stage's database. */
export interface RdsState {
  cluster?: DBCluster;
  instance: boolean;
  subnetGroup: boolean;
  securityGroupId?: string;
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

export async function inspectRds(clients: AwsClients, rds: RdsContext): Promise<RdsState> {
  const [cluster, instance, subnetGroup, securityGroupId] = await Promise.all([
    describeCluster(clients, rds),
    describeInstance(clients, rds),
    describeSubnetGroup(clients, rds),
    findSecurityGroup(clients, rds),
  ]);
  return { cluster, instance, subnetGroup, securityGroupId };
}

export async function describeCluster(clients: AwsClients, rds: RdsContext): Promise<DBCluster | undefined> {
  const { DescribeDBClustersCommand } = await import("@aws-sdk/client-rds");
  const out = await unlessAbsent(
    (await clients.rds()).send(new DescribeDBClustersCommand({ DBClusterIdentifier: rds.clusterIdentifier })),
    "DBClusterNotFoundFault",
  );
  return out?.DBClusters?.[0];
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
