import type { CloudFrontContext } from "@magic-pocket/config";
import { redirectFunctionSource } from "../cloudfront/functions/index.js";
import { cfn, type Json, type TemplateResource } from "./template.js";

/*
 * A distribution's domains: certificates, viewer certificate, alias records and pocket's
 * `redirect_from` distributions (cloudfront.ts assembles them; a stage the original's current
 * version deployed keeps its own shape instead, docs/decisions.md#a1-taking-over-a-stage-deployed-by-the-original).
 */

/** The hosted zone every CloudFront alias record points into. */
export const CLOUDFRONT_ALIAS_ZONE = "Z2FDTNDATAQYW2";

/** A hosted zone id given in the configuration, else the parameter the deploy fills. */
export const hostedZone = (override: string | undefined, parameter: string): Json =>
  override ?? cfn.ref(parameter);

export function certificate(domain: string, hostedZoneId: Json, tag: string): TemplateResource {
  return {
    Type: "AWS::CertificateManager::Certificate",
    Properties: {
      DomainName: domain,
      ValidationMethod: "DNS",
      DomainValidationOptions: [{ DomainName: domain, HostedZoneId: hostedZoneId }],
      Tags: cfn.tags({ Name: tag }),
    },
  };
}

export function viewerCertificate(certificateArn: Json | undefined): Json {
  if (!certificateArn) return { CloudFrontDefaultCertificate: true };
  return {
    AcmCertificateArn: certificateArn,
    SslSupportMethod: "sni-only",
    MinimumProtocolVersion: "TLSv1.2_2021",
  };
}

/**
 * A and AAAA alias records (the distributions have IPv6 enabled): the A record as the original
 * named it (`DNSRecord<suffix>`), and ours for AAAA beside it.
 */
export function aliasRecords(
  suffix: string,
  domain: string,
  hostedZoneId: Json,
  distribution: string,
): Record<string, TemplateResource> {
  const record = (type: "A" | "AAAA"): TemplateResource => ({
    Type: "AWS::Route53::RecordSet",
    Properties: {
      Name: domain,
      Type: type,
      HostedZoneId: hostedZoneId,
      AliasTarget: {
        DNSName: cfn.getAtt(distribution, "DomainName"),
        HostedZoneId: CLOUDFRONT_ALIAS_ZONE,
        EvaluateTargetHealth: false,
      },
    },
  });
  return { [`DNSRecord${suffix}`]: record("A"), [`DnsRecordAaaa${suffix}`]: record("AAAA") };
}

/**
 * A `redirect_from` domain as pocket makes it: its certificate, a 301 function, a distribution
 * (`{main}<X>`, caching with `cachePolicyId`) and DNS.
 */
export function redirectResources(
  cf: CloudFrontContext,
  rf: CloudFrontContext["redirectFrom"][number],
  main: string,
  cachePolicyId: string,
): Record<string, TemplateResource> {
  const cert = `Certificate${rf.logicalId}`;
  const fn = `RedirectFunction${rf.logicalId}`;
  const dist = `${main}${rf.logicalId}`;
  const rfZone = hostedZone(rf.hostedZoneIdOverride, `HostedZoneId${rf.logicalId}`);
  return {
    [cert]: certificate(rf.domain, rfZone, `${cf.certificateTag}-${rf.domain}`),
    [fn]: {
      Type: "AWS::CloudFront::Function",
      Properties: {
        Name: `${cf.slug}-redirect-${rf.logicalId}`.slice(0, 64),
        AutoPublish: true,
        FunctionCode: redirectFunctionSource(cf.domain!),
        FunctionConfig: { Comment: `301 from ${rf.domain} to ${cf.domain}`, Runtime: "cloudfront-js-2.0" },
      },
    },
    [dist]: {
      Type: "AWS::CloudFront::Distribution",
      DependsOn: [cert, fn],
      Properties: {
        DistributionConfig: {
          Comment: `${cf.slug} redirect from ${rf.domain}`,
          Enabled: true,
          IPV6Enabled: true,
          Aliases: [rf.domain],
          // The function answers every request; the origin is required but never reached.
          Origins: [
            {
              Id: "redirect",
              DomainName: cf.domain!,
              CustomOriginConfig: { OriginProtocolPolicy: "https-only", OriginSSLProtocols: ["TLSv1.2"] },
            },
          ],
          DefaultCacheBehavior: {
            TargetOriginId: "redirect",
            ViewerProtocolPolicy: "redirect-to-https",
            CachePolicyId: cachePolicyId,
            FunctionAssociations: [
              { EventType: "viewer-request", FunctionARN: cfn.getAtt(fn, "FunctionARN") },
            ],
          },
          ViewerCertificate: viewerCertificate(cfn.ref(cert)),
        },
      },
    },
    ...aliasRecords(rf.logicalId, rf.domain, rfZone, dist),
  };
}
