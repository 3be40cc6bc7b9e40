import type { ContainerContext } from "@magic-pocket/config";
import type { Timing } from "../../resource.js";

/**
 * The `codebuild` builder (docs/decisions.md#i2-codebuild-builder): the build context is zipped
 * (honouring .dockerignore), uploaded to the state bucket, and built and pushed by a privileged
 * CodeBuild project in the stage's account, so a laptop without Docker (or on another CPU) can
 * deploy. The build loop is in `build.ts`, the role in `role.ts` (its documents in
 * `policies.ts`), the project in `project.ts`, and destroy in `destroy.ts`.
 */
export interface CodeBuildInputs {
  build: ContainerContext["build"];
  stateBucket: string;
  platform: string;
  dockerfile: string;
  /** `{repositoryUri}:{stage}` */
  target: string;
  /** The stage's ECR repository name (the build pushes there only). */
  repository: string;
  /** The tag the build pushes: its digest is the image the stage has now. */
  imageTag: string;
  /** The boundary for the role (`CODEBUILD_PERMISSIONS_BOUNDARY` already applied by the caller). */
  permissionsBoundary?: string;
  cwd: string;
  /** Build even when the sources did not change (`pocket deploy --rebuild`). */
  rebuild: boolean;
  /** How often to ask for the build's state, and how long IAM changes take to reach CodeBuild. */
  timing: Pick<Timing, "codebuildPollMs" | "iamSettleMs">;
}
