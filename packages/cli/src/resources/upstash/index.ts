import { vendorDatabaseKind } from "../vendor-database.js";
import { upstashResource } from "./resource.js";

/** `[upstash]`: the stage's Upstash Redis database (no AWS calls, so no IAM of its own). */
export default vendorDatabaseKind("upstash", {
  noun: "the stage's Upstash Redis database",
  description: "the stage's [upstash] Redis database",
  withData: "deletes the database and every key in it",
  create: (ctx) => (ctx.upstash ? [upstashResource(ctx.upstash)] : []),
  storeUrl: {
    type: "upstash_redis_url",
    vendor: "Upstash",
    ensures: "the stage's Redis database",
    provision: async () => (await import("./store-url.js")).provisionUpstash,
  },
});
