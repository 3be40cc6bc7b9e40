import type { Grant, StackTypeGroup } from "./permissions.js";

/**
 * Custom domains, of an API (the container stack) or of a distribution (a CloudFront stack):
 * the certificate and DNS record types both stacks use, and the hosted-zone lookup pocket makes
 * for them. Declared here once; both kinds list them.
 */
export const DOMAIN_TYPES: readonly StackTypeGroup[] = [
  {
    group: "CertificateManager",
    reason: "RequestCertificate has no resource-level permissions and certificate ids are chosen by ACM",
    types: {
      "AWS::CertificateManager::Certificate": [
        "acm:RequestCertificate",
        "acm:DescribeCertificate",
        "acm:DeleteCertificate",
        "acm:AddTagsToCertificate",
        "acm:RemoveTagsFromCertificate",
        "acm:ListTagsForCertificate",
      ],
    },
  },
  {
    group: "Route53",
    reason: "hosted zone ids are looked up at deploy time, change ids are chosen by Route 53",
    types: {
      "AWS::Route53::RecordSet": [
        "route53:ChangeResourceRecordSets",
        "route53:ListResourceRecordSets",
        "route53:GetChange",
        "route53:GetHostedZone",
      ],
    },
  },
];

export const FIND_HOSTED_ZONES: Grant = {
  sid: "FindHostedZones",
  part: "domains",
  actions: ["route53:ListHostedZones", "route53:ListHostedZonesByName"],
  resources: "*",
  reason: "ListHostedZones has no resource-level permissions",
};
