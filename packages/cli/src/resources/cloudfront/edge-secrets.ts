import { CliError } from "../../errors.js";
import { ORIGIN_VERIFY_PARAMETER } from "../../templates/cloudfront.js";
import type { EdgeProtection } from "../../templates/edge.js";
import type { RunContext } from "../resource.js";
import { managedSecretStore } from "../secrets/store.js";
import { originVerifyHeaderValue, secretFingerprint } from "../secrets/values.js";

/** Stack tag holding a fingerprint of the origin-verify value (its parameter reads back as ****). */
export const ORIGIN_VERIFY_TAG = "pocket:origin-verify-fingerprint";

/** One NoEcho parameter of the distribution's stack whose value is a managed secret's. */
interface SecretParameter {
  parameter: string;
  secret: string;
  /** The stack tag with the value's fingerprint, so a new value shows as a change. */
  tag: string;
  /** The value the template takes, from the stored one. */
  value: (stored: unknown) => string | undefined;
  /** A WAF header allow rule's: not passed when the template has no WAF of its own. */
  waf?: boolean;
}

/**
 * The secret values a distribution's stack takes as NoEcho parameters, never in its template:
 * the origin-verify header CloudFront sends, and each WAF header allow rule's expected value.
 * Read from the secrets store once per run; each also tags the stack with a fingerprint.
 * `rendered` is the protection the template renders, asked at run time: a stage that keeps the
 * original's web ACL renders none (docs/decisions.md#a1-taking-over-a-stage-deployed-by-the-original).
 */
export function edgeSecretParameters(
  protection: EdgeProtection,
  rendered: () => EdgeProtection = () => protection,
) {
  const params: SecretParameter[] = [];
  if (protection.originVerify) {
    params.push({
      parameter: ORIGIN_VERIFY_PARAMETER,
      secret: protection.originVerify.secret,
      tag: ORIGIN_VERIFY_TAG,
      value: originVerifyHeaderValue,
    });
  }
  for (const h of protection.waf?.allowHeaders ?? []) {
    if (params.some((p) => p.parameter === h.parameter)) continue;
    params.push({
      parameter: h.parameter,
      secret: h.secret,
      tag: `pocket:waf-allow-${h.secret}-fingerprint`,
      value: (v) => (typeof v === "string" && v ? v : undefined),
      waf: true,
    });
  }
  if (params.length === 0) return {};
  const values = valuesReader(() => (rendered().waf ? params : params.filter((p) => !p.waf)));
  return {
    extraParameters: values,
    tags: async (run: RunContext) =>
      Object.fromEntries(
        Object.entries(await values(run)).map(([name, v]) => [
          params.find((p) => p.parameter === name)!.tag,
          secretFingerprint(v),
        ]),
      ),
    secretFingerprintTags: Object.fromEntries(params.map((p) => [p.parameter, p.tag])),
  };
}

/**
 * The parameters' values, read once per run (parameters and tags both need them). A failed read
 * is not kept: a status asked before the secrets resource created the values (the deploy's
 * read-ahead) must not decide what the deploy after it finds.
 */
function valuesReader(params: () => SecretParameter[]): (run: RunContext) => Promise<Record<string, string>> {
  const reads = new WeakMap<RunContext, Promise<Record<string, string>>>();
  return (run) => {
    let p = reads.get(run);
    if (!p) {
      const read = readValues(run, params());
      read.catch(() => {
        if (reads.get(run) === read) reads.delete(run);
      });
      reads.set(run, read);
      p = read;
    }
    return p;
  };
}

async function readValues(run: RunContext, params: SecretParameter[]): Promise<Record<string, string>> {
  const secrets = run.ctx.container?.secrets;
  const stored = secrets
    ? await managedSecretStore(run.aws(secrets.region), secrets, run.ctx.stage, run.ctx.project).read()
    : {};
  const out: Record<string, string> = {};
  for (const p of params) {
    const value = p.value(stored[p.secret]);
    if (!value) {
      throw new CliError("edge-secret-missing", `the managed secret ${p.secret} does not exist yet.`, {
        hint: "Deploy the whole stage (`pocket deploy` creates secrets first), or run `pocket resource awscontainer secrets create-pocket-managed`.",
      });
    }
    out[p.parameter] = value;
  }
  return out;
}
