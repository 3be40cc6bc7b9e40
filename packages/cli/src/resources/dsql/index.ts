import { awsOperation } from "../operation.js";
import { resourceKind } from "../resource.js";
import { dsqlPermissions } from "./permissions.js";
import { dsqlResource } from "./resource.js";

/** `[dsql]`: the stage's Aurora DSQL cluster (no VPC; IAM-token connections). */
export default resourceKind({
  group: "dsql",
  noun: "the Aurora DSQL cluster",
  description: "the stage's [dsql] Aurora DSQL cluster",
  section: "[dsql]",
  permissions: dsqlPermissions,
  keeps: { withData: "required: deletes the cluster and its data (DSQL keeps no final snapshot)" },
  create: (ctx) => (ctx.dsql ? [dsqlResource(ctx)] : []),
  operations: {
    endpoint: awsOperation({
      description: "print the cluster's endpoint, region and port (no password: connections use IAM tokens)",
      options: [["--format <format>", "text (default) or json, for scripts"]],
      run: async () => (await import("./endpoint.js")).printEndpoint,
    }),
  },
});
