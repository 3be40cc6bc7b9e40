import { dirname } from "node:path";
import { djangoDeployWarnings } from "../django/checks.js";
import { CliError } from "../errors.js";
import type { RunContext } from "../resources/resource.js";
import { isStoredUrl } from "../resources/secrets/stored-url.js";
import {
  describeUserSecret,
  setCommand,
  type UserSecret,
  type UserSecretPresence,
  userSecretPresence,
  userSecretRegion,
  userSecretsOf,
} from "../resources/secrets/user-secrets.js";
import { writeErr } from "../util/stdio.js";
import { withAwsErrors } from "./aws-errors.js";

/**
 * The checks `pocket plan` and `pocket deploy` both run before anything changes: one list, so
 * plan warns about everything deploy would. Each finding is a warning; `blocking` ones (the
 * deployed functions cannot start without them fixed) stop a strict deploy.
 */
export interface PreflightFinding {
  code: string;
  message: string;
  hint: string;
  blocking: boolean;
}

export async function preflight(run: RunContext): Promise<PreflightFinding[]> {
  const django = djangoDeployWarnings(run.ctx, dirname(run.config.file)).map((w) => ({
    ...w,
    blocking: false,
  }));
  return [...django, ...(await userSecretFindings(run))];
}

/** Each declared user secret's presence, asked at the same time. */
export function userSecretStates(
  run: RunContext,
): Promise<{ secret: UserSecret; presence: UserSecretPresence }[]> {
  const secrets = userSecretsOf(run.ctx.container?.secrets);
  return withAwsErrors(run.ctx.region, () =>
    Promise.all(
      secrets.map(async (secret) => ({
        secret,
        presence: await userSecretPresence(run.aws(userSecretRegion(secret, run.ctx.region)), secret),
      })),
    ),
  );
}

/**
 * The command that fills a user secret: a stored URL of a section provisioned by command comes
 * from `pocket resource <section> store-url` (docs/decisions.md#b12-provisioning-by-command), any
 * other from `secrets set`.
 */
function fillCommand(run: RunContext, secret: UserSecret): string {
  for (const [group, type] of STORED_URLS) {
    if (run.ctx[group]?.provisioning === "command" && isStoredUrl(secret, type))
      return `pocket resource ${group} store-url --stage ${run.ctx.stage}`;
  }
  return setCommand(secret.env, run.ctx.stage);
}

const STORED_URLS = [
  ["neon", "neon_database_url"],
  ["tidb", "tidb_database_url"],
  ["upstash", "upstash_redis_url"],
] as const;

/** A user secret that does not exist fails every cold start: say so before the deploy, not after. */
async function userSecretFindings(run: RunContext): Promise<PreflightFinding[]> {
  const out: PreflightFinding[] = [];
  for (const { secret, presence } of await userSecretStates(run)) {
    const what = `user secret ${secret.env} (${describeUserSecret(secret)})`;
    switch (presence.state) {
      case "present":
        break;
      case "missing":
      case "scheduled-for-deletion":
        out.push({
          code: "user-secret-missing",
          message: `${what} ${presence.state === "missing" ? "does not exist" : "is scheduled for deletion"}: the functions of stage ${run.ctx.stage} fail at every cold start without it.`,
          hint: `Create it with \`${fillCommand(run, secret)}\`.`,
          blocking: true,
        });
        break;
      case "unknown":
        out.push({
          code: "user-secret-unchecked",
          message: `could not check that ${what} exists (${presence.reason}).`,
          hint: "Grant secretsmanager:DescribeSecret (sm) or ssm:GetParameter (ssm) on it to the deploying principal, or check it by hand.",
          blocking: false,
        });
    }
  }
  return out;
}

/**
 * Strict: `--strict`, or a CI run (`CI` set, as CI services do and as the progress display
 * already reads it), where nobody reads a warning before the functions fail.
 */
export function strictMode(
  flag: boolean | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (flag) return "--strict";
  const ci = env.CI;
  return ci && ci !== "false" && ci !== "0" ? `CI=${ci}` : undefined;
}

/** Prints the findings (stderr); a strict run with a blocking one stops here, before any change. */
export function reportPreflight(findings: readonly PreflightFinding[], strict: string | undefined): void {
  for (const f of findings) writeErr(`warning[${f.code}]: ${f.message}\n  hint: ${f.hint}\n`);
  const blocking = findings.filter((f) => f.blocking);
  if (!strict || blocking.length === 0) return;
  throw new CliError(
    "preflight-failed",
    `${blocking.length === 1 ? "a pre-flight check" : `${blocking.length} pre-flight checks`} failed (${blocking.map((f) => f.code).join(", ")}) and this deploy is strict (${strict}); nothing was changed.`,
    { hint: blocking[0]!.hint },
  );
}
