import type { ManagedSecretSettings, SecretsSettings } from "../schema/secrets.js";
import type { ManagedSecretContext, RuntimeSecretsDocument, SecretsContext } from "./types.js";

export const SM_ARN = "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:";
export const SSM_ARN = "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter";

/** The managed secret (and env var) with the values CloudFront sends in X-Pocket-Origin-Verify. */
export const ORIGIN_VERIFY_SECRET = "POCKET_ORIGIN_VERIFY_SECRET";

export function buildSecrets(
  s: SecretsSettings,
  names: { pocketKey: string; region: string; stage: string; project: string; originVerify: boolean },
): SecretsContext {
  const managed = managedSecrets(s, names.originVerify);
  const user: SecretsContext["user"] = {};
  for (const [name, u] of Object.entries(s.user)) user[name] = { name: u.name, store: u.store ?? s.store };
  const { sm, ssm } = readableSecrets(s, names.pocketKey, managed, user);
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
    runtime: runtimeDocument(s, names, managed, user),
  };
}

function managedSecrets(s: SecretsSettings, originVerify: boolean): Record<string, ManagedSecretContext> {
  const managed: Record<string, ManagedSecretContext> = {};
  // enable_origin_verify on any distribution: one generated value for all API origins.
  if (originVerify) managed[ORIGIN_VERIFY_SECRET] = { type: "origin_verify", env: ORIGIN_VERIFY_SECRET };
  for (const [name, spec] of Object.entries(s.managed)) managed[name] = managedSecret(name, spec);
  return managed;
}

/** The variables a managed secret sets: its own name, or the name with the suffixes of its parts. */
function managedSecret(name: string, spec: ManagedSecretSettings): ManagedSecretContext {
  switch (spec.type) {
    case "password":
      return { type: "password", length: spec.options.length, chars: spec.options.chars, env: name };
    case "rsa_pem_base64":
      return {
        type: spec.type,
        pemEnv: `${name}${spec.options.pemBase64EnvironSuffix}`,
        pubEnv: `${name}${spec.options.pubBase64EnvironSuffix}`,
      };
    case "basic_auth_credential":
      return { type: spec.type, username: spec.options.username, env: name };
    case "cloudfront_signing_key":
      return {
        type: spec.type,
        pemEnv: `${name}${spec.options.pemBase64EnvironSuffix}`,
        pubEnv: `${name}${spec.options.pubBase64EnvironSuffix}`,
        idEnv: `${name}${spec.options.idEnvironSuffix}`,
      };
    default:
      return { type: spec.type, env: name };
  }
}

/**
 * What the function may read, by store, as written or as ARNs. IAM resources without calling AWS
 * (docs/decisions.md#p5-building-the-context-never-calls-aws): the pocket secret's ARN ends in a
 * random 6-character suffix, matched with `-??????`.
 */
function readableSecrets(
  s: SecretsSettings,
  pocketKey: string,
  managed: Record<string, ManagedSecretContext>,
  user: SecretsContext["user"],
): { sm: string[]; ssm: string[] } {
  const sm: string[] = [];
  const ssm: string[] = [];
  for (const u of Object.values(user)) (u.store === "sm" ? sm : ssm).push(u.name);
  if (Object.keys(managed).length > 0) {
    if (s.store === "sm") sm.push(`${SM_ARN}${pocketKey}-??????`);
    else ssm.push(`${SSM_ARN}/${pocketKey}/*`);
  }
  for (const r of s.extraResources) {
    if (r.includes(":ssm:")) ssm.push(r);
    else if (r.includes(":secretsmanager:") || !r.startsWith("arn:")) sm.push(r);
  }
  return { sm, ssm };
}

/** The secrets document the runtime reads (POCKET_SECRETS). */
function runtimeDocument(
  s: SecretsSettings,
  names: { pocketKey: string; stage: string; project: string },
  managed: Record<string, ManagedSecretContext>,
  user: SecretsContext["user"],
): RuntimeSecretsDocument {
  return {
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
