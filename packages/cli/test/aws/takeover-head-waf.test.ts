import { CloudFormationClient, DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import {
  CreateIPSetCommand,
  CreateWebACLCommand,
  GetIPSetCommand,
  GetWebACLCommand,
  UpdateWebACLCommand,
  WAFV2Client,
} from "@aws-sdk/client-wafv2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pocketAsync } from "../cli/run.js";
import { type KvsServer, startKvsServer } from "./kvs-server.js";
import {
  createStack,
  deniedCalls,
  expectHeadTakenOverInPlace,
  expectInSyncAndNoChangeAsync,
  type OriginalStage,
} from "./original-stacks.js";
import { distributionConfig, tk2Env, tk2Stage } from "./original-tk2.js";
import { type RecordedRequest, record } from "./recorder.js";

/*
 * Issue 22, the original's current version (HEAD) with `waf` on its distribution (tk2,
 * original-tk2.ts, with [cloudfront.main.waf] and a header allow rule added to the file): that
 * version puts the web ACL in its `{cfslug}-waf` stack in us-east-1 and the distribution (in the
 * stage's region) names it by ARN in `WebACLId`. That stack's template is not rendered: what its
 * configuration.md says it makes (an IPv4 IPSet with no addresses, DefaultAction Block, an Allow
 * rule on the IP set, the header allow rule before it) is made through moto's WAFv2 API as the
 * stand-in for the stack's product, and a stack of that name in us-east-1 stands in for the stack
 * itself. The rendered distribution gets the web ACL's ARN as `WebACLId`, as the original's deploy
 * wrote it. `pocket deploy` keeps that web ACL by ARN and leaves the stack as it is, and
 * `pocket waf ip` edits the IP set its allow rule names (docs/decisions.md A1).
 */
let kvs: KvsServer;
const env = () => tk2Env(kvs);
const waf = () => new WAFV2Client({ region: "us-east-1" });
const SMOKE_SECRET = "s".repeat(40);
const WAF_TOML = `
[cloudfront.main.waf]

[[cloudfront.main.waf.allow_rules]]
path = "/api/smoke/*"
header = "SMOKE_ALLOW_SECRET"
`;
/** Stands in for the {cfslug}-waf stack itself (its template is not rendered). */
const WAF_STACK = `Resources:
  Placeholder:
    Type: AWS::CloudFormation::WaitConditionHandle
`;

let dir: string;
let toml: string;
let before: OriginalStage;
let webAcl: { arn: string; name: string; id: string };
let ipSet: { name: string; id: string };
const requests: RecordedRequest[] = [];

/** The web ACL and IP set the original's {cfslug}-waf stack makes, through moto's WAFv2 API. */
async function originalWebAcl(): Promise<void> {
  const set = await waf().send(
    new CreateIPSetCommand({
      Name: "AllowIPSet-dev-myapp-main",
      Scope: "CLOUDFRONT",
      IPAddressVersion: "IPV4",
      Addresses: [],
    }),
  );
  ipSet = { name: set.Summary!.Name!, id: set.Summary!.Id! };
  const visibility = (name: string) => ({
    SampledRequestsEnabled: true,
    CloudWatchMetricsEnabled: true,
    MetricName: name,
  });
  const acl = await waf().send(
    new CreateWebACLCommand({
      Name: "WebACL-dev-myapp-main",
      Scope: "CLOUDFRONT",
      DefaultAction: { Block: {} },
      VisibilityConfig: visibility("devmyappmainwaf"),
      Rules: [
        {
          Name: "AllowRule0",
          Priority: 0,
          Action: { Allow: {} },
          VisibilityConfig: visibility("AllowRule0"),
          Statement: {
            ByteMatchStatement: {
              FieldToMatch: { SingleHeader: { Name: "x-pocket-waf-allow" } },
              PositionalConstraint: "EXACTLY",
              SearchString: new TextEncoder().encode(SMOKE_SECRET),
              TextTransformations: [{ Priority: 0, Type: "NONE" }],
            },
          },
        },
        {
          Name: "IPAllowRule",
          Priority: 1,
          Action: { Allow: {} },
          VisibilityConfig: visibility("IPAllowRule"),
          Statement: { IPSetReferenceStatement: { ARN: set.Summary!.ARN! } },
        },
      ],
    }),
  );
  webAcl = { arn: acl.Summary!.ARN!, name: acl.Summary!.Name!, id: acl.Summary!.Id! };
  await createStack("dev-myapp-main-waf", "us-east-1", WAF_STACK);
}

async function addresses(): Promise<string[]> {
  const got = await waf().send(new GetIPSetCommand({ Name: ipSet.name, Id: ipSet.id, Scope: "CLOUDFRONT" }));
  return got.IPSet?.Addresses ?? [];
}

const run = async (...args: string[]) => {
  const recorded = await record(() => pocketAsync([...args, "--stage", "dev"], { cwd: dir, env: env() }));
  requests.push(...recorded.requests);
  return recorded.result;
};

beforeAll(async () => {
  kvs = await startKvsServer();
  ({ before, dir, toml } = await tk2Stage(kvs, {
    tomlExtra: WAF_TOML,
    secrets: { SMOKE_ALLOW_SECRET: SMOKE_SECRET },
    distribution: async (body) => {
      await originalWebAcl();
      const aliases = '          - "example.com"\n        Enabled: true\n';
      expect(body).toContain(aliases);
      return body.replace(aliases, `${aliases}        WebACLId: "${webAcl.arn}"\n`);
    },
  }));
}, 180_000);
afterAll(() => kvs.close());

describe("taking over a stage the original's current version deployed with a WAF (tk2 + waf)", () => {
  it("adopt and plan say the web ACL of the waf stack is kept, and refuse nothing", async () => {
    const r = await run("adopt");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      `web ACL of main from the {cfslug}-waf stack in us-east-1, left as it is (${webAcl.arn})`,
    );
    expect(r.stdout).toContain("nothing is replaced or deleted");
    const plan = await run("plan", "--image", before.image);
    expect(plan.status, plan.stderr).toBe(0);
    expect(plan.stderr).toContain(`left as it is (${webAcl.arn})`);
    expect(plan.stderr).not.toContain("refused");
  });

  it("deploys in place: the distribution keeps the web ACL, which is left as it was", async () => {
    const deploy = await run("deploy", "--image", before.image);
    await expectHeadTakenOverInPlace(before, deploy);
    expect((await distributionConfig()).WebACLId).toBe(webAcl.arn);
    const acl = await waf().send(
      new GetWebACLCommand({ Name: webAcl.name, Id: webAcl.id, Scope: "CLOUDFRONT" }),
    );
    expect(acl.WebACL?.Rules?.map((r) => r.Name)).toEqual(["AllowRule0", "IPAllowRule"]);
    await new CloudFormationClient({ region: "us-east-1" }).send(
      new DescribeStacksCommand({ StackName: "dev-myapp-main-waf" }),
    );
  });

  it("pocket waf ip edits the IP set the kept web ACL's allow rule names", async () => {
    const add = await run("waf", "ip", "add", "203.0.113.0/24");
    expect(add.status, add.stderr).toBe(0);
    expect(await addresses()).toEqual(["203.0.113.0/24"]);
    const list = await run("waf", "ip", "list");
    expect(list.stdout.trim()).toBe("203.0.113.0/24");
    // The original's set is IPv4 only: an IPv6 block has nowhere to go, and nothing changes.
    const v6 = await run("waf", "ip", "add", "2001:db8::/32", "198.51.100.7");
    expect(v6.status).not.toBe(0);
    expect(v6.stderr).toContain("has no IPv6 set for 2001:db8::/32");
    expect(await addresses()).toEqual(["203.0.113.0/24"]);
    const remove = await run("waf", "ip", "remove", "203.0.113.0/24");
    expect(remove.status, remove.stderr).toBe(0);
    expect(await addresses()).toEqual([]);
  });

  it("is in sync afterwards, and a second deploy changes nothing", async () => {
    await expectInSyncAndNoChangeAsync(dir, before.image, env());
  });

  it("pocket waf ip refuses, saying where the rules are, when the web ACL allows no IP set", async () => {
    const got = await waf().send(
      new GetWebACLCommand({ Name: webAcl.name, Id: webAcl.id, Scope: "CLOUDFRONT" }),
    );
    const acl = got.WebACL!;
    await waf().send(
      new UpdateWebACLCommand({
        Name: webAcl.name,
        Id: webAcl.id,
        Scope: "CLOUDFRONT",
        DefaultAction: acl.DefaultAction!,
        VisibilityConfig: acl.VisibilityConfig!,
        Rules: acl.Rules!.filter((r) => r.Name !== "IPAllowRule"),
        LockToken: got.LockToken!,
      }),
    );
    const list = await run("waf", "ip", "list");
    expect(list.status).not.toBe(0);
    expect(list.stderr).toContain(
      `the original's web ACL of main (${webAcl.arn}) has no rule that allows an IP set`,
    );
    expect(list.stderr).toContain("the dev-myapp-main-waf stack's (us-east-1)");
  });

  it("every call was allowed by pocket permissions", () => {
    const { denied, calls } = deniedCalls(toml, requests);
    expect(denied).toEqual([]);
    expect(calls.map((c) => c.action)).toEqual(
      expect.arrayContaining(["wafv2:GetWebACL", "wafv2:GetIPSet", "wafv2:UpdateIPSet"]),
    );
  });
});
