import { vendorDatabaseKind } from "../vendor-database.js";
import { tidbResource } from "./resource.js";

/** `[tidb]`: the stage's database and SQL user on the project's TiDB Cloud Serverless cluster. */
export default vendorDatabaseKind("tidb", {
  noun: "the stage's TiDB database",
  description: "the stage's [tidb] database and SQL user (and the project's cluster)",
  withData: "drops the stage's database (and the cluster once it holds no other)",
  create: (ctx) => (ctx.tidb ? [tidbResource(ctx)] : []),
  storeUrl: {
    type: "tidb_database_url",
    vendor: "TiDB",
    ensures: "the project's cluster and the stage's database and SQL user",
    // TiDB Cloud shows no password again: a URL is a new password (docs/decisions.md#b12-provisioning-by-command).
    forceEffect: (ctx) =>
      `sets a new password for the stage's SQL user ${ctx.tidb!.sqlUser}, so the URL stored before stops working`,
    forceHelp:
      "store a new URL when one is stored: sets a new password for the stage's SQL user, so the URL stored before stops working",
    provision: async () => (await import("./store-url.js")).provisionTidb,
  },
});
