import type { PocketContext } from "@magic-pocket/config";
import { containerViews } from "../../resources/container-views.js";
import { A, P, type PolicyStatement } from "../../resources/permissions.js";

/**
 * Narrowing the statements of services whose resources get ids chosen by AWS
 * (docs/decisions.md#e11-deploy-role-boundary). Their create and describe calls cannot name a
 * resource that does not exist yet, so those keep `*`; but the calls that change or end an
 * existing resource are allowed only on resources of this stage:
 *
 * - by the tag `aws:cloudformation:stack-name`, which CloudFormation puts on every taggable
 *   resource it creates and which nobody can set or remove (the `aws:` prefix is reserved), so a
 *   deploy role cannot retag another stage's VPC into its reach;
 * - by name, where the ARN holds a name pocket chose (WAF web ACLs and IP sets);
 * - by record name, for Route 53 (`route53:ChangeResourceRecordSetsNormalizedRecordNames`).
 */
export const STACK_TAG = "aws:ResourceTag/aws:cloudformation:stack-name";

/** What the split gives back: statements for the caller's `allow`. */
export interface ScopedPart {
  suffix: string;
  actions: string[];
  resources: string[] | "*";
  condition?: PolicyStatement["Condition"];
  reason?: string;
}

/**
 * The calls that change or remove a resource that existed before (never one CloudFormation is
 * creating in the same step), per service, that a stack-name tag can scope. Ingress is only ever
 * added to groups made earlier: the VPC stack's EFS group and pocket's database group (which
 * DatabaseSecurityGroup scopes by its Name tag). Left out on purpose (they keep `*`, with the service's reason): calls CloudFormation
 * makes while creating a resource (ModifyVpcAttribute, AuthorizeSecurityGroupEgress and
 * RevokeSecurityGroupEgress of a new group, CreateTags, TagResource), and
 * ec2:DeleteNetworkInterface, whose interfaces EFS creates for its mount targets untagged.
 */
const EXISTING_ONLY: Record<string, string[]> = {
  EC2: [
    "ec2:DeleteVpc",
    "ec2:DeleteSubnet",
    "ec2:DeleteRouteTable",
    "ec2:DeleteRoute",
    "ec2:ReplaceRoute",
    "ec2:DeleteInternetGateway",
    "ec2:DetachInternetGateway",
    "ec2:DeleteNatGateway",
    "ec2:ReleaseAddress",
    "ec2:DeleteSecurityGroup",
    "ec2:AuthorizeSecurityGroupIngress",
    "ec2:RevokeSecurityGroupIngress",
    "ec2:DisassociateRouteTable",
    "ec2:DeleteTags",
  ],
  EFS: [
    "elasticfilesystem:DeleteFileSystem",
    "elasticfilesystem:DeleteMountTarget",
    "elasticfilesystem:DeleteAccessPoint",
  ],
  // CloudFormation creates a distribution with its tags in one call (CreateDistributionWithTags).
  CloudFront: ["cloudfront:DeleteDistribution", "cloudfront:UpdateDistribution"],
  CertificateManager: ["acm:DeleteCertificate"],
};

/** The stage's names the split scopes to. */
export interface StageNames {
  stacks: string[];
  webAcls: string[];
  ipSets: string[];
  /** Every record name the stage's stacks write (lower case, no trailing dot). */
  domains: string[];
}

export function stageNames(ctx: PocketContext, stacks: string[]): StageNames {
  const cfs = Object.values(ctx.cloudfront ?? {});
  const domains = [
    // Every container's API domains (a stage of several `[container.<name>]` has one stack each).
    ...containerViews(ctx).flatMap((v) =>
      Object.values(v.ctx.container!.handlers).flatMap((h) =>
        h.apigateway?.domain ? [h.apigateway.domain] : [],
      ),
    ),
    ...cfs.flatMap((cf) => [...(cf.domain ? [cf.domain] : []), ...cf.redirectFrom.map((r) => r.domain)]),
  ].map((d) => d.toLowerCase().replace(/\.$/, ""));
  return {
    stacks,
    webAcls: cfs.flatMap((cf) => (cf.waf ? [cf.waf.webAclName] : [])),
    ipSets: cfs.flatMap((cf) => (cf.waf ? [cf.waf.ipSetNames.v4, cf.waf.ipSetNames.v6] : [])),
    domains: [...new Set(domains)].sort(),
  };
}

/**
 * One `*` statement of a resource-type group split into what must stay `*` and what can be
 * scoped to the stage. `service` is the group key (EC2, EFS, CloudFront, WAFv2, ...).
 */
export function splitAnyStatement(service: string, actions: string[], names: StageNames): ScopedPart[] {
  const parts: ScopedPart[] = [];
  let rest = actions;
  const existing = EXISTING_ONLY[service];
  if (existing && names.stacks.length > 0) {
    const own = actions.filter((a) => existing.includes(a));
    rest = actions.filter((a) => !existing.includes(a));
    if (own.length > 0)
      parts.push({
        suffix: "OwnStacks",
        actions: own,
        resources: "*",
        condition: { StringEquals: { [STACK_TAG]: names.stacks } },
        reason:
          "the resources' ids are chosen by AWS; the condition limits these calls to resources CloudFormation created in the stage's stacks (their aws:cloudformation:stack-name tag)",
      });
  }
  if (service === "WAFv2" && names.webAcls.length + names.ipSets.length > 0) {
    // A CloudFront web ACL lives in us-east-1 under the scope "global"; its id follows the name.
    const arns = [
      ...names.webAcls.map((n) => `arn:${P}:wafv2:us-east-1:${A}:global/webacl/${n}/*`),
      ...names.ipSets.map((n) => `arn:${P}:wafv2:us-east-1:${A}:global/ipset/${n}/*`),
    ];
    const named = actions.filter((a) => !/^wafv2:Create/.test(a));
    rest = actions.filter((a) => /^wafv2:Create/.test(a));
    parts.push({ suffix: "ByName", actions: named, resources: arns });
  }
  if (service === "Route53" && names.domains.length > 0) {
    const change = actions.filter((a) => a === "route53:ChangeResourceRecordSets");
    rest = actions.filter((a) => a !== "route53:ChangeResourceRecordSets");
    if (change.length > 0)
      parts.push({
        suffix: "OwnRecords",
        actions: change,
        resources: [`arn:${P}:route53:::hostedzone/*`],
        // The stage's names and ACM's validation records for them (`_<token>.<name>`). Null:
        // ForAllValues alone would also hold for a request without the key.
        condition: {
          Null: { "route53:ChangeResourceRecordSetsNormalizedRecordNames": "false" },
          "ForAllValues:StringLike": {
            "route53:ChangeResourceRecordSetsNormalizedRecordNames": names.domains.flatMap((d) => [
              d,
              `_*.${d}`,
            ]),
          },
        },
        reason:
          "hosted zone ids are looked up at deploy time; the condition limits the change to the stage's own record names",
      });
  }
  if (rest.length > 0) parts.push({ suffix: "Any", actions: rest, resources: "*" });
  return parts;
}
