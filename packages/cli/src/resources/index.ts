import alarms from "./alarms/index.js";
import backup from "./backup/index.js";
import cloudfront from "./cloudfront/index.js";
import cloudfrontKeys from "./cloudfront-keys/index.js";
import container from "./container/index.js";
import dsql from "./dsql/index.js";
import neon from "./neon/index.js";
import rds from "./rds/index.js";
import type { Resource, ResourceKind, StageFiles } from "./resource.js";
import s3 from "./s3/index.js";
import scheduler from "./scheduler/index.js";
import secrets from "./secrets/index.js";
import stateBucket from "./state-bucket/index.js";
import tidb from "./tidb/index.js";
import upstash from "./upstash/index.js";
import vpc from "./vpc/index.js";

/**
 * Every kind of resource a stage can have. Order here is only the order of listings (status,
 * plan, destroy); the engine deploys by each resource's `dependsOn`. Adding a resource: one
 * folder with an `index.ts`, and one line here (see README.md in this folder).
 */
export const RESOURCE_KINDS: readonly ResourceKind[] = [
  stateBucket,
  s3,
  neon,
  tidb,
  upstash,
  secrets,
  vpc,
  rds,
  dsql,
  cloudfrontKeys,
  container,
  scheduler,
  cloudfront,
  alarms,
  backup,
];

/** The stage's resources, from its derived context. */
export function stageResources(ctx: Parameters<ResourceKind["create"]>[0], where?: StageFiles): Resource[] {
  return RESOURCE_KINDS.flatMap((kind) => kind.create(ctx, where));
}
