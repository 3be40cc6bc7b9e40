import { CloudFormationClient, GetTemplateCommand } from "@aws-sdk/client-cloudformation";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { GetWebACLCommand, ListWebACLsCommand, WAFV2Client } from "@aws-sdk/client-wafv2";
import { beforeAll, describe, expect, it } from "vitest";
import { pocket } from "../cli/run.js";
import { motoEnv } from "../moto/moto.js";
import { freshProject, general, REGION } from "./harness.js";
import { containerTables, DJANGO_WSGI } from "./several-containers-stage.js";

/*
 * `waf.allow_rules` with a `header` (the original's configuration.md, "allow_rules") deployed on
 * moto: pocket generates the managed secret with the container's, and the WebACL's allow rule
 * expects its value in x-pocket-waf-allow. The value reaches the stack as a NoEcho parameter only:
 * it is in no output of pocket and not in the stored template. moto's CloudFormation creates the
 * WebACL through the WAFv2 stand-in of test/moto/server.py.
 */
const TOML = `${general("wafh")}
[s3]

${containerTables({ web: { dockerfile: "Dockerfile", handlers: { wsgi: { command: DJANGO_WSGI, trigger: "apigateway" } } } })}
[cloudfront.main]
routes = [
  { is_default = true, is_spa = true },
  { path_pattern = "/api/*", type = "lambda", handler = "web.wsgi" },
]

[cloudfront.main.waf]
enable_ip_set = true
allow_rules = [{ path = "/api/smoke/*", header = "SMOKE_ALLOW_SECRET" }]
`;

let dir: string;
let image: string;
const run = (args: string[]) => pocket(args, { cwd: dir, env: motoEnv(REGION) });

async function storedSecret(): Promise<string> {
  const sm = new SecretsManagerClient({ region: REGION });
  const out = await sm.send(new GetSecretValueCommand({ SecretId: "dev-wafh-web-pocket" }));
  return JSON.parse(out.SecretString!).dev.wafh.SMOKE_ALLOW_SECRET;
}

beforeAll(async () => {
  ({ dir, image } = await freshProject(TOML, "wafh"));
});

describe("a WAF allow rule on a secret header against moto", () => {
  let secret: string;
  let outputs = "";

  it("deploys the rule with the generated secret's value, and prints the value nowhere", async () => {
    const r = run(["deploy", "--stage", "dev", "--image", image]);
    outputs += r.stdout + r.stderr;
    expect(r.status, r.stderr).toBe(0);
    secret = await storedSecret();
    expect(secret).toMatch(/^[A-Za-z0-9]{64}$/);
    const waf = new WAFV2Client({ region: "us-east-1" });
    const [summary] = (await waf.send(new ListWebACLsCommand({ Scope: "CLOUDFRONT" }))).WebACLs!;
    const acl = await waf.send(
      new GetWebACLCommand({ Scope: "CLOUDFRONT", Name: summary!.Name!, Id: summary!.Id! }),
    );
    const rule = acl.WebACL!.Rules!.find((x) => x.Name === "allow-header")!;
    expect(rule.Action).toEqual({ Allow: {} });
    const [header] = rule.Statement!.AndStatement!.Statements!;
    expect(header!.ByteMatchStatement!.FieldToMatch).toEqual({
      SingleHeader: { Name: "x-pocket-waf-allow" },
    });
    expect(Buffer.from(header!.ByteMatchStatement!.SearchString!).toString()).toBe(secret);
    const template = await new CloudFormationClient({ region: "us-east-1" }).send(
      new GetTemplateCommand({ StackName: "dev-wafh-main-cloudfront" }),
    );
    expect(template.TemplateBody).not.toContain(secret);
  });

  it("redeploys with no change, and the status and secrets list do not show the value", () => {
    const again = run(["deploy", "--stage", "dev", "--image", image]);
    outputs += again.stdout + again.stderr;
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).toContain("No changes: stage dev is up to date");
    for (const args of [["status"], ["resource", "awscontainer", "secrets", "list"]]) {
      const r = run([...args, "--stage", "dev"]);
      expect(r.status, r.stderr).toBe(0);
      outputs += r.stdout + r.stderr;
    }
    expect(outputs).toContain("SMOKE_ALLOW_SECRET");
    expect(outputs).not.toContain(secret);
  });

  it("is destroyed with the stage", () => {
    const r = run(["destroy", "--stage", "dev", "--yes", "--with-secrets"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toContain(secret);
  });
});
