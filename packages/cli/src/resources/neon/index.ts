import { awsOperation } from "../operation.js";
import { vendorDatabaseKind } from "../vendor-database.js";
import { neonResource } from "./resource.js";

/** `[neon]`: the stage's branch, role and database in the user's Neon project. */
export default vendorDatabaseKind("neon", {
  noun: "the stage's Neon branch",
  description: "the stage's [neon] branch, role and database",
  withData: "deletes the branch and every row in it",
  create: (ctx) => (ctx.neon ? [neonResource(ctx.neon)] : []),
  storeUrl: {
    type: "neon_database_url",
    vendor: "Neon",
    ensures: "the stage's branch, role and database",
    provision: async () => (await import("./store-url.js")).provisionNeon,
  },
  operations: {
    "branch-out": awsOperation({
      description:
        "create the stage's branch as a copy of another stage's (data included), e.g. for a preview",
      options: [["--base-stage <stage>", "the stage whose branch is copied (required)"]],
      run: async () => (await import("./branch-out.js")).branchOut,
    }),
  },
});
