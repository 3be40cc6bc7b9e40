import { resourceKind } from "../resource.js";
import { tidbResource } from "./resource.js";

/** `[tidb]`: the stage's database and SQL user on the project's TiDB Cloud Serverless cluster. */
export default resourceKind({
  group: "tidb",
  noun: "the stage's TiDB database",
  description: "the stage's [tidb] database and SQL user (and the project's cluster)",
  section: "[tidb]",
  keeps: { withData: "required: drops the stage's database (and the cluster once it holds no other)" },
  create: (ctx) => (ctx.tidb ? [tidbResource(ctx)] : []),
});
