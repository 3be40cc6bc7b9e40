import type { CloudFrontContext, PocketContext } from "@magic-pocket/config";
import { CliError } from "../../errors.js";
import {
  cloudfrontParameters,
  cloudfrontTemplate,
  ORIGIN_VERIFY_PARAMETER,
} from "../../templates/cloudfront.js";
import { edgeProtection } from "../../templates/edge.js";
import type { ParameterSource } from "../../templates/template.js";
import { containerIds } from "../container-views.js";
import type { Resource, RunContext } from "../resource.js";
import { managedSecretStore } from "../secrets/store.js";
import { originVerifyHeaderValue, secretFingerprint } from "../secrets/values.js";
import { stackResource } from "../stack-resource.js";
import { ensureBucketPolicyStatement, removeBucketPolicyStatement } from "./bucket-policy.js";
import { protectionSummary } from "./protection.js";
import { ensureEdgeSecretsInKvs } from "./token-secret.js";

/** Stack tag holding a fingerprint of the origin-verify value (its parameter reads back as ****). */
export const ORIGIN_VERIFY_TAG = "pocket:origin-verify-fingerprint";

/**
 * One distribution's stack (us-east-1). Its parameters are declared as data: hosted zones of its
 * domains, and the execute-api domain of each API origin from the container stack's exports;
 * the origin-verify value comes from the secrets store.
 */
export function distributionResource(ctx: PocketContext, cf: CloudFrontContext): Resource {
  const protection = edgeProtection(cf);
  const parameters = parameterSources(ctx, cf);
  const originVerify = protection.originVerify;
  const originVerifyValue = originVerifyReader(originVerify?.secret);
  const resource = stackResource({
    id: `cloudfront:${cf.name}`,
    title: `CloudFront ${cf.stackName}`,
    group: "cloudfront",
    name: cf.name,
    dependsOn: [
      "s3",
      ...containerIds(ctx),
      ...(cf.signingKey ? [`cloudfront-keys:${cf.name}`] : []),
      // The origin-verify and basic-auth values are generated with the other managed secrets.
      ...(originVerify || protection.basicAuth ? ["secrets"] : []),
    ],
    region: "us-east-1",
    stackName: cf.stackName,
    template: () => cloudfrontTemplate(cf, protection),
    parameters,
    ...(originVerify
      ? {
          // Not a declared source: the value is a secret, passed as a NoEcho parameter.
          extraParameters: async (run: RunContext) => ({
            [ORIGIN_VERIFY_PARAMETER]: await originVerifyValue(run),
          }),
          // A NoEcho parameter reads back as ****; the fingerprint tag shows a rotation as a change.
          tags: async (run: RunContext) => ({
            [ORIGIN_VERIFY_TAG]: secretFingerprint(await originVerifyValue(run)),
          }),
          secretFingerprintTags: { [ORIGIN_VERIFY_PARAMETER]: ORIGIN_VERIFY_TAG },
        }
      : {}),
    after: async (run, outputs, progress) => {
      const policy = await ensureBucketPolicyStatement(run, cf, outputs.DistributionId!, progress);
      const kvs = await ensureEdgeSecretsInKvs(run, cf, outputs.TokenKvsArn, progress, protection);
      return policy || kvs;
    },
    beforeDestroy: (run, progress) => removeBucketPolicyStatement(run, cf, progress),
    urls: (outputs) => [`${cf.name}: https://${cf.domain ?? outputs.DistributionDomainName}`],
  });
  if (!originVerify && !protection.basicAuth && !protection.waf) return resource;
  return {
    ...resource,
    async status(run) {
      const status = await resource.status(run);
      if (status.state === "missing") return status;
      const summary = await protectionSummary(run, cf, protection);
      return { ...status, detail: status.detail ? `${status.detail}; ${summary}` : summary };
    },
  };
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

/**
 * The origin-verify value, read from the secrets store once per run (parameters and tags both
 * need it). A failed read is not kept: a status asked before the secrets resource created the
 * value (the deploy's read-ahead) must not decide what the deploy after it finds.
 */
function originVerifyReader(secret: string | undefined): (run: RunContext) => Promise<string> {
  const verifyValues = new WeakMap<RunContext, Promise<string>>();
  return (run) => {
    let p = verifyValues.get(run);
    if (!p) {
      const read = readOriginVerify(run, secret!);
      read.catch(() => {
        if (verifyValues.get(run) === read) verifyValues.delete(run);
      });
      verifyValues.set(run, read);
      p = read;
    }
    return p;
  };
}

async function readOriginVerify(run: RunContext, secret: string): Promise<string> {
  const secrets = run.ctx.container?.secrets;
  const stored = secrets
    ? await managedSecretStore(run.aws(secrets.region), secrets, run.ctx.stage, run.ctx.project).read()
    : {};
  const value = originVerifyHeaderValue(stored[secret]);
  if (!value) {
    throw new CliError("origin-verify-secret-missing", `the managed secret ${secret} does not exist yet.`, {
      hint: "Deploy the whole stage (`pocket deploy` creates secrets first), or run `pocket resource awscontainer secrets create-pocket-managed`.",
    });
  }
  return value;
}
