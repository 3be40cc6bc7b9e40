import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compareTemplates } from "../../src/takeover/compare.js";
import { originalShape } from "../../src/takeover/detect.js";
import { takeoverRefusals, unbuiltInStageRegion } from "../../src/takeover/index.js";
import { deployedByPocket, readTemplateBody } from "../../src/takeover/template-body.js";
import { cloudfrontTemplate } from "../../src/templates/cloudfront.js";
import { cloudfrontKeysTemplate } from "../../src/templates/cloudfront-keys.js";
import { containerTemplate } from "../../src/templates/container/index.js";
import { edgeProtection, withKeptWebAcl } from "../../src/templates/edge.js";
import type { Template } from "../../src/templates/template.js";
import { vpcTemplate } from "../../src/templates/vpc.js";
import { cfnLint, lintErrors } from "../templates/cfn-lint.js";
import { loadInline } from "../templates/context.js";

/*
 * The original's templates at the seed's version (beside the checkout, never in it; CI has it),
 * each compared with what pocket renders for the same file once it has read them as a deploy
 * does: no named or stateful resource may be replaced or deleted (docs/decisions.md#a1-taking-over-a-stage-deployed-by-the-original).
 * tk2's distribution template is not read: the original renders its SPA-token function with a
 * broken indent (not YAML), so no stage was ever deployed with it.
 */
const TEMPLATES = join(import.meta.dirname, "../../../../..", "shared", "spec", "original-templates");
const read = (folder: string, file: string) => readFileSync(join(TEMPLATES, folder, file), "utf8");
// What a deployed stage holds where the offline rendering wrote "None": the file system's id.
const FILE_SYSTEM = "fs-0123456789abcdef0";

async function takeover(folder: string, stacks: Record<string, string>) {
  const config = loadInline(read(folder, "pocket-42a3468.toml"));
  const ctx = config.context;
  const deployed = await Promise.all(
    Object.entries(stacks).map(async ([name, file]) => {
      const template = (await readTemplateBody(read(folder, file).replaceAll('"None"', `"${FILE_SYSTEM}"`)))!;
      return { name, template, byOriginal: !deployedByPocket(template) };
    }),
  );
  ctx.original = originalShape(ctx, deployed, false);
  const ours: Record<string, () => Template> = {
    [ctx.container!.stackName]: () => containerTemplate(ctx),
    ...(ctx.vpc ? { [ctx.vpc.stackName]: () => vpcTemplate(ctx) } : {}),
    ...Object.fromEntries(
      Object.values(ctx.cloudfront ?? {}).flatMap((cf) => [
        [cf.stackName, () => cloudfrontTemplate(cf)],
        ...(cf.signingKey
          ? [
              [
                cf.signingKey.keysStackName,
                () => cloudfrontKeysTemplate(cf, ctx.original?.signingKeyNames?.[cf.name]),
              ],
            ]
          : []),
      ]),
    ),
  };
  const plan = {
    shape: ctx.original,
    stacks: deployed.map((d) => ({
      name: d.name,
      region: "",
      changes: compareTemplates(d.template, ours[d.name]!()),
    })),
  };
  return { ctx, plan };
}

describe("taking over a stage the original deployed at the seed's version", () => {
  it("tk: the VPC with EFS, the container with an API and a worker, a distribution and its keys", async () => {
    const { ctx, plan } = await takeover("tk", {
      "dev-myapp-container": "42a3468-container.yaml",
      "main-pocket-vpc": "42a3468-vpc.yaml",
      "dev-myapp-main-cloudfront": "42a3468-cf.yaml",
      "dev-myapp-main-cloudfront-keys": "42a3468-cfkeys.yaml",
    });
    expect(ctx.original).toEqual({
      version: "42a3468",
      quickCreateApis: true,
      lambdaLogGroupsOutside: true,
      efsFileSystemId: FILE_SYSTEM,
      signingKeyNames: {
        main: { publicKey: "dev-myapp-pocket-publickey", keyGroup: "dev-myapp-pocket-keygroup" },
      },
    });
    if (process.env.TAKEOVER_DEBUG) console.log(JSON.stringify(plan.stacks, null, 1));
    expect(takeoverRefusals(plan)).toEqual([]);
    const byStack = Object.fromEntries(plan.stacks.map((s) => [s.name, s.changes]));
    const action = (stack: string, id: string) => byStack[stack]!.find((c) => c.logicalId === id)?.action;
    // Each blocker of the issue, by the original's logical id.
    expect(action("dev-myapp-container", "WsgiApigatewayCloudWatchLogsGroup")).toBe("kept");
    expect(action("dev-myapp-container", "WsgiApiGatewayManagedOverrides")).toBe("updated");
    expect(action("dev-myapp-container", "WsgiRoute")).toBe("kept");
    expect(action("dev-myapp-container", "LambdaSecurityGroup")).toBe("kept");
    expect(action("dev-myapp-container", "WsgiLogGroup")).toBeUndefined();
    expect(action("main-pocket-vpc", "EFSSecurityGroup")).toBe("kept");
    expect(action("main-pocket-vpc", "EfsAccessPoint")).toBe("kept");
    expect(action("main-pocket-vpc", "EFSFileSystem")).toBeUndefined();
    expect(action("dev-myapp-main-cloudfront", "CloudFrontDistribution")).toBe("updated");
    expect(action("dev-myapp-main-cloudfront", "UrlFallbackFunctionRoot")).toMatch(/kept|updated/);
    expect(action("dev-myapp-main-cloudfront-keys", "PublicKey")).toMatch(/kept|updated/);
  });

  it("tk2: custom API domain, a second API, redirect_from, signed media, SPA token, versioned static", async () => {
    const { plan } = await takeover("tk2", {
      "dev-myapp-container": "42a3468-container.yaml",
      "dev-myapp-main-cloudfront-keys": "42a3468-cfkeys.yaml",
    });
    expect(takeoverRefusals(plan)).toEqual([]);
    const container = plan.stacks.find((s) => s.name === "dev-myapp-container")!.changes;
    expect(container.find((c) => c.logicalId === "WsgiDNSRecord")?.action).toMatch(/kept|updated/);
    expect(container.find((c) => c.logicalId === "WsgiCertificate")?.action).toMatch(/kept|updated/);
  });

  it("refuses a VPC stack whose file system is not named by its id", async () => {
    const config = loadInline(read("tk", "pocket-42a3468.toml"));
    const template = (await readTemplateBody(read("tk", "42a3468-vpc.yaml")))!;
    const shape = originalShape(
      config.context,
      [{ name: "main-pocket-vpc", template, byOriginal: true }],
      false,
    );
    expect(takeoverRefusals({ shape, stacks: [] })).toEqual([
      'the VPC stack names its EFS file system "None", not an id pocket can keep',
    ]);
  });
});

describe("taking over a stage the original deployed at its current version", () => {
  it("tk: the container, VPC, distribution and keys stacks, in that version's names and shape", async () => {
    const config = loadInline(read("tk", "pocket-head.toml"));
    const ctx = config.context;
    const cf = ctx.cloudfront!.main!;
    // tk has no rendered keys stack of this version; tk2's is the same file for the same names.
    const files = [
      [ctx.container!.stackName, "tk", "head-container.yaml"],
      [ctx.vpc!.stackName, "tk", "head-vpc.yaml"],
      [cf.stackName, "tk", "head-cf.yaml"],
      [cf.signingKey!.keysStackName, "tk2", "head-cfkeys.yaml"],
    ] as const;
    const deployed = await Promise.all(
      files.map(async ([name, folder, file]) => {
        const template = (await readTemplateBody(
          read(folder, file).replaceAll('"None"', `"${FILE_SYSTEM}"`),
        ))!;
        return { name, template, byOriginal: !deployedByPocket(template) };
      }),
    );
    ctx.original = originalShape(ctx, deployed, true, "ap-northeast-1");
    expect(ctx.original).toMatchObject({
      version: "head",
      quickCreateApis: true,
      lambdaLogGroupsOutside: true,
      distributionRegion: "ap-northeast-1",
    });
    const ours = [
      containerTemplate(ctx),
      vpcTemplate(ctx),
      cloudfrontTemplate(cf),
      cloudfrontKeysTemplate(cf, ctx.original?.signingKeyNames?.[cf.name]),
    ];
    const plan = {
      shape: ctx.original,
      stacks: deployed.map((d, i) => ({
        name: d.name,
        region: "",
        changes: compareTemplates(d.template, ours[i]!),
      })),
    };
    expect(takeoverRefusals(plan)).toEqual([]);
    const changes = plan.stacks.find((s) => s.name === cf.stackName)!.changes;
    const action = (id: string) => changes.find((c) => c.logicalId === id);
    expect(action("CloudFrontDistribution")?.action).toBe("updated");
    expect(action("UrlFallbackFunctionRoot")?.action).toMatch(/kept|updated/);
    // The API-host function goes: a viewer-request function only this distribution ran.
    expect(action("ApiHostFunction")).toMatchObject({ action: "removed", blocks: false });
  });

  it("tk2: the container (API domain, second API), distribution (domain, redirect_from) and keys stacks", async () => {
    const ctx = loadInline(read("tk2", "pocket-head.toml")).context;
    const cf = ctx.cloudfront!.main!;
    const deployed = await Promise.all(
      [
        [ctx.container!.stackName, "head-container.yaml"],
        [cf.stackName, "head-cf.yaml"],
        [cf.signingKey!.keysStackName, "head-cfkeys.yaml"],
      ].map(async ([name, file]) => {
        const template = (await readTemplateBody(read("tk2", file!)))!;
        return { name: name!, template, byOriginal: !deployedByPocket(template) };
      }),
    );
    ctx.original = originalShape(ctx, deployed, true, "ap-northeast-1");
    // The certificate of the {cfslug}-acm stack (us-east-1, not rendered) as the distribution names it.
    const arn = "arn:aws:acm:us-east-1:123456789012:certificate/abc";
    expect(ctx.original?.acmCertificates).toEqual({
      main: { arn, aliases: ["www.example.com", "example.com"] },
    });
    const ours = [
      containerTemplate(ctx),
      cloudfrontTemplate(cf, undefined, ctx.original?.acmCertificates?.main),
      cloudfrontKeysTemplate(cf, ctx.original?.signingKeyNames?.[cf.name]),
    ];
    const stacks = deployed.map((d, i) => ({
      name: d.name,
      region: "",
      changes: compareTemplates(d.template, ours[i]!),
    }));
    if (process.env.TAKEOVER_DEBUG) console.log(JSON.stringify(stacks, null, 1));
    expect(takeoverRefusals({ shape: ctx.original, stacks })).toEqual([]);
    const action = (stack: number, id: string) => stacks[stack]!.changes.find((c) => c.logicalId === id);
    for (const id of ["WsgiApiGatewayDomainName", "WsgiDNSRecord", "WsgiCertificate", "Api2Api"])
      expect(action(0, id)?.action).toMatch(/kept|updated/);
    // One distribution for www.example.com and example.com, on the acm stack's certificate; the
    // host-redirect function and the redirect domain's record stay; no certificate of its own.
    for (const id of ["CloudFrontDistribution", "HostRedirectFunction", "DNSRecord", "DNSRecordExampleCom"])
      expect(action(1, id)?.action).toMatch(/kept|updated/);
    expect(action(1, "UrlFallbackFunctionRoot")?.action).toMatch(/kept|updated/);
    expect(action(1, "Certificate")).toBeUndefined();
    expect(action(1, "CloudFrontDistributionExampleCom")).toBeUndefined();
    const distribution = ours[1]!.Resources.CloudFrontDistribution!.Properties!.DistributionConfig as {
      Aliases: string[];
      ViewerCertificate: { AcmCertificateArn: string };
    };
    expect(distribution.Aliases).toEqual(["www.example.com", "example.com"]);
    expect(distribution.ViewerCertificate.AcmCertificateArn).toBe(arn);
    // cfn-lint accepts the adopted distribution in the stage's region.
    const lint = cfnLint({ adopted: ours[1]! }, { regions: ["ap-northeast-1"] });
    expect(lintErrors(lint.get("adopted")!)).toEqual([]);
  });

  it("tk2: refuses a redirect_from domain the deployed certificate does not cover", async () => {
    const file = read("tk2", "pocket-head.toml").replace(
      'redirect_from = [{ domain = "example.com"',
      'redirect_from = [{ domain = "shop.example.com"',
    );
    const ctx = loadInline(file).context;
    const cf = ctx.cloudfront!.main!;
    const template = (await readTemplateBody(read("tk2", "head-cf.yaml")))!;
    cf.region = "ap-northeast-1"; // where the takeover check found its stack (placement.ts)
    ctx.original = originalShape(
      ctx,
      [{ name: cf.stackName, template, byOriginal: true }],
      true,
      "ap-northeast-1",
    );
    expect(unbuiltInStageRegion(ctx)).toEqual([
      "dev-myapp-main-cloudfront (ap-northeast-1): the certificate it names (from the dev-myapp-main-acm stack in us-east-1, which pocket leaves as it is) does not cover shop.example.com",
    ]);
  });

  it("tk2 with waf: keeps the web ACL the deployed distribution names, refuses a waf it lacks", async () => {
    const file = `${read("tk2", "pocket-head.toml")}\n[cloudfront.main.waf]\n`;
    const ctx = loadInline(file).context;
    const cf = ctx.cloudfront!.main!;
    cf.region = "ap-northeast-1"; // where the takeover check found its stack (placement.ts)
    const body = read("tk2", "head-cf.yaml");
    const shapeOf = async (yaml: string) =>
      originalShape(
        ctx,
        [{ name: cf.stackName, template: (await readTemplateBody(yaml))!, byOriginal: true }],
        true,
        "ap-northeast-1",
      );
    // Without a WebACLId on the deployed distribution, a web ACL would be new: refused.
    ctx.original = await shapeOf(body);
    expect(unbuiltInStageRegion(ctx)).toEqual([
      "dev-myapp-main-cloudfront (ap-northeast-1): its domains need a web ACL ({cfslug}-waf stack) in us-east-1, which pocket does not take over from the original's current version yet",
    ]);
    // With the {cfslug}-waf stack's web ACL named by ARN (as the original's deploy writes it).
    const arn = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/WebACL-dev-myapp-main/0a1b2c3d";
    const aliases = '          - "example.com"\n        Enabled: true\n';
    ctx.original = await shapeOf(body.replace(aliases, `${aliases}        WebACLId: "${arn}"\n`));
    expect(ctx.original?.webAcls).toEqual({ main: arn });
    expect(unbuiltInStageRegion(ctx)).toEqual([]);
    const protection = withKeptWebAcl(edgeProtection(cf), ctx.original?.webAcls?.main);
    const ours = cloudfrontTemplate(cf, protection, ctx.original?.acmCertificates?.main);
    const config = ours.Resources.CloudFrontDistribution!.Properties!.DistributionConfig as {
      WebACLId: unknown;
    };
    expect(config.WebACLId).toBe(arn);
    // No WAF of its own (no web ACL, no IP sets); waf ip finds the IP set from the kept web ACL.
    expect(Object.values(ours.Resources).filter((r) => r.Type.startsWith("AWS::WAFv2::"))).toEqual([]);
    expect(ours.Outputs?.OriginalWebAclArn).toEqual({ Value: arn });
    expect(ours.Outputs?.AllowListV4Id).toBeUndefined();
    const lint = cfnLint({ adopted: ours }, { regions: ["ap-northeast-1"] });
    expect(lintErrors(lint.get("adopted")!)).toEqual([]);
  });
});
