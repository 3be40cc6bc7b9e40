import { CloudFormationClient, DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import { CreateHostedZoneCommand, Route53Client } from "@aws-sdk/client-route-53";
import { project } from "../cli/run.js";
import { motoEnv } from "../moto/moto.js";
import { REGION } from "./harness.js";
import type { KvsServer } from "./kvs-server.js";
import {
  createStack,
  type OriginalStage,
  original,
  originalStage,
  withPublicKey,
} from "./original-stacks.js";

/*
 * tk2's stage as the original's current version (HEAD) deployed it, for the takeover tests of
 * takeover-head-domains.test.ts and takeover-head-waf.test.ts: an API domain, a distribution
 * domain with redirect_from, signed media, an SPA token. Its distribution stack in the stage's
 * region names the certificate of its `{cfslug}-acm` stack (us-east-1) by ARN. The templates are
 * read from beside the checkout (never copied in). The acm stack's template is not rendered: the
 * certificate it makes is requested from ACM in us-east-1 through the API, standing in for it,
 * and its ARN put where the rendering wrote a placeholder. moto makes hosted zones with its own
 * ids: the zone of example.com is made first and its id put for the rendered one, in the
 * templates and the file alike. moto lacks ApiGatewayV2 and ACM in CloudFormation (it skips those
 * resources): test/moto/server.py stands in for CloudFront and the API's custom domain, and
 * kvs-server.ts for the KeyValueStore's data plane, holding the SPA token secret the original put.
 */
const RENDERED_ZONE = "Z0123456789ABCDEFGHIJ";
const RENDERED_CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/abc";
export const TK2_STACKS = [
  ["dev-myapp-main-cloudfront-keys", REGION],
  ["dev-myapp-container-main", REGION],
  ["dev-myapp-main-cloudfront", REGION],
] as const;
const SPA_TOKEN = "a1".repeat(32);
const ACM_STACK = `Resources:
  Certificate:
    Type: AWS::CertificateManager::Certificate
    Properties:
      DomainName: www.example.com
      SubjectAlternativeNames: [example.com]
      ValidationMethod: DNS
`;

export interface Tk2Stage {
  before: OriginalStage;
  dir: string;
  toml: string;
  certificateArn: string;
  /** The KVS whose `token_secret` the original put (in `kvs.data`). */
  tokenKvsArn: string;
  spaToken: string;
}

/**
 * A fresh moto with tk2's HEAD stage; `distribution` may change the distribution's rendered
 * template before it is created (given after the certificate's ARN is put in), `tomlExtra` is
 * appended to the file, `secrets` are managed secrets the original stored beside SPA_TOKEN.
 */
export async function tk2Stage(
  kvs: KvsServer,
  o: {
    distribution?: (body: string) => Promise<string>;
    tomlExtra?: string;
    secrets?: Record<string, string>;
  } = {},
): Promise<Tk2Stage> {
  let zone = "";
  let certificateArn = "";
  const before = await originalStage({
    repository: "dev-myapp-pocket-main-lambda",
    bucket: "dev-myapp-pocket",
    secretId: "dev-myapp-main-pocket",
    functions: ["dev-myapp-pocket-main-wsgi", "dev-myapp-pocket-main-api2"],
    secrets: { SPA_TOKEN, ...o.secrets },
    stacks: TK2_STACKS,
    createStacks: async ({ publicKey }) => {
      zone = await hostedZone("example.com");
      // Stands in for the {cfslug}-acm stack's certificate (its template is not rendered), and
      // the stack itself, of that name and type in us-east-1 (moto leaves the resource out).
      certificateArn = await certificate("www.example.com", ["example.com"]);
      await createStack("dev-myapp-main-acm", "us-east-1", ACM_STACK);
      const tk2 = (file: string) => original("tk2", file).replaceAll(RENDERED_ZONE, zone);
      await createStack(
        "dev-myapp-main-cloudfront-keys",
        REGION,
        withPublicKey(tk2("head-cfkeys.yaml"), publicKey),
      );
      await createStack("dev-myapp-container-main", REGION, tk2("head-container.yaml"));
      const cf = tk2("head-cf.yaml").replace(RENDERED_CERTIFICATE, certificateArn);
      await createStack("dev-myapp-main-cloudfront", REGION, o.distribution ? await o.distribution(cf) : cf);
    },
  });
  // The original's deploy put the SPA token secret into its store.
  const outputs = await new CloudFormationClient({ region: REGION }).send(
    new DescribeStacksCommand({ StackName: "dev-myapp-main-cloudfront" }),
  );
  const tokenKvsArn = outputs.Stacks![0]!.Outputs!.find((o) => o.OutputKey === "TokenKvsArn")!.OutputValue!;
  kvs.data.set(`${tokenKvsArn}|token_secret`, SPA_TOKEN);
  const toml = original("tk2", "pocket-head.toml").replaceAll(RENDERED_ZONE, zone) + (o.tomlExtra ?? "");
  return { before, dir: project(toml, "myapp"), toml, certificateArn, tokenKvsArn, spaToken: SPA_TOKEN };
}

/** The environment of the CLI on moto, with kvs-server.ts for the KeyValueStore's data plane. */
export const tk2Env = (kvs: KvsServer) => ({
  ...motoEnv(REGION),
  AWS_ENDPOINT_URL_CLOUDFRONT_KEYVALUESTORE: `http://localhost:${kvs.port}`,
});

async function hostedZone(name: string): Promise<string> {
  const out = await new Route53Client({ region: REGION }).send(
    new CreateHostedZoneCommand({ Name: name, CallerReference: name }),
  );
  return out.HostedZone!.Id!.replace("/hostedzone/", "");
}

/**
 * ACM's API in us-east-1 on moto, spelled out (pocket has no ACM client: its certificates are
 * in its stacks); moto routes by the target header and checks no signature.
 */
export async function acm(action: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(motoEnv(REGION).AWS_ENDPOINT_URL!, {
    method: "POST",
    headers: {
      "content-type": "application/x-amz-json-1.1",
      "x-amz-target": `CertificateManager.${action}`,
      authorization:
        "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/acm/aws4_request, SignedHeaders=host, Signature=0",
    },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`ACM ${action}: ${response.status} ${await response.text()}`);
  return (await response.json()) as Record<string, unknown>;
}

async function certificate(domain: string, alternatives: string[]): Promise<string> {
  const out = await acm("RequestCertificate", {
    DomainName: domain,
    SubjectAlternativeNames: alternatives,
    ValidationMethod: "DNS",
  });
  return out.CertificateArn as string;
}

/** The distribution's configuration in the deployed template of its stack (stage's region). */
export async function distributionConfig(): Promise<Record<string, unknown>> {
  const { GetTemplateCommand } = await import("@aws-sdk/client-cloudformation");
  const out = await new CloudFormationClient({ region: REGION }).send(
    new GetTemplateCommand({ StackName: "dev-myapp-main-cloudfront" }),
  );
  const template = JSON.parse(out.TemplateBody!) as {
    Resources: Record<string, { Properties: { DistributionConfig: Record<string, unknown> } }>;
  };
  return template.Resources.CloudFrontDistribution!.Properties.DistributionConfig;
}
