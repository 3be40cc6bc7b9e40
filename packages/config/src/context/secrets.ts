import type { SecretsSettings } from "../schema/secrets.js";
import type { ManagedSecretContext, RuntimeSecretsDocument, SecretsContext } from "./types.js";

const SM_ARN = "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:";
const SSM_ARN = "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter";

/** The managed secret (and env var) with the values CloudFront sends in X-Pocket-Origin-Verify. */
export const ORIGIN_VERIFY_SECRET = "POCKET_ORIGIN_VERIFY_SECRET";

export function buildSecrets(
  s: SecretsSettings,
  names: { pocketKey: string; region: string; stage: string; project: string; originVerify: boolean },
): SecretsContext {
  const managed: Record<string, ManagedSecretContext> = {};
  // enable_origin_verify on any distribution: one generated value for all API origins.
  if (names.originVerify)
    managed[ORIGIN_VERIFY_SECRET] = { type: "origin_verify", env: ORIGIN_VERIFY_SECRET };
  for (const [name, spec] of Object.entries(s.managed)) {
    switch (spec.type) {
      case "password":
        managed[name] = {
          type: "password",
          length: spec.options.length,
          chars: spec.options.chars,
          env: name,
        };
        break;
      case "rsa_pem_base64":
        managed[name] = {
          type: spec.type,
          pemEnv: `${name}${spec.options.pemBase64EnvironSuffix}`,
          pubEnv: `${name}${spec.options.pubBase64EnvironSuffix}`,
        };
        break;
      case "basic_auth_credential":
        managed[name] = { type: spec.type, username: spec.options.username, env: name };
        break;
      case "cloudfront_signing_key":
        managed[name] = {
          type: spec.type,
          pemEnv: `${name}${spec.options.pemBase64EnvironSuffix}`,
          pubEnv: `${name}${spec.options.pubBase64EnvironSuffix}`,
          idEnv: `${name}${spec.options.idEnvironSuffix}`,
        };
        break;
      default:
        managed[name] = { type: spec.type, env: name };
    }
  }
  const user: SecretsContext["user"] = {};
  for (const [name, u] of Object.entries(s.user)) user[name] = { name: u.name, store: u.store ?? s.store };

  // IAM resources without calling AWS (docs/decisions.md#p5-building-the-context-never-calls-aws): the pocket
  // secret's ARN ends in a random 6-character suffix, matched with `-??????`.
  const sm: string[] = [];
  const ssm: string[] = [];
  for (const u of Object.values(user)) (u.store === "sm" ? sm : ssm).push(u.name);
  if (Object.keys(managed).length > 0) {
    if (s.store === "sm") sm.push(`${SM_ARN}${names.pocketKey}-??????`);
    else ssm.push(`${SSM_ARN}/${names.pocketKey}/*`);
  }
  for (const r of s.extraResources) {
    if (r.includes(":ssm:")) ssm.push(r);
    else if (r.includes(":secretsmanager:") || !r.startsWith("arn:")) sm.push(r);
  }
  const runtime: RuntimeSecretsDocument = {
    store: s.store,
    key: names.pocketKey,
    stage: names.stage,
    project: names.project,
    managed: Object.fromEntries(
      Object.entries(managed).map(([name, m]) => [
        name,
        "env" in m ? { type: m.type, env: m.env } : { type: m.type, pem: m.pemEnv, pub: m.pubEnv },
      ]),
    ),
    user,
  };
  return {
    store: s.store,
    pocketKey: names.pocketKey,
    ssmPath: `/${names.pocketKey}/`,
    region: names.region,
    managed,
    user,
    extraResources: s.extraResources,
    requireListSecrets: s.requireListSecrets,
    allowedSmResources: unique(
      sm.map((r) => (r.startsWith("arn:") ? r : `${SM_ARN}${r}`)).flatMap(withSuffix),
    ),
    allowedSsmResources: unique(
      ssm.map((r) => (r.startsWith("arn:") ? r : `${SSM_ARN}${r.startsWith("/") ? "" : "/"}${r}`)),
    ),
    runtime,
  };
}

/**
 * A secret's full ARN ends in `-` + 6 random characters that a user rarely writes; grant the
 * name as written and with that suffix. Wildcards and the pocket secret are left as they are.
 */
function withSuffix(arn: string): string[] {
  return arn.includes("*") || arn.includes("?") ? [arn] : [arn, `${arn}-??????`];
}

function unique(list: string[]): string[] {
  return [...new Set(list)];
}

/** Env var names a managed secret expands to at runtime (the id env comes from the deploy). */
export function secretEnvVars(m: ManagedSecretContext): string[] {
  return "env" in m ? [m.env] : [m.pemEnv, m.pubEnv];
}
