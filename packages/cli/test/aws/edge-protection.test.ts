import { createHash } from "node:crypto";
import { CloudFormationClient, DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import { GetFunctionConfigurationCommand, LambdaClient } from "@aws-sdk/client-lambda";
import {
  GetIPSetCommand,
  ListIPSetsCommand,
  ListWebACLsCommand,
  UpdateIPSetCommand,
  WAFV2Client,
} from "@aws-sdk/client-wafv2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runContext } from "../../src/engine/run-context.js";
import { editAllowList, listAllowList, parseCidr } from "../../src/resources/cloudfront/waf-ip.js";
import type { RunContext } from "../../src/resources/resource.js";
import { managedSecretStore } from "../../src/resources/secrets/store.js";
import { cloudfrontTemplate } from "../../src/templates/cloudfront.js";
import { pocketAsync, project } from "../cli/run.js";
import { motoEnv } from "../moto/moto.js";
import { cfnLint, lintErrors } from "../templates/cfn-lint.js";
import { loadInline } from "../templates/context.js";
import { freshMoto, general, REGION, stageImage } from "./harness.js";
import { type KvsServer, startKvsServer } from "./kvs-server.js";

/*
 * Issue 14 end to end on moto: a staging distribution behind basic auth and a production one
 * with origin verification and a WAF allow list for /admin. moto's CloudFormation models neither
 * CloudFront nor WAFv2: test/moto/server.py stands in for both (the WAF objects are created in
 * moto's own WAFv2 API, so `pocket waf ip` edits what the deploy made). moto has no CloudFront
 * KeyValueStore data plane, so kvs-server.ts stands in for it, as in token-secret-kvs.test.ts.
 */
const TOML = `
${general("edge", ["stg", "prd"])}
[s3]

[awscontainer]
dockerfile_path = "Dockerfile"

[awscontainer.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"
apigateway = {}

[awscontainer.secrets.managed]
SECRET_KEY = { type = "password", options = { length = 50 } }
STAGING_LOGIN = { type = "basic_auth_credential", options = { username = "preview" } }

[cloudfront.main]
routes = [
    { is_default = true, is_spa = true },
    { path_pattern = "/api/*", type = "api", handler = "wsgi" },
    { path_pattern = "/admin*", type = "api", handler = "wsgi" },
]

[stg.cloudfront.main]
basic_auth = "STAGING_LOGIN"
basic_auth_exclude = ["/health"]

[prd.cloudfront.main]
enable_origin_verify = true
waf = { ip_allow_list = ["/admin"], managed_rule_groups = ["AWSManagedRulesCommonRuleSet"], rate_limit = 2000, allow_paths = ["/health"] }
`;

let kvs: KvsServer;
let kvsUrl = "";
let dir: string;
const images: Record<string, string> = {};
const env = () => ({ ...motoEnv(REGION), AWS_ENDPOINT_URL_CLOUDFRONT_KEYVALUESTORE: kvsUrl });
const run = (stage: string, ...args: string[]) =>
  pocketAsync([...args, "--stage", stage], { cwd: dir, env: env() });
const deploy = (stage: string) => run(stage, "deploy", "--image", images[stage]!);
const cfn = () => new CloudFormationClient({ region: "us-east-1" });
const stackOf = async (name: string) =>
  (await cfn().send(new DescribeStacksCommand({ StackName: name }))).Stacks![0]!;

beforeAll(async () => {
  await freshMoto();
  kvs = await startKvsServer();
  kvsUrl = `http://localhost:${kvs.port}`;
  for (const stage of ["stg", "prd"]) images[stage] = await stageImage("edge", stage);
  dir = project(TOML, "edge");
});
afterAll(async () => {
  await kvs.close();
});

describe("protecting a stage, on moto", () => {
  it("validates, renders without secrets and passes cfn-lint", async () => {
    const validate = await pocketAsync(["config", "validate"], { cwd: dir, env: env() });
    expect(validate.status, validate.stdout + validate.stderr).toBe(0);
    const yaml = await pocketAsync(["resource", "cloudfront", "yaml", "--stage", "prd"], { cwd: dir });
    expect(yaml.status, yaml.stderr).toBe(0);
    expect(yaml.stdout).toContain("NoEcho: true");
    expect(yaml.stdout).toContain("AWS::WAFv2::WebACL");
    const templates = Object.fromEntries(
      ["stg", "prd"].map((stage) => [
        stage,
        cloudfrontTemplate(loadInline(TOML, stage).context.cloudfront!.main!),
      ]),
    );
    const lint = cfnLint(templates, { regions: ["us-east-1"] });
    for (const stage of ["stg", "prd"]) expect(lintErrors(lint.get(stage)!), stage).toEqual([]);
  });

  it("deploys staging with basic auth: the KVS holds the digest, credentials prints the login", async () => {
    const r = await deploy("stg");
    expect(r.status, r.stderr).toBe(0);
    const creds = await run("stg", "resource", "cloudfront", "credentials", "--show-password");
    expect(creds.status, creds.stderr).toBe(0);
    const [user, password] = creds.stdout
      .trim()
      .split("\n")
      .map((l) => l.split(": ")[1]!);
    expect(user).toBe("preview");
    expect(password).toMatch(/^[A-Za-z0-9]{24}$/);
    const digest = createHash("sha256").update(`preview:${password}`).digest("hex");
    expect([...kvs.data.entries()].filter(([k]) => k.endsWith("|basic_auth")).map(([, v]) => v)).toEqual([
      digest,
    ]);
    const hidden = await run("stg", "resource", "cloudfront", "credentials");
    expect(hidden.stdout).not.toContain(password);
    const status = await run("stg", "status");
    expect(status.stdout).toContain("basic auth (user preview)");
  });

  it("deploys production with origin verification and the WAF; a second deploy changes nothing", async () => {
    const r = await deploy("prd");
    expect(r.status, r.stderr).toBe(0);
    const stack = await stackOf("prd-edge-main-cloudfront");
    expect(stack.Parameters?.find((p) => p.ParameterKey === "OriginVerifySecret")?.ParameterValue).toBe(
      "****",
    );
    expect(stack.Tags?.find((t) => t.Key === "pocket:origin-verify-fingerprint")?.Value).toMatch(
      /^[0-9a-f]{16}$/,
    );
    const wsgi = await new LambdaClient({ region: REGION }).send(
      new GetFunctionConfigurationCommand({ FunctionName: "prd-edge-pocket-wsgi" }),
    );
    expect(JSON.stringify(wsgi.Environment?.Variables ?? {})).toContain("POCKET_ORIGIN_VERIFY_SECRET");
    const again = await deploy("prd");
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).toContain("No changes");
  });

  it("rotates the origin-verify value: new and old accepted, CloudFront switched, then the new alone", async () => {
    const config = loadInline(TOML, "prd");
    const secrets = config.context.container!.secrets!;
    const store = () =>
      managedSecretStore(runContext(config, {}).aws(secrets.region), secrets, "prd", config.context.project);
    const before = (await store().read()).POCKET_ORIGIN_VERIFY_SECRET as string;
    expect(before).toMatch(/^[0-9a-f]{64}$/);
    const start = await run("prd", "resource", "cloudfront", "rotate-origin-verify");
    expect(start.status, start.stderr).toBe(0);
    expect(start.stderr).toContain("secrets reload");
    const both = (await store().read()).POCKET_ORIGIN_VERIFY_SECRET as string;
    const [fresh, old] = both.split(",");
    expect(old).toBe(before);
    expect(fresh).toMatch(/^[0-9a-f]{64}$/);
    expect((await run("prd", "resource", "cloudfront", "rotate-origin-verify")).stderr).toContain(
      "already holds a new and an old value",
    );
    // yaml-diff tells a changed NoEcho value by its fingerprint tag and never prints it (issue 20, item 4).
    const diff = await run("prd", "resource", "cloudfront", "yaml-diff");
    expect(diff.status, diff.stderr).toBe(0);
    expect(diff.stdout).toContain("~ (values) Parameters.OriginVerifySecret: (secret, changed)");
    for (const value of [fresh!, old!, "****"]) expect(diff.stdout).not.toContain(value);
    const deployed = await deploy("prd");
    expect(deployed.status, deployed.stderr).toBe(0);
    const tag = (await stackOf("prd-edge-main-cloudfront")).Tags?.find(
      (t) => t.Key === "pocket:origin-verify-fingerprint",
    )?.Value;
    expect(tag).toBe(createHash("sha256").update(fresh!).digest("hex").slice(0, 16));
    const finish = await run("prd", "resource", "cloudfront", "rotate-origin-verify", "--finish");
    expect(finish.status, finish.stderr).toBe(0);
    expect((await store().read()).POCKET_ORIGIN_VERIFY_SECRET).toBe(fresh);
    expect((await deploy("prd")).stderr).toContain("No changes");
    const same = await run("prd", "resource", "cloudfront", "yaml-diff");
    expect(same.status, same.stderr).toBe(0);
    expect(same.stdout).toContain("no differences");
    expect(same.stdout).not.toContain(fresh);
  });

  it("edits the allow list with pocket waf ip and shows its size in status", async () => {
    expect((await run("prd", "waf", "ip", "list")).stderr).toContain("empty");
    const add = await run("prd", "waf", "ip", "add", "203.0.113.7", "2001:db8::/48");
    expect(add.status, add.stderr).toBe(0);
    expect(add.stderr).toContain("203.0.113.7/32, 2001:db8::/48 added");
    const again = await run("prd", "waf", "ip", "add", "203.0.113.7");
    expect(again.stderr).toContain("No change");
    const list = await run("prd", "waf", "ip", "list", "--json");
    expect(JSON.parse(list.stdout)).toEqual({
      distribution: "main",
      addresses: ["203.0.113.7/32", "2001:db8::/48"],
    });
    const bad = await run("prd", "waf", "ip", "add", "10.1.2.3/16");
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("10.1.0.0/16");
    const status = await run("prd", "status");
    expect(status.stdout).toContain("origin verify on");
    expect(status.stdout).toContain("allow list: 2 entries");
    const remove = await run("prd", "waf", "ip", "remove", "2001:db8::/48");
    expect(remove.status, remove.stderr).toBe(0);
    const noList = await run("stg", "waf", "ip", "list");
    expect(noList.status).toBe(1);
    expect(noList.stderr).toContain("no distribution of this stage has a WAF allow list");
  });

  it("retries an edit that lost the race for the lock token", async () => {
    const config = loadInline(TOML, "prd");
    const base = runContext(config, {});
    const cf = config.context.cloudfront!.main!;
    let raced = false;
    // Another edit lands between our read and our write, once: a second client edits the set
    // just before pocket's first UpdateIPSet goes out.
    const waf = await base.aws(cf.region).wafv2();
    const other = new WAFV2Client({ region: cf.region });
    waf.middlewareStack.add(
      (next, context) => async (args) => {
        const input = (args as { input: { Name?: string; Id?: string } }).input;
        if (context.commandName === "UpdateIPSetCommand" && !raced) {
          raced = true;
          const now = await other.send(
            new GetIPSetCommand({ Name: input.Name, Scope: "CLOUDFRONT", Id: input.Id }),
          );
          await other.send(
            new UpdateIPSetCommand({
              Name: input.Name,
              Scope: "CLOUDFRONT",
              Id: input.Id,
              Addresses: [...(now.IPSet?.Addresses ?? []), "198.51.100.0/24"],
              LockToken: now.LockToken,
            }),
          );
        }
        return next(args);
      },
      { step: "initialize", name: "raceOnce" },
    );
    const racing: RunContext = base;
    expect(await editAllowList(racing, cf, "add", [parseCidr("192.0.2.1")])).toEqual(["192.0.2.1/32"]);
    expect(raced).toBe(true);
    expect(await listAllowList(base, cf)).toEqual(["203.0.113.7/32", "198.51.100.0/24", "192.0.2.1/32"]);
  });

  it("refuses an allow list wider than a /8 without --yes; stores IPv4-mapped addresses as IPv4", async () => {
    const list = async () => JSON.parse((await run("prd", "waf", "ip", "list", "--json")).stdout).addresses;
    const before = await list();
    const wide = await run("prd", "waf", "ip", "add", "0.0.0.0/1", "128.0.0.0/1");
    expect(wide.status).toBe(1);
    expect(wide.stderr).toContain("would cover 100% of all IPv4 addresses, more than a /8");
    expect(wide.stderr).toContain("--yes");
    expect(await list()).toEqual(before);
    // In total: each /9 fits beside the listed addresses, the two together are more than a /8.
    const first = await run("prd", "waf", "ip", "add", "10.0.0.0/9");
    expect(first.status, first.stderr).toBe(0);
    const more = await run("prd", "waf", "ip", "add", "11.0.0.0/9");
    expect(more.status).toBe(1);
    const yes = await run("prd", "waf", "ip", "add", "11.0.0.0/9", "--yes");
    expect(yes.status, yes.stderr).toBe(0);
    expect(yes.stderr).toContain("Warning: the allow list of main would cover 0.39% of all IPv4 addresses");
    expect((await run("prd", "waf", "ip", "remove", "10.0.0.0/9", "11.0.0.0/9")).status).toBe(0);
    const mapped = await run("prd", "waf", "ip", "add", "::ffff:198.51.100.9");
    expect(mapped.status, mapped.stderr).toBe(0);
    expect(mapped.stderr).toContain("198.51.100.9/32 added");
    expect(await list()).toEqual([...before, "198.51.100.9/32"]);
    expect((await run("prd", "waf", "ip", "remove", "198.51.100.9")).status).toBe(0);
  });

  it("destroy removes the WebACL and the IPSets with the stack", async () => {
    const r = await run("prd", "destroy", "--yes");
    expect(r.status, r.stderr).toBe(0);
    const waf = new WAFV2Client({ region: "us-east-1" });
    expect((await waf.send(new ListIPSetsCommand({ Scope: "CLOUDFRONT" }))).IPSets ?? []).toEqual([]);
    expect((await waf.send(new ListWebACLsCommand({ Scope: "CLOUDFRONT" }))).WebACLs ?? []).toEqual([]);
  });
});
