import type { CloudFrontContext } from "@magic-pocket/config";
import { explainAwsError } from "../../aws/errors.js";
import type { EdgeProtection } from "../../templates/edge.js";
import type { RunContext } from "../resource.js";
import { managedSecretStore } from "../secrets/store.js";
import { basicAuthCredential } from "../secrets/values.js";
import { listAllowList } from "./waf-ip.js";

/**
 * One line on a deployed distribution's protection for `pocket status`: origin verification,
 * basic auth (with its user), the WAF's rules and the allow list's size. A part that cannot be
 * read says so instead of failing the status.
 */
export async function protectionSummary(
  run: RunContext,
  cf: CloudFrontContext,
  protection: EdgeProtection,
): Promise<string> {
  const parts: string[] = [];
  if (protection.originVerify) parts.push("origin verify on");
  if (protection.basicAuth) {
    const secrets = run.ctx.container?.secrets;
    let user: string | undefined;
    try {
      const stored = secrets
        ? await managedSecretStore(run.aws(secrets.region), secrets, run.ctx.stage, run.ctx.project).read()
        : {};
      user = basicAuthCredential(stored[protection.basicAuth.secret])?.username;
    } catch {
      user = undefined;
    }
    parts.push(user ? `basic auth (user ${user})` : "basic auth (credential not created yet)");
  }
  const waf = protection.waf;
  if (waf) {
    const rules = [
      ...(waf.allowPaths.length || waf.allowExactPaths?.length ? ["allow paths"] : []),
      ...(waf.ipSets && (waf.protectedPaths === "all" || waf.protectedPaths.length) ? ["allow list"] : []),
      ...(waf.rateLimit !== undefined ? [`rate limit ${waf.rateLimit}/5 min`] : []),
      ...waf.managedRuleGroups,
    ];
    parts.push(`WAF: ${rules.join(", ") || "no rules"}`);
    if (waf.ipSets) {
      try {
        const n = (await listAllowList(run, cf)).length;
        parts.push(`allow list: ${n} ${n === 1 ? "entry" : "entries"}`);
      } catch (error) {
        const why = (explainAwsError(error, cf.region) ?? (error as Error)).message;
        parts.push(`allow list unreadable (${why})`);
      }
    }
  }
  return parts.join("; ");
}
