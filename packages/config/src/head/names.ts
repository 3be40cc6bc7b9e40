import type { ContainerContext, HandlerContext, PocketContext } from "../context/types.js";
import type { HeadContainerSettings, HeadFacts } from "./facts.js";

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
  containerOf: (settings: HeadContainerSettings) => ContainerContext | undefined,
): PocketContext {
  const out: PocketContext = { ...context };
  if (out.rds) {
    out.rds = {
      ...out.rds,
      databaseName: head.rdsDatabase ?? `${context.stage}_${context.project}`.replace(/-/g, "_"),
    };
  }
  const name = head.container;
  if (!out.container || name === undefined) return out;
  const { container, exports } = containerNames(out.container, context, name);
  out.container = container;
  if (head.containers) {
    out.containers = {};
    for (const [other, settings] of Object.entries(head.containers)) {
      const built = other === name ? out.container : containerOf(settings);
      if (built)
        out.containers[other] = other === name ? built : containerNames(built, context, other).container;
    }
  }
  if (out.cloudfront) {
    const cloudfront: NonNullable<PocketContext["cloudfront"]> = {};
    for (const [key, cf] of Object.entries(out.cloudfront)) {
      const apiOrigins: typeof cf.apiOrigins = {};
      for (const [handler, origin] of Object.entries(cf.apiOrigins)) {
        apiOrigins[handler] = { ...origin, exportName: exports.get(handler) ?? origin.exportName };
      }
      cloudfront[key] = { ...cf, apiOrigins };
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
 * `{slug}-container-{name}`; the role `lambda-{slug}-{name}-{namespace}`; the repository, the
 * security group, functions and queues under `{prefix}{name}-`; API names, their access logs
 * and exports under `{slug}-{name}-`.
 */
function containerNames(
  c: ContainerContext,
  ctx: PocketContext,
  name: string,
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
    stackName: `${ctx.slug}-container-${name}`,
    ecrRepository: `${prefix}lambda`,
    roleName: `lambda-${ctx.slug}-${name}-${ctx.namespace}`,
    securityGroupName: c.securityGroupName === undefined ? undefined : `${prefix}lambda`,
    handlers,
  };
  return { container, exports };
}
