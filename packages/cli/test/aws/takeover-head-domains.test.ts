import { CloudFormationClient, DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import { CreateHostedZoneCommand, Route53Client } from "@aws-sdk/client-route-53";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pocketAsync, project } from "../cli/run.js";
import { motoEnv } from "../moto/moto.js";
import { REGION } from "./harness.js";
import { type KvsServer, startKvsServer } from "./kvs-server.js";
import {
  createStack,
  deniedCalls,
  expectHeadTakenOverInPlace,
  expectInSyncAndNoChangeAsync,
  type OriginalStage,
  original,
  originalStage,
  withPublicKey,
} from "./original-stacks.js";
import { type RecordedRequest, record } from "./recorder.js";

/*
 * Issue 22, the original's current version (HEAD) with domains (tk2: an API domain, a distribution
 * domain with redirect_from, signed media, an SPA token): its distribution stack in the stage's
 * region names the certificate of its `{cfslug}-acm` stack (us-east-1) by ARN, and answers for the
 * redirect_from domain itself (a SAN certificate, HostRedirectFunction, DNSRecordExampleCom).
 * `pocket deploy` takes it over in place and keeps that shape (docs/decisions.md A1). The
 * templates are read from beside the checkout (never copied in). The acm stack's template is not
 * rendered: the certificate it makes is requested from ACM in us-east-1 through the API, standing
 * in for it, and its ARN put where the rendering wrote a placeholder. moto makes hosted zones with
 * its own ids: the zone of example.com is made first and its id put for the rendered one, in the
 * templates and the file alike. moto lacks ApiGatewayV2 and ACM in CloudFormation (it skips those
 * resources): test/moto/server.py stands in for CloudFront and the API's custom domain, and
 * kvs-server.ts for the KeyValueStore's data plane, holding the SPA token secret the original put.
 */
let kvs: KvsServer;
const env = () => ({
  ...motoEnv(REGION),
  AWS_ENDPOINT_URL_CLOUDFRONT_KEYVALUESTORE: `http://localhost:${kvs.port}`,
});
const RENDERED_ZONE = "Z0123456789ABCDEFGHIJ";
const RENDERED_CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/abc";
const STACKS = [
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

let dir: string;
let toml: string;
let certificateArn: string;
let before: OriginalStage;
let deployRequests: RecordedRequest[] = [];
let tokenKvsArn: string;

beforeAll(async () => {
  kvs = await startKvsServer();
  let zone = "";
  before = await originalStage({
    repository: "dev-myapp-pocket-main-lambda",
    bucket: "dev-myapp-pocket",
    secretId: "dev-myapp-main-pocket",
    functions: ["dev-myapp-pocket-main-wsgi", "dev-myapp-pocket-main-api2"],
    secrets: { SPA_TOKEN },
    stacks: STACKS,
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
      await createStack(
        "dev-myapp-main-cloudfront",
        REGION,
        tk2("head-cf.yaml").replace(RENDERED_CERTIFICATE, certificateArn),
      );
    },
  });
  // The original's deploy put the SPA token secret into its store.
  const outputs = await new CloudFormationClient({ region: REGION }).send(
    new DescribeStacksCommand({ StackName: "dev-myapp-main-cloudfront" }),
  );
  tokenKvsArn = outputs.Stacks![0]!.Outputs!.find((o) => o.OutputKey === "TokenKvsArn")!.OutputValue!;
  kvs.data.set(`${tokenKvsArn}|token_secret`, SPA_TOKEN);
  toml = original("tk2", "pocket-head.toml").replaceAll(RENDERED_ZONE, zone);
  dir = project(toml, "myapp");
}, 180_000);
afterAll(() => kvs.close());

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
async function acm(action: string, body: unknown): Promise<Record<string, unknown>> {
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

async function distributionConfig(): Promise<Record<string, unknown>> {
  const { GetTemplateCommand } = await import("@aws-sdk/client-cloudformation");
  const out = await new CloudFormationClient({ region: REGION }).send(
    new GetTemplateCommand({ StackName: "dev-myapp-main-cloudfront" }),
  );
  const template = JSON.parse(out.TemplateBody!) as {
    Resources: Record<string, { Properties: { DistributionConfig: Record<string, unknown> } }>;
  };
  return template.Resources.CloudFrontDistribution!.Properties.DistributionConfig;
}

describe("taking over a stage the original's current version deployed with domains (tk2)", () => {
  it("adopt keeps the acm stack's certificate and the one distribution for the redirect domain", async () => {
    const r = await pocketAsync(["adopt", "--stage", "dev"], { cwd: dir, env: env() });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("deployed by the original (head)");
    expect(r.stdout).toContain(
      `certificate of main from the {cfslug}-acm stack in us-east-1, left as it is (${certificateArn}), for www.example.com, example.com on one distribution`,
    );
    expect(r.stdout).toContain("nothing is replaced or deleted");
    // plan says the same before its changes.
    const plan = await pocketAsync(["plan", "--stage", "dev", "--image", before.image], {
      cwd: dir,
      env: env(),
    });
    expect(plan.status, plan.stderr).toBe(0);
    expect(plan.stderr).toContain(`left as it is (${certificateArn})`);
    expect(plan.stderr).not.toContain("refused");
  });

  it("deploys in place: every physical id and the secrets stay, the certificate and aliases are kept", async () => {
    const recorded = await record(() =>
      pocketAsync(["deploy", "--stage", "dev", "--image", before.image], { cwd: dir, env: env() }),
    );
    deployRequests = recorded.requests;
    await expectHeadTakenOverInPlace(before, recorded.result);
    expect(kvs.data.get(`${tokenKvsArn}|token_secret`)).toBe(SPA_TOKEN);
    const config = await distributionConfig();
    expect(config.Aliases).toEqual(["www.example.com", "example.com"]);
    expect(config.ViewerCertificate).toMatchObject({ AcmCertificateArn: certificateArn });
    // The certificate is the acm stack's, untouched; no distribution stack was made in us-east-1.
    const cert = (await acm("DescribeCertificate", { CertificateArn: certificateArn })) as {
      Certificate?: { SubjectAlternativeNames?: string[] };
    };
    expect(cert.Certificate?.SubjectAlternativeNames).toEqual(
      expect.arrayContaining(["www.example.com", "example.com"]),
    );
    await expect(
      new CloudFormationClient({ region: "us-east-1" }).send(
        new DescribeStacksCommand({ StackName: "dev-myapp-main-cloudfront" }),
      ),
    ).rejects.toThrow(/does not exist/);
  });

  it("is in sync afterwards, and a second deploy changes nothing", async () => {
    await expectInSyncAndNoChangeAsync(dir, before.image, env());
  });

  it("every call of the takeover and of destroy was allowed by pocket permissions", async () => {
    const destroy = await record(() =>
      pocketAsync(["destroy", "--stage", "dev", "--yes"], { cwd: dir, env: env() }),
    );
    expect(destroy.result.status, destroy.result.stderr).toBe(0);
    // destroy says it deletes the original's certificate and web ACL stacks after the distribution.
    expect(destroy.result.stderr).toContain(
      "then the original's dev-myapp-main-acm and dev-myapp-main-waf stacks in us-east-1, if there",
    );
    for (const [name, region] of [...STACKS, ["dev-myapp-main-acm", "us-east-1"] as const]) {
      await expect(
        new CloudFormationClient({ region }).send(new DescribeStacksCommand({ StackName: name })),
      ).rejects.toThrow(/does not exist/);
    }
    expect(deniedCalls(toml, [...deployRequests, ...destroy.requests]).denied).toEqual([]);
  });
});
