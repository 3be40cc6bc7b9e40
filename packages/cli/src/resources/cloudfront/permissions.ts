import { DOMAIN_TYPES, FIND_HOSTED_ZONES } from "../domain-permissions.js";
import { A, type KindPermissions, P } from "../permissions.js";
import { originalStageGrants } from "./original-permissions.js";

/**
 * The distributions' stacks and buckets, their WAF, and the calls pocket makes on a deployed
 * distribution (invalidations, the key value store of its routes). The keys stacks of the
 * cloudfront-keys kind are declared here too, each beside its distribution's: their public keys
 * and key groups are CloudFront types of this table.
 */
export const cloudfrontPermissions: KindPermissions = {
  stackTypes: [
    {
      group: "CloudFront",
      reason:
        "CloudFront ids (distributions, keys, policies, origin access controls) are chosen by AWS; its create calls have no resource-level permissions, and functions, keys, key groups, origin access controls and response headers policies carry no tags (CloudFront refuses to delete one a distribution still uses; distributions are in StackCloudFrontOwnStacks)",
      types: {
        "AWS::CloudFront::Distribution": [
          "cloudfront:CreateDistribution",
          "cloudfront:GetDistribution",
          "cloudfront:GetDistributionConfig",
          "cloudfront:UpdateDistribution",
          "cloudfront:DeleteDistribution",
          "cloudfront:TagResource",
          "cloudfront:UntagResource",
          "cloudfront:ListTagsForResource",
        ],
        "AWS::CloudFront::Function": [
          "cloudfront:CreateFunction",
          "cloudfront:DescribeFunction",
          "cloudfront:GetFunction",
          "cloudfront:UpdateFunction",
          "cloudfront:PublishFunction",
          "cloudfront:DeleteFunction",
        ],
        "AWS::CloudFront::OriginAccessControl": [
          "cloudfront:CreateOriginAccessControl",
          "cloudfront:GetOriginAccessControl",
          "cloudfront:UpdateOriginAccessControl",
          "cloudfront:DeleteOriginAccessControl",
        ],
        "AWS::CloudFront::ResponseHeadersPolicy": [
          "cloudfront:CreateResponseHeadersPolicy",
          "cloudfront:GetResponseHeadersPolicy",
          "cloudfront:UpdateResponseHeadersPolicy",
          "cloudfront:DeleteResponseHeadersPolicy",
        ],
        "AWS::CloudFront::KeyValueStore": [
          "cloudfront:CreateKeyValueStore",
          "cloudfront:DescribeKeyValueStore",
          "cloudfront:UpdateKeyValueStore",
          "cloudfront:DeleteKeyValueStore",
        ],
        "AWS::CloudFront::PublicKey": [
          "cloudfront:CreatePublicKey",
          "cloudfront:GetPublicKey",
          "cloudfront:UpdatePublicKey",
          "cloudfront:DeletePublicKey",
        ],
        "AWS::CloudFront::KeyGroup": [
          "cloudfront:CreateKeyGroup",
          "cloudfront:GetKeyGroup",
          "cloudfront:UpdateKeyGroup",
          "cloudfront:DeleteKeyGroup",
        ],
      },
    },
    {
      group: "WAFv2",
      reason: "web ACL and IP set ids are chosen by AWS at creation",
      types: {
        "AWS::WAFv2::WebACL": [
          "wafv2:CreateWebACL",
          "wafv2:GetWebACL",
          "wafv2:UpdateWebACL",
          "wafv2:DeleteWebACL",
          "wafv2:TagResource",
          "wafv2:UntagResource",
          "wafv2:ListTagsForResource",
        ],
        "AWS::WAFv2::IPSet": [
          "wafv2:CreateIPSet",
          "wafv2:GetIPSet",
          "wafv2:UpdateIPSet",
          "wafv2:DeleteIPSet",
          "wafv2:TagResource",
          "wafv2:ListTagsForResource",
        ],
      },
    },
    ...DOMAIN_TYPES,
  ],
  forStage: (ctx) => {
    const cfs = Object.values(ctx.cloudfront ?? {});
    if (cfs.length === 0) return {};
    // A file in the original's current spelling (only it names its containers) may be of a stage
    // that version deployed, whose distribution and keys stacks pocket keeps in the stage's
    // region (docs/decisions.md#a1-taking-over-a-stage-deployed-by-the-original): the same stacks
    // may be managed there too.
    const head = ctx.container?.name !== undefined && ctx.region !== "us-east-1";
    const regions = (cf: (typeof cfs)[number]) => [
      cf.region,
      ...(head && cf.region !== ctx.region ? [ctx.region] : []),
    ];
    return {
      // Each distribution's stack, then its keys stack (cloudfront-keys) when it signs URLs.
      stacks: cfs.flatMap((cf) =>
        regions(cf).flatMap((region) => [
          { name: cf.stackName, region },
          ...(cf.signingKey ? [{ name: cf.signingKey.keysStackName, region }] : []),
        ]),
      ),
      buckets: cfs.map((cf) => cf.bucketName),
      calls: [
        ...(cfs.some((cf) => cf.domain) ? [FIND_HOSTED_ZONES] : []),
        ...originalStageGrants(ctx, cfs, head),
        {
          sid: "FrontEnds",
          part: "front-ends",
          actions: [
            "cloudfront:CreateInvalidation",
            "cloudfront:GetInvalidation",
            "cloudfront:DescribeKeyValueStore",
            "cloudfront-keyvaluestore:DescribeKeyValueStore",
            "cloudfront-keyvaluestore:GetKey",
            "cloudfront-keyvaluestore:PutKey",
            "cloudfront-keyvaluestore:ListKeys",
          ],
          resources: [
            `arn:${P}:cloudfront::${A}:distribution/*`,
            `arn:${P}:cloudfront::${A}:key-value-store/*`,
          ],
          reason: "distribution and key value store ids are chosen by CloudFront",
        },
      ],
    };
  },
};
