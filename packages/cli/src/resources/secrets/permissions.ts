import type { PocketContext } from "@magic-pocket/config";
import { A, type Grant, type KindPermissions, P } from "../permissions.js";

/**
 * The secrets pocket generates and keeps (the stage's document or parameter path), and the
 * user's own: plan, deploy and status ask only whether each exists (its metadata, or an SSM
 * parameter read without decryption); their values are read by the functions' role.
 */
export const secretsPermissions: KindPermissions = {
  forStage: (ctx) => ({ calls: [...managedSecrets(ctx), ...userSecretsPresence(ctx)] }),
};

function managedSecrets(ctx: PocketContext): Grant[] {
  const sec = ctx.container?.secrets;
  if (sec?.store === "sm")
    return [
      {
        sid: "StageSecrets",
        part: "secrets",
        actions: [
          "secretsmanager:CreateSecret",
          "secretsmanager:DescribeSecret",
          "secretsmanager:GetSecretValue",
          "secretsmanager:PutSecretValue",
          "secretsmanager:DeleteSecret",
          "secretsmanager:RestoreSecret",
          "secretsmanager:TagResource",
        ],
        resources: [`arn:${P}:secretsmanager:${sec.region}:${A}:secret:${sec.pocketKey}-??????`],
      },
    ];
  if (sec?.store === "ssm")
    return [
      {
        sid: "StageParameters",
        part: "secrets",
        actions: [
          "ssm:PutParameter",
          "ssm:GetParameter",
          "ssm:GetParameters",
          "ssm:GetParametersByPath",
          "ssm:DeleteParameter",
          "ssm:DeleteParameters",
          "ssm:AddTagsToResource",
        ],
        resources: [
          `arn:${P}:ssm:${sec.region}:${A}:parameter/${sec.pocketKey}`,
          `arn:${P}:ssm:${sec.region}:${A}:parameter/${sec.pocketKey}/*`,
        ],
      },
    ];
  return [];
}

function userSecretsPresence(ctx: PocketContext): Grant[] {
  const sec = ctx.container?.secrets;
  if (!sec) return [];
  const users = Object.values(sec.user ?? {});
  return [
    {
      sid: "UserSecretsPresence",
      part: "secrets",
      actions: ["secretsmanager:DescribeSecret"],
      resources: users
        .filter((u) => u.store === "sm")
        .map((u) =>
          u.name.startsWith("arn:")
            ? u.name
            : `arn:${P}:secretsmanager:${sec.region}:${A}:secret:${u.name}-??????`,
        ),
    },
    {
      sid: "UserParametersPresence",
      part: "secrets",
      actions: ["ssm:GetParameter"],
      resources: users
        .filter((u) => u.store === "ssm")
        .map((u) =>
          u.name.startsWith("arn:")
            ? u.name
            : `arn:${P}:ssm:${sec.region}:${A}:parameter${u.name.startsWith("/") ? "" : "/"}${u.name}`,
        ),
    },
  ];
}
