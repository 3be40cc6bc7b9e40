import type { SectionSettings } from "../schema/settings.js";
import type { DsqlContext, PocketContext } from "./types.js";

/**
 * `[dsql]` (docs/decisions.md#b13-aurora-dsql). AWS names the cluster (its id, so its ARN and
 * endpoint), so the stage finds it again by its Name tag, and deploy publishes the endpoint where
 * the original does: the stored user secret `{stage}-{project}-{namespace}-user/dsql_endpoint`,
 * in the first container's store (`/` first in SSM), Secrets Manager without a container.
 */
export function buildDsql(d: SectionSettings<"dsql">, ctx: PocketContext): DsqlContext {
  const store = ctx.container?.secrets?.store ?? "sm";
  const key = `${ctx.stage}-${ctx.project}-${ctx.namespace}-user/dsql_endpoint`;
  return {
    nameTag: `${ctx.resourcePrefix}dsql`,
    region: ctx.region,
    deletionProtection: d.deletionProtection,
    endpointSecret: { name: store === "ssm" ? `/${key}` : key, store },
    port: 5432,
  };
}
