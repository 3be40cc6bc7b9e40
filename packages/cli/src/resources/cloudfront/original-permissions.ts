import type { CloudFrontContext, PocketContext } from "@magic-pocket/config";
import { A, type Grant, P } from "../permissions.js";
import { originalEdgeStackNames } from "./original-edge-stacks.js";

/**
 * What the deploy role needs beyond pocket's own shape for a stage the original's current
 * version may have deployed (docs/decisions.md#a1-taking-over-a-stage-deployed-by-the-original):
 * finding its distribution stacks in the stage's region, deleting its `{cfslug}-acm` and
 * `{cfslug}-waf` stacks at destroy, and `pocket waf ip` on the web ACL that version made.
 * `head` says the file is in that version's spelling outside us-east-1.
 */
export function originalStageGrants(ctx: PocketContext, cfs: CloudFrontContext[], head: boolean): Grant[] {
  return [
    // The takeover check looks for the distribution stacks in the stage's region.
    ...(cfs.some((cf) => cf.region !== ctx.region)
      ? [
          {
            sid: "OriginalDistributionStacks",
            part: "front-ends" as const,
            actions: ["cloudformation:DescribeStacks"],
            resources: cfs.map((cf) => `arn:${P}:cloudformation:${ctx.region}:${A}:stack/${cf.stackName}/*`),
          },
        ]
      : []),
    // Destroy deletes the certificate and web ACL stacks that version kept in us-east-1
    // (original-edge-stacks.ts); pocket never creates or updates them.
    ...(head
      ? [
          {
            sid: "OriginalEdgeStacks",
            part: "front-ends" as const,
            actions: [
              "cloudformation:DescribeStacks",
              "cloudformation:DescribeStackEvents",
              "cloudformation:DeleteStack",
            ],
            resources: cfs.flatMap((cf) =>
              originalEdgeStackNames(cf).map(
                (name) => `arn:${P}:cloudformation:us-east-1:${A}:stack/${name}/*`,
              ),
            ),
          },
        ]
      : []),
    // `pocket waf ip` on such a stage edits the IP set of the web ACL that version's
    // {cfslug}-waf stack made, found from the web ACL's rules (original-web-acl.ts).
    ...(head && cfs.some((cf) => cf.waf)
      ? [
          {
            sid: "OriginalWebAcls",
            part: "front-ends" as const,
            actions: ["wafv2:GetWebACL", "wafv2:GetIPSet", "wafv2:UpdateIPSet"],
            resources: [
              `arn:${P}:wafv2:us-east-1:${A}:global/webacl/*`,
              `arn:${P}:wafv2:us-east-1:${A}:global/ipset/*`,
            ],
            reason:
              "the original's {cfslug}-waf stack chose the names of its web ACL and IP sets, and pocket permissions, offline, cannot read them",
          },
        ]
      : []),
  ];
}
