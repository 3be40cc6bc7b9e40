import type { ContainerContext } from "@magic-pocket/config";
import type { AwsClients } from "../../../aws/clients.js";
import { bucketObject } from "../../../buckets/object.js";
import type { Progress } from "../../resource.js";
import { deleteCodeBuildProject } from "./project.js";
import { deleteCodeBuildRole } from "./role.js";

/**
 * Destroy removes the project, the role and the build records whenever they exist, whatever
 * the configured builder (a stage may have switched builders since). Returns what was deleted.
 */
export async function destroyCodeBuild(
  clients: AwsClients,
  build: ContainerContext["build"],
  stateBucket: string,
  progress: Progress,
): Promise<string[]> {
  const removed: string[] = [];
  if (await deleteCodeBuildProject(clients, build.codebuildProject, progress))
    removed.push("CodeBuild project");
  if (await deleteCodeBuildRole(clients, build, progress)) removed.push("CodeBuild role");
  for (const key of [build.codebuildStateKey, build.codebuildSourceKey]) {
    await bucketObject(clients, stateBucket, key).remove();
  }
  return removed;
}
