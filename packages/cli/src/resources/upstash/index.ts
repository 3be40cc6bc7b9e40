import { resourceKind } from "../resource.js";
import { upstashResource } from "./resource.js";

/** `[upstash]`: the stage's Upstash Redis database (no AWS calls, so no IAM of its own). */
export default resourceKind({
  group: "upstash",
  noun: "the stage's Upstash Redis database",
  description: "the stage's [upstash] Redis database",
  section: "[upstash]",
  keeps: { withData: "required: deletes the database and every key in it" },
  create: (ctx) => (ctx.upstash ? [upstashResource(ctx.upstash)] : []),
});
