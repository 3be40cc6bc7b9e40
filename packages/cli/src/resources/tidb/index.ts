import { vendorDatabaseKind } from "../vendor-database.js";
import { tidbResource } from "./resource.js";

/** `[tidb]`: the stage's database and SQL user on the project's TiDB Cloud Serverless cluster. */
export default vendorDatabaseKind("tidb", {
  noun: "the stage's TiDB database",
  description: "the stage's [tidb] database and SQL user (and the project's cluster)",
  withData: "drops the stage's database (and the cluster once it holds no other)",
  create: (ctx) => (ctx.tidb ? [tidbResource(ctx)] : []),
});
