import type { AwsClients } from "../../aws/clients.js";
import { awsErrorName, unlessAbsent } from "../../aws/errors.js";
import type { Progress } from "../resource.js";

/** The stage's ECR repository: created on first use, read, and deleted with its images. */

/** The repository for the stage's images; created on first use (docs/decisions.md#i1-the-ecr-repository). */
export async function ensureRepository(
  clients: AwsClients,
  name: string,
): Promise<{ uri: string; created: boolean }> {
  const existing = await describeRepository(clients, name);
  if (existing) return { uri: existing, created: false };
  const { CreateRepositoryCommand } = await import("@aws-sdk/client-ecr");
  const out = await (await clients.ecr()).send(
    new CreateRepositoryCommand({ repositoryName: name, imageScanningConfiguration: { scanOnPush: true } }),
  );
  return { uri: out.repository!.repositoryUri!, created: true };
}

export async function describeRepository(clients: AwsClients, name: string): Promise<string | undefined> {
  const { DescribeRepositoriesCommand } = await import("@aws-sdk/client-ecr");
  const out = await unlessAbsent(
    (await clients.ecr()).send(new DescribeRepositoriesCommand({ repositoryNames: [name] })),
    "RepositoryNotFoundException",
  );
  return out?.repositories?.[0]?.repositoryUri;
}

/** The digest currently tagged with the stage, if any. */
export async function taggedDigest(
  clients: AwsClients,
  repository: string,
  tag: string,
): Promise<string | undefined> {
  const { DescribeImagesCommand } = await import("@aws-sdk/client-ecr");
  const out = await unlessAbsent(
    (await clients.ecr()).send(
      new DescribeImagesCommand({ repositoryName: repository, imageIds: [{ imageTag: tag }] }),
    ),
    "ImageNotFoundException",
    "RepositoryNotFoundException",
  );
  return out?.imageDetails?.[0]?.imageDigest;
}

/** Deletes the repository and its images; false when it was not there. */
export async function deleteRepository(
  clients: AwsClients,
  name: string,
  progress: Progress,
): Promise<boolean> {
  if (!(await describeRepository(clients, name))) return false;
  progress.update("deleting ECR repository");
  const { DeleteRepositoryCommand } = await import("@aws-sdk/client-ecr");
  try {
    await (await clients.ecr()).send(new DeleteRepositoryCommand({ repositoryName: name, force: true }));
    return true;
  } catch (error) {
    if (awsErrorName(error) !== "RepositoryNotFoundException") throw error;
    return false;
  }
}
