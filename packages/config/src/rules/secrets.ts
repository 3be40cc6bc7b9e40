import type { PocketContext } from "../context/types.js";
import type { Issue } from "../diagnostics.js";

/**
 * `extra_resources` widens what the functions may read (secretsmanager:GetSecretValue,
 * ssm:GetParameter*). A wildcard grants every matching secret of the account, and an ARN in
 * another region (or account) is usually a copy-paste from another stage: both are allowed, with
 * a warning. The account is unknown until deploy (no AWS calls here), so only a wildcard account
 * is flagged; a different account in the ARN is reported when the ARNs disagree among themselves.
 */
export function extraResourceWarnings(ctx: PocketContext): Issue[] {
  const secrets = ctx.container?.secrets;
  if (!secrets) return [];
  const issues: Issue[] = [];
  const warn = (i: number, message: string, hint: string) =>
    issues.push({
      severity: "warning",
      code: "extra-resource-broad",
      message,
      path: ["awscontainer", "secrets", "extra_resources", i],
      hint,
    });
  const accounts = new Set<string>();
  secrets.extraResources.forEach((r) => {
    const parts = r.split(":");
    if (r.startsWith("arn:") && parts.length >= 6 && parts[4] && !parts[4].includes("*"))
      accounts.add(parts[4]);
  });
  secrets.extraResources.forEach((resource, i) => {
    if (resource.includes("*")) {
      warn(
        i,
        resource === "*"
          ? `extra_resources "*" lets every function of the stage read every secret and parameter of the account`
          : `extra_resources "${resource}" has a wildcard: the functions may read every secret it matches`,
        "Name each secret (its ARN or name) the app needs.",
      );
    }
    if (!resource.startsWith("arn:")) return;
    const [, , service, region, account] = resource.split(":");
    if (region && region !== "*" && region !== secrets.region) {
      warn(
        i,
        `extra_resources "${resource}" is in region ${region}, but stage ${ctx.stage} runs in ${secrets.region}`,
        "The runtime reads secrets in the stage's region; check that this ARN belongs to this stage.",
      );
    }
    if (account && !account.includes("*") && accounts.size > 1) {
      warn(
        i,
        `extra_resources names ${service} resources in ${accounts.size} accounts (${[...accounts].join(", ")}); a stage runs in one`,
        "Check that each ARN belongs to the account this stage deploys to.",
      );
    }
  });
  return issues;
}
