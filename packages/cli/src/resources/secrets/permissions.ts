import type { PocketContext, SecretStore, SecretsContext } from "@magic-pocket/config";
import { sidSuffix } from "../container/permissions.js";
import { containerViews } from "../container-views.js";
import { A, type Grant, type KindPermissions, P } from "../permissions.js";
import { secretStores } from "./stores.js";

/**
 * The secrets pocket generates and keeps (the stage's document or parameter path), and the
 * user's own: plan, deploy and status ask only whether each exists (its metadata, or an SSM
 * parameter read without decryption); their values are read by the functions' role.
 */
export const secretsPermissions: KindPermissions = {
  forStage: (ctx) => {
    // Each store once (stores.ts), named after the first's with its container's name or Shared.
    const managed = secretStores(ctx).flatMap(({ id, secrets }, i) =>
      managedSecrets(secrets, i === 0 ? "" : sidSuffix(id.replace(/^secrets:/, "container:"))),
    );
    const users = containerViews(ctx).flatMap((v, i) =>
      userSecretsPresence(v.ctx, i === 0 ? "" : sidSuffix(v.id)),
    );
    return { calls: [...managed, ...users] };
  },
};

/**
 * What pocket calls on the stage's managed store, by store: the one Secrets Manager secret (its
 * six random characters matched), or the parameters under the stage's path.
 */
const MANAGED_STORE: Record<
  SecretStore,
  { sid: string; actions: string[]; resources(sec: SecretsContext): string[] }
> = {
  sm: {
    sid: "StageSecrets",
    actions: [
      "secretsmanager:CreateSecret",
      "secretsmanager:DescribeSecret",
      "secretsmanager:GetSecretValue",
      "secretsmanager:PutSecretValue",
      "secretsmanager:DeleteSecret",
      "secretsmanager:RestoreSecret",
      "secretsmanager:TagResource",
    ],
    resources: (sec) => [`arn:${P}:secretsmanager:${sec.region}:${A}:secret:${sec.pocketKey}-??????`],
  },
  ssm: {
    sid: "StageParameters",
    actions: [
      "ssm:PutParameter",
      "ssm:GetParameter",
      "ssm:GetParameters",
      "ssm:GetParametersByPath",
      "ssm:DeleteParameter",
      "ssm:DeleteParameters",
      "ssm:AddTagsToResource",
    ],
    resources: (sec) => [
      `arn:${P}:ssm:${sec.region}:${A}:parameter/${sec.pocketKey}`,
      `arn:${P}:ssm:${sec.region}:${A}:parameter/${sec.pocketKey}/*`,
    ],
  },
};

function managedSecrets(sec: SecretsContext, suffix: string): Grant[] {
  const { sid, actions, resources } = MANAGED_STORE[sec.store];
  return [{ sid: `${sid}${suffix}`, part: "secrets", actions, resources: resources(sec) }];
}

function userSecretsPresence(ctx: PocketContext, suffix: string): Grant[] {
  const sec = ctx.container?.secrets;
  if (!sec) return [];
  const users = Object.values(sec.user ?? {});
  // A name given as an ARN is taken as it is.
  const presence = (sid: string, action: string, store: string, arnOf: (name: string) => string): Grant => ({
    sid: `${sid}${suffix}`,
    part: "secrets",
    actions: [action],
    resources: users
      .filter((u) => u.store === store)
      .map((u) => (u.name.startsWith("arn:") ? u.name : arnOf(u.name))),
  });
  return [
    presence(
      "UserSecretsPresence",
      "secretsmanager:DescribeSecret",
      "sm",
      (name) => `arn:${P}:secretsmanager:${sec.region}:${A}:secret:${name}-??????`,
    ),
    presence(
      "UserParametersPresence",
      "ssm:GetParameter",
      "ssm",
      (name) => `arn:${P}:ssm:${sec.region}:${A}:parameter${name.startsWith("/") ? "" : "/"}${name}`,
    ),
  ];
}
