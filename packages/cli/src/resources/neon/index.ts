import { awsOperation } from "../operation.js";
import { vendorDatabaseKind } from "../vendor-database.js";
import { neonResource } from "./resource.js";

/** `[neon]`: the stage's branch, role and database in the user's Neon project. */
export default vendorDatabaseKind("neon", {
  noun: "the stage's Neon branch",
  description: "the stage's [neon] branch, role and database",
  withData: "deletes the branch and every row in it",
  // With provisioning by command deploy never calls Neon: the stage has no Neon resource, and
  // store-url provisions it (docs/decisions.md#b12-neon-provisioning-by-command).
  create: (ctx) => (ctx.neon?.provisioning === "deploy" ? [neonResource(ctx.neon)] : []),
  absent: (ctx) =>
    ctx.neon?.provisioning === "command"
      ? {
          code: "neon-provisioned-by-command",
          message: `[neon] provisioning = "command": deploy and destroy leave stage ${ctx.stage}'s Neon branch alone.`,
          hint: `Provision it with \`pocket resource neon store-url --stage ${ctx.stage}\`; delete it in the Neon console.`,
        }
      : undefined,
  operations: {
    "store-url": awsOperation({
      description:
        'with provisioning = "command": ensure the stage\'s branch, role and database and store the URL in the user secret of type neon_database_url',
      options: [["--force", "store the URL again when one is stored"]],
      allowEmpty: true,
      run: async () => (await import("./store-url.js")).storeUrl,
    }),
    "branch-out": awsOperation({
      description:
        "create the stage's branch as a copy of another stage's (data included), e.g. for a preview",
      options: [["--base-stage <stage>", "the stage whose branch is copied (required)"]],
      run: async () => (await import("./branch-out.js")).branchOut,
    }),
  },
});
