import { awsOperation } from "../operation.js";
import { resourceKind } from "../resource.js";
import { existingRdsResource } from "./existing.js";
import { rdsPermissions } from "./permissions.js";
import { rdsResource } from "./resource.js";

/** `[rds]`: Aurora PostgreSQL Serverless v2 in the stage's VPC. */
export default resourceKind({
  group: "rds",
  noun: "the Aurora cluster",
  description: "the stage's [rds] Aurora cluster",
  section: "[rds]",
  permissions: rdsPermissions,
  keeps: { withData: "required: deletes the cluster (a final snapshot is always kept)" },
  create: (ctx) =>
    ctx.rds ? [rdsResource(ctx)] : ctx.rdsExisting ? [existingRdsResource(ctx.rdsExisting)] : [],
  operations: {
    endpoint: awsOperation({
      description:
        "print the cluster's host, port, database, user and the ARN of the secret with the password",
      options: [["--json", "print JSON for scripts"]],
      run: async () => (await import("./endpoint.js")).printEndpoint,
    }),
    snapshot: awsOperation({
      description: "take a manual snapshot of the cluster and wait until it is available",
      options: [["--no-wait", "start the snapshot and print its id without waiting"]],
      run: async () => (await import("./snapshot.js")).takeSnapshot,
    }),
  },
});
