import type { PocketContext } from "@magic-pocket/config";
import { CliError } from "../errors.js";
import { writeErr } from "../util/stdio.js";
import type { OperationContext, Progress, RunContext } from "./resource.js";
import { storedUrlSecret } from "./secrets/stored-url.js";
import {
  describeUserSecret,
  userSecretPresence,
  userSecretRegion,
  writeUserSecret,
} from "./secrets/user-secrets.js";

/**
 * `pocket resource <neon|tidb|upstash> store-url`: with `provisioning = "command"` deploy never
 * calls the vendor; this ensures the stage's database as deploy would and writes its URL to the
 * stored user secret of the section's type, where deploy reads it
 * (docs/decisions.md#b12-provisioning-by-command). A stored URL is kept unless `--force`.
 */
export interface StoreUrl {
  /** The section, e.g. `neon`. */
  group: "neon" | "tidb" | "upstash";
  /** The stored user secret's type. */
  type: "neon_database_url" | "tidb_database_url" | "upstash_redis_url";
  vendor: string;
  /** What the command ensures, for its description ("the branch, role and database"). */
  ensures: string;
  /**
   * What `--force` does besides writing the URL again, when that is more (TiDB: a new password,
   * so the URL stored before stops working); said in the help, when a URL is kept, and after.
   */
  forceEffect?(ctx: PocketContext): string;
  /** The `--force` help, when `forceEffect` says more than "again". */
  forceHelp?: string;
  /** The vendor's side, loaded only when the command runs. */
  provision(): Promise<Provision>;
}

/** Ensures the database and returns its URL (never printed), what it resolved, and a warning. */
export type Provision = (
  run: RunContext,
  progress: Progress,
) => Promise<{ url: string; resolved: string; warning?: string }>;

export async function storeUrl(spec: StoreUrl, { run }: OperationContext, opts: { force?: boolean }) {
  const { ctx } = run;
  if (!ctx[spec.group]) {
    throw new CliError("section-missing", `stage ${ctx.stage} has no [${spec.group}] section.`, {
      hint: `Add [${spec.group}] (or [<stage>.${spec.group}]).`,
    });
  }
  const target = storedUrlSecret(ctx, spec.type);
  const aws = run.aws(userSecretRegion(target, ctx.region));
  const where = `${target.env} (${describeUserSecret(target)})`;
  const stored = (await userSecretPresence(aws, target)).state === "present";
  const effect = spec.forceEffect?.(ctx);
  if (stored && !opts.force) {
    writeErr(
      `${where} is already stored; nothing changed. Run with --force to store it again${effect ? ` (${effect})` : ""}.\n`,
    );
    return;
  }
  const progress = { update: (m: string) => writeErr(`${m}...\n`), log: (m: string) => writeErr(`${m}\n`) };
  const { url, resolved, warning } = await (await spec.provision())(run, progress);
  writeErr(`stage=${ctx.stage} → ${resolved}\n`);
  if (warning) writeErr(`warning: ${warning}\n`);
  await writeUserSecret(aws, target, url);
  writeErr(`stored the ${spec.vendor} URL in ${where}.\n`);
  if (stored && effect) {
    writeErr(
      `warning: --force ${effect}. The functions read the new one at their next cold start: \`pocket resource awscontainer secrets reload --stage ${ctx.stage}\` starts new ones now.\n`,
    );
  }
}
