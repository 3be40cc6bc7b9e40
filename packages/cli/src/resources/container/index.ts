import { containerViews } from "../container-views.js";
import { resourceKind } from "../resource.js";
import { containerPermissions } from "./permissions.js";
import { containerResource } from "./resource.js";

/** `[awscontainer]`: the ECR repository, the image and the `{slug}-container` stack. */
export default resourceKind({
  group: "awscontainer",
  noun: "the container stack and its managed secrets",
  description: "the container stack: Lambda functions, API Gateway, SQS, IAM",
  section: "[awscontainer]",
  permissions: containerPermissions,
  stacks: true,
  create: (ctx) => containerViews(ctx).map((view) => containerResource(view.ctx)),
  operations: {
    url: {
      description: "print the API endpoints of the stage's handlers",
      aws: true,
      run: async () => (await import("./endpoints.js")).printEndpoints,
    },
    reload: {
      path: ["secrets", "reload"],
      description:
        "make every function of the stage start new environments that read the current secret values",
      aws: true,
      run: async () => (await import("./secrets-reload.js")).reloadSecrets,
    },
  },
});
