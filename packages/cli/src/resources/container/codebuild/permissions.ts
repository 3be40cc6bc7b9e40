import type { ContainerContext } from "@magic-pocket/config";
import { A, type Grant, P, type PassedRoles } from "../../permissions.js";

/** Whether the image is built on CodeBuild (`auto` and `codebuild`), so its project and role exist. */
export function usesCodeBuild(c: ContainerContext): boolean {
  return c.build.backend !== "docker" && c.build.backend !== "depot";
}

/** The CodeBuild project pocket makes and runs, and its role, passed only to CodeBuild. */
export function codebuildPermissions(
  c: ContainerContext,
  suffix = "",
): { calls: Grant[]; roles: PassedRoles[] } {
  if (!usesCodeBuild(c)) return { calls: [], roles: [] };
  return {
    calls: [
      {
        sid: `StageCodeBuild${suffix}`,
        part: "image",
        actions: [
          "codebuild:CreateProject",
          "codebuild:UpdateProject",
          "codebuild:DeleteProject",
          "codebuild:BatchGetProjects",
          "codebuild:StartBuild",
          "codebuild:BatchGetBuilds",
        ],
        resources: [`arn:${P}:codebuild:${c.region}:${A}:project/${c.build.codebuildProject}`],
      },
    ],
    roles: [
      {
        sid: `PassCodeBuildRole${suffix}`,
        names: [c.build.codebuildRole],
        service: "codebuild.amazonaws.com",
      },
    ],
  };
}
