import type { CloudFrontContext, PocketContext } from "@magic-pocket/config";
import { cloudfrontParameters, cloudfrontTemplate } from "../../templates/cloudfront.js";
import { edgeProtection, withKeptWebAcl } from "../../templates/edge.js";
import type { ParameterSource } from "../../templates/template.js";
import { containerIds } from "../container-views.js";
import type { Resource } from "../resource.js";
import { stackResource } from "../stack-resource.js";
import { ensureBucketPolicyStatement, readPolicy, removeBucketPolicyStatement } from "./bucket-policy.js";
import { edgeSecretParameters } from "./edge-secrets.js";
import { withOriginalEdgeStacks } from "./original-edge-stacks.js";
import { protectionSummary } from "./protection.js";
import { ensureEdgeSecretsInKvs } from "./token-secret.js";

/**
 * One distribution's stack (us-east-1). Its parameters are declared as data: hosted zones of its
 * domains, and the execute-api domain of each API origin from the container stack's exports;
 * the origin-verify and WAF header values come from the secrets store.
 */
export function distributionResource(ctx: PocketContext, cf: CloudFrontContext): Resource {
  const protection = edgeProtection(cf);
  const parameters = parameterSources(ctx, cf);
  const originVerify = protection.originVerify;
  const headerRules = protection.waf?.allowHeaders?.length ?? 0;
  const rendered = () => withKeptWebAcl(protection, ctx.original?.webAcls?.[cf.name]);
  const resource = stackResource({
    id: `cloudfront:${cf.name}`,
    title: `CloudFront ${cf.stackName}`,
    group: "cloudfront",
    name: cf.name,
    dependsOn: [
      "s3",
      ...containerIds(ctx),
      ...(cf.signingKey ? [`cloudfront-keys:${cf.name}`] : []),
      // The origin-verify, basic-auth and WAF header values are generated with the other managed secrets.
      ...(originVerify || protection.basicAuth || headerRules ? ["secrets"] : []),
    ],
    // us-east-1, or where the original's current version put it (read when asked: the takeover
    // check sets it, docs/decisions.md#a1-taking-over-a-stage-deployed-by-the-original).
    region: () => cf.region,
    stackName: cf.stackName,
    // A stage the original's current version deployed keeps its certificate, aliases and web
    // ACL (set by the takeover check before anything renders).
    template: () => cloudfrontTemplate(cf, rendered(), ctx.original?.acmCertificates?.[cf.name]),
    parameters,
    // Not declared sources: secret values, passed as NoEcho parameters (edge-secrets.ts); a kept
    // web ACL holds its own header values.
    ...edgeSecretParameters(protection, rendered),
    after: async (run, outputs, progress) => {
      const policy = await ensureBucketPolicyStatement(run, cf, outputs.DistributionId!, progress);
      const kvs = await ensureEdgeSecretsInKvs(run, cf, outputs.TokenKvsArn, progress, protection);
      return policy || kvs;
    },
    beforeDestroy: (run, progress) => removeBucketPolicyStatement(run, cf, progress),
    urls: (outputs) => [`${cf.name}: https://${cf.domain ?? outputs.DistributionDomainName}`],
  });
  // The bucket policy `after` reads: asked with the statuses, not after the stack's reads.
  const stack: Resource = { ...resource, readsAhead: (run) => readPolicy(run, cf) };
  if (!originVerify && !protection.basicAuth && !protection.waf) return withOriginalEdgeStacks(stack, cf);
  return withOriginalEdgeStacks(
    {
      ...stack,
      async status(run) {
        const status = await resource.status(run);
        if (status.state === "missing") return status;
        const summary = await protectionSummary(run, cf, protection);
        return { ...status, detail: status.detail ? `${status.detail}; ${summary}` : summary };
      },
    },
    cf,
  );
}

/** The stack's parameters as data: hosted zones of its domains, API domains from the container stack. */
function parameterSources(ctx: PocketContext, cf: CloudFrontContext): Record<string, ParameterSource> {
  const parameters: Record<string, ParameterSource> = {};
  // With several containers, each API's domain is exported by its own container's stack.
  const exporter = (exportName: string) =>
    Object.values(cf.apiOrigins).find((o) => o.exportName === exportName)?.stackName ??
    ctx.container!.stackName;
  for (const [name, p] of Object.entries(cloudfrontParameters(cf))) {
    parameters[name] =
      p.kind === "hosted-zone"
        ? {
            kind: "hosted-zone",
            domain: p.domain,
            overrideKey: `cloudfront.${cf.name}.hosted_zone_id_override`,
          }
        : {
            kind: "stack-output",
            region: ctx.container!.region,
            stackName: exporter(p.exportName),
            output: p.exportName,
            ifMissing: "error",
          };
  }
  return parameters;
}
