import type {
  CloudFrontContext,
  ContainerContext,
  HandlerContext,
  PocketContext,
  RouteContext,
  SchedulerContext,
} from "../context/types.js";
import type { HeadContainerView, HeadFacts } from "./facts.js";
import { withSharedStore } from "./shared-store.js";

/**
 * The names the original's current version derives for a file in its spelling: the container's
 * name is part of every container resource (docs/decisions.md#d11-two-spellings-one-schema), so a
 * stage it deployed is updated in place. The secrets' key is set by the rewrite itself
 * (`pocket_key_format`); this step renames what the context builders derived the seed's way, and
 * every reference to it (CloudFront's API origins, schedule targets).
 */
export function withHeadNames(
  context: PocketContext,
  head: HeadFacts,
  contextOf: (view: HeadContainerView) => PocketContext,
): PocketContext {
  // Each container's own `shared = true` declarations (one container: the file's).
  const shared = (name: string | undefined) =>
    (name !== undefined ? head.containers?.[name]?.sharedSecrets : undefined) ?? head.sharedSecrets;
  const out = named(context, head.container, head.rdsDatabase, head.ecrNames, shared(head.container));
  if (!head.containers || head.container === undefined) return out;
  const views: Record<string, PocketContext> = {};
  for (const [name, view] of Object.entries(head.containers)) {
    views[name] =
      name === head.container
        ? out
        : named(contextOf(view), name, head.rdsDatabase, head.ecrNames, shared(name));
  }
  return severalContainers(out, views, head.containers);
}

/** One container's view of the stage, with that container's names. */
function named(
  context: PocketContext,
  name: string | undefined,
  rdsDatabase?: string,
  ecrNames?: Record<string, string>,
  shared: readonly string[] = [],
): PocketContext {
  const out: PocketContext = { ...context };
  if (out.rds) {
    out.rds = {
      ...out.rds,
      databaseName: rdsDatabase ?? `${context.stage}_${context.project}`.replace(/-/g, "_"),
    };
  }
  if (!out.container || name === undefined) return out;
  const { container, exports } = containerNames(out.container, context, name, ecrNames?.[name]);
  out.container = withSharedStore(container, name, shared, context);
  if (out.cloudfront) {
    const cloudfront: NonNullable<PocketContext["cloudfront"]> = {};
    for (const [key, cf] of Object.entries(out.cloudfront)) {
      cloudfront[key] = apiOriginsOf(cf, name, exports, context.resourcePrefix, container.stackName);
    }
    out.cloudfront = cloudfront;
  }
  if (out.scheduler) {
    const schedules: typeof out.scheduler.schedules = {};
    for (const [key, s] of Object.entries(out.scheduler.schedules)) {
      const h = container.handlers[s.handler]!;
      const target =
        s.target.kind === "sqs"
          ? { ...s.target, queueName: h.queueName! }
          : { ...s.target, functionName: h.functionName };
      schedules[key] = { ...s, target, deadLetterQueueName: h.deadLetterQueueName };
    }
    out.scheduler = { ...out.scheduler, schedules };
  }
  return out;
}

/**
 * The API origins as the original names them: `{prefix}api-{container}.{handler}`, importing
 * `{slug}-{container}-{handler}-api-domain`; keyed `{container}.{handler}`, so handlers of the
 * same key in two containers are two origins.
 */
function apiOriginsOf(
  cf: CloudFrontContext,
  name: string,
  exports: Map<string, string>,
  prefix: string,
  stackName: string,
): CloudFrontContext {
  const originId = (handler: string) => `${prefix}api-${name}.${handler}`;
  const apiOrigins: CloudFrontContext["apiOrigins"] = {};
  for (const [handler, origin] of Object.entries(cf.apiOrigins)) {
    apiOrigins[`${name}.${handler}`] = {
      exportName: exports.get(handler) ?? origin.exportName,
      originId: originId(handler),
      stackName,
    };
  }
  const routes = cf.routes.map((r) => (r.type === "api" ? { ...r, originId: originId(r.handler) } : r));
  return { ...cf, routes, apiOrigins };
}

/**
 * Containers deploy at the same time: each builds on CodeBuild with a project, role, source and
 * record of its own (one shared project would build one container's source for the other).
 */
function ownBuild(c: ContainerContext, ctx: PocketContext, name: string): ContainerContext["build"] {
  const project = `${ctx.resourcePrefix}${name}-codebuild`;
  return {
    ...c.build,
    codebuildProject: project,
    codebuildRole: `forge-${project}-role`,
    codebuildSourceKey: `codebuild/${project}/source.zip`,
    codebuildStateKey: `codebuild/${project}/last-build.json`,
  };
}

/**
 * A stage of several containers: every container by name; each distribution with the API routes
 * of every container, in the file's order (each container's view holds only its own).
 */
function severalContainers(
  out: PocketContext,
  views: Record<string, PocketContext>,
  facts: Record<string, HeadContainerView>,
): PocketContext {
  const containers: Record<string, ContainerContext> = {};
  for (const [name, view] of Object.entries(views)) {
    if (view.container) containers[name] = { ...view.container, build: ownBuild(view.container, out, name) };
  }
  // `container` stays the first of them.
  const first = Object.keys(views).find((name) => views[name] === out);
  const merged: PocketContext = { ...out, containers, container: first ? containers[first] : out.container };
  const schedulers = schedulersOf(out, views);
  if (Object.keys(schedulers).length > 0) merged.containerSchedulers = schedulers;
  if (!out.cloudfront) return merged;
  const cloudfront: NonNullable<PocketContext["cloudfront"]> = {};
  for (const [key, cf] of Object.entries(out.cloudfront)) {
    const placed: { at: number; route: RouteContext }[] = [];
    let apiOrigins: CloudFrontContext["apiOrigins"] = {};
    for (const [name, view] of Object.entries(views)) {
      const own = view.cloudfront?.[key];
      const order = facts[name]?.routeOrder[key] ?? [];
      if (!own) continue;
      own.routes.forEach((route, i) => {
        // S3 routes are in every view: the first container's are kept.
        if (route.type === "api" || view === out) placed.push({ at: order[i] ?? i, route });
      });
      apiOrigins = { ...apiOrigins, ...own.apiOrigins };
    }
    placed.sort((a, b) => a.at - b.at);
    // An API default route replaces the S3 stand-in the other containers' views hold.
    const apiDefault = placed.some(({ route }) => route.type === "api" && route.isDefault);
    const routes = placed
      .filter(({ route }) => !(apiDefault && route.type === "s3" && route.isDefault))
      .map(({ route }, index) => ({ ...route, index }));
    cloudfront[key] = { ...cf, routes, apiOrigins };
  }
  return { ...merged, cloudfront };
}

/**
 * Each container stack holds the schedules that start its handlers, so each needs a group of its
 * own: the first container keeps the stage's (`{prefix}schedules`, as with one container, so
 * adding a container replaces none of its schedules); a later one's is `{prefix}{name}-schedules`.
 */
function schedulersOf(
  out: PocketContext,
  views: Record<string, PocketContext>,
): Record<string, SchedulerContext> {
  const schedulers: Record<string, SchedulerContext> = {};
  for (const [name, view] of Object.entries(views)) {
    const s = view.scheduler;
    if (!s || Object.keys(s.schedules).length === 0) continue;
    schedulers[name] = view === out ? s : { ...s, groupName: `${out.resourcePrefix}${name}-schedules` };
  }
  return schedulers;
}

/**
 * `{slug}-container-{name}`; the role `lambda-{slug}-{name}-{namespace}`; the repository, the
 * security group, functions and queues under `{prefix}{name}-`; API names, their access logs
 * and exports under `{slug}-{name}-`. A repository named by `ecr_name` may be shared by stages.
 */
function containerNames(
  c: ContainerContext,
  ctx: PocketContext,
  name: string,
  ecrName: string | undefined,
): { container: ContainerContext; exports: Map<string, string> } {
  const prefix = `${ctx.resourcePrefix}${name}-`;
  const slug = `${ctx.slug}-${name}`;
  const exports = new Map<string, string>();
  const handlers: Record<string, HandlerContext> = {};
  for (const [key, h] of Object.entries(c.handlers)) {
    const functionName = `${prefix}${key}`;
    const handler: HandlerContext = {
      ...h,
      functionName,
      logGroupName: `/aws/lambda/${functionName}`,
      apiName: h.apiName === undefined ? undefined : `${slug}-${key}`,
      queueName: h.queueName === undefined ? undefined : functionName,
      deadLetterQueueName: h.deadLetterQueueName === undefined ? undefined : `${functionName}-dead-letter`,
    };
    if (h.apigateway) {
      const exportApiDomain =
        h.apigateway.exportApiDomain === undefined ? undefined : `${slug}-${key}-api-domain`;
      if (exportApiDomain) exports.set(key, exportApiDomain);
      handler.apigateway = {
        ...h.apigateway,
        accessLogGroupName: `${slug}-${key}-apigateway`,
        certificateTag: `${slug}-${key}-cert`,
        exportApiDomain,
      };
    }
    handlers[key] = handler;
  }
  const container: ContainerContext = {
    ...c,
    name,
    stackName: `${ctx.slug}-container-${name}`,
    ecrRepository: ecrName ?? `${prefix}lambda`,
    ...(ecrName === undefined ? {} : { ecrRepositoryShared: true as const }),
    roleName: `lambda-${ctx.slug}-${name}-${ctx.namespace}`,
    securityGroupName: c.securityGroupName === undefined ? undefined : `${prefix}lambda`,
    handlers,
    hotswap: { ...c.hotswap, driftKey: `hotswap/${ctx.slug}-container-${name}.json` },
  };
  return { container, exports };
}
