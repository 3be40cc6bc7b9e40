import type { CloudFrontContext } from "@magic-pocket/config";
import { CliError } from "../../errors.js";
import type { RunContext } from "../resource.js";

/** An IP set of a distribution's allow list, as the WAFv2 API names it. */
export interface IpSetRef {
  name: string;
  id: string;
  version: 4 | 6;
}

/** CloudFront's web ACLs and IP sets live in us-east-1 (scope CLOUDFRONT), wherever the stack is. */
export const WAF_REGION = "us-east-1";

/** The WAFv2 statement shape read here (the SDK's, narrowed to what holds an IP set reference). */
interface Statement {
  IPSetReferenceStatement?: { ARN?: string };
  AndStatement?: { Statements?: Statement[] };
  OrStatement?: { Statements?: Statement[] };
}

/**
 * The IP sets of the original's web ACL, kept on a stage its current version deployed: those an
 * Allow rule of that web ACL names (alone, or inside an AND / OR), read from the web ACL itself,
 * since its `{cfslug}-waf` stack chose their names and pocket leaves that stack as it is
 * (docs/decisions.md#a1-taking-over-a-stage-deployed-by-the-original). Refused when there is
 * none: the original's `enable_ip_set = false` has no allow list.
 */
export async function keptIpSets(
  run: RunContext,
  cf: CloudFrontContext,
  webAclArn: string,
): Promise<IpSetRef[]> {
  const { GetIPSetCommand, GetWebACLCommand } = await import("@aws-sdk/client-wafv2");
  const waf = await run.aws(WAF_REGION).wafv2();
  const acl = nameAndId(webAclArn, "webacl");
  if (!acl) {
    throw new CliError(
      "original-web-acl-unreadable",
      `${cf.name}'s distribution names ${webAclArn}, not a CloudFront web ACL.`,
      {
        hint: "Edit its allow list in the WAF console (us-east-1).",
      },
    );
  }
  const got = await waf.send(new GetWebACLCommand({ Name: acl.name, Id: acl.id, Scope: "CLOUDFRONT" }));
  const allowing = (got.WebACL?.Rules ?? []).filter((r) => r.Action?.Allow !== undefined);
  const arns = [...new Set(allowing.flatMap((r) => ipSetArns(r.Statement as Statement | undefined)))];
  const refs = arns.flatMap((arn) => nameAndId(arn, "ipset") ?? []);
  if (refs.length === 0) {
    throw new CliError(
      "original-web-acl-no-ip-set",
      `the original's web ACL of ${cf.name} (${webAclArn}) has no rule that allows an IP set: there is no allow list to edit.`,
      {
        hint: `Its rules are the ${cf.slug}-waf stack's (us-east-1), which pocket leaves as it is: add an Allow rule on an IP set there or in the WAF console.`,
      },
    );
  }
  const out: IpSetRef[] = [];
  for (const ref of refs) {
    const set = await waf.send(new GetIPSetCommand({ Name: ref.name, Id: ref.id, Scope: "CLOUDFRONT" }));
    out.push({ ...ref, version: set.IPSet?.IPAddressVersion === "IPV6" ? 6 : 4 });
  }
  return out;
}

/** `arn:aws:wafv2:us-east-1:<account>:global/<kind>/<name>/<id>` → its name and id. */
function nameAndId(arn: string, kind: "webacl" | "ipset"): { name: string; id: string } | undefined {
  const m = new RegExp(`^arn:[^:]+:wafv2:[^:]*:[^:]*:global/${kind}/([^/]+)/([^/]+)$`).exec(arn);
  return m ? { name: m[1]!, id: m[2]! } : undefined;
}

/** A NOT statement is left out: an IP set under it lists addresses that are not allowed. */
function ipSetArns(s: Statement | undefined): string[] {
  if (!s) return [];
  return [
    ...(s.IPSetReferenceStatement?.ARN ? [s.IPSetReferenceStatement.ARN] : []),
    ...(s.AndStatement?.Statements ?? []).flatMap(ipSetArns),
    ...(s.OrStatement?.Statements ?? []).flatMap(ipSetArns),
  ];
}
