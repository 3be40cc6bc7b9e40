import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { Template } from "../src/templates/template.js";
import { buildCli } from "./cli/build.js";
import { pocket, project } from "./cli/run.js";
import { isAllowed, type PolicyDocument } from "./ops-iam-evaluator.js";
import { cfnLint, lintErrors } from "./templates/cfn-lint.js";

/*
 * Issue 26 item 6: `pocket permissions --previews` gives what deploying and destroying every
 * preview stage (general.preview_stages = "pr-*") needs and nothing of the listed stages; the
 * --role-template role trusts pull requests and may write the previews' roles only with the
 * boundary every preview shares.
 */
const ACCOUNT = "123456789012";
const TOML = `[general]
region = "ap-northeast-1"
project_name = "shop"
stages = ["dev", "prd"]
preview_stages = "pr-*"
preview_base = "dev"

[s3]

[awscontainer]
dockerfile_path = "Dockerfile"

[awscontainer.secrets.managed]
SECRET_KEY = { type = "password", options = { length = 50 } }

[awscontainer.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"
apigateway = {}

[awscontainer.handlers.worker]
command = "app.worker"
sqs = {}

[dev.awscontainer.iam]
permissions_boundary = "arn:aws:iam::${ACCOUNT}:policy/dev-shop-pocket-boundary"

[prd.awscontainer.iam]
permissions_boundary = "arn:aws:iam::${ACCOUNT}:policy/prd-shop-pocket-boundary"
`;
const SHARED_BOUNDARY = `arn:aws:iam::${ACCOUNT}:policy/pr-previews-shop-pocket-boundary`;

let dir: string;
let policy: PolicyDocument;
let output: string;
beforeAll(() => {
  buildCli();
  dir = project(TOML, "shop");
  const r = pocket(["permissions", "--previews", "--json", "--account", ACCOUNT], { cwd: dir });
  expect(r.status, r.stderr).toBe(0);
  output = r.stdout;
  policy = JSON.parse(r.stdout) as PolicyDocument;
});

const allowed = (action: string, resource: string, context: Record<string, string> = {}) =>
  isAllowed(policy, { service: action.split(":")[0]!, action, resources: [resource], context });

describe("pocket permissions --previews", () => {
  it("reaches every preview stage's resources by the pattern, none of dev's or prd's", () => {
    expect(output).not.toContain("0pvw0");
    const arns = (stage: string): [string, string][] => [
      [
        "cloudformation:DeleteStack",
        `arn:aws:cloudformation:ap-northeast-1:${ACCOUNT}:stack/${stage}-shop-container/1`,
      ],
      ["s3:DeleteBucket", `arn:aws:s3:::${stage}-shop-pocket`],
      ["s3:DeleteBucket", `arn:aws:s3:::${stage}-shop-pocket-state`],
      [
        "secretsmanager:DeleteSecret",
        `arn:aws:secretsmanager:ap-northeast-1:${ACCOUNT}:secret:${stage}-shop-pocket-AbCdEf`,
      ],
      [
        "ecr:DeleteRepository",
        `arn:aws:ecr:ap-northeast-1:${ACCOUNT}:repository/${stage}-shop-pocket-lambda`,
      ],
      [
        "lambda:DeleteFunction",
        `arn:aws:lambda:ap-northeast-1:${ACCOUNT}:function:${stage}-shop-pocket-wsgi`,
      ],
      ["sqs:DeleteQueue", `arn:aws:sqs:ap-northeast-1:${ACCOUNT}:${stage}-shop-pocket-worker`],
      [
        "logs:DeleteLogGroup",
        `arn:aws:logs:ap-northeast-1:${ACCOUNT}:log-group:/aws/lambda/${stage}-shop-pocket-wsgi`,
      ],
    ];
    for (const stage of ["pr-42", "pr-7"])
      for (const [action, arn] of arns(stage)) expect(allowed(action, arn), `${action} ${arn}`).toBe(true);
    for (const stage of ["dev", "prd"])
      for (const [action, arn] of arns(stage)) expect(allowed(action, arn), `${action} ${arn}`).toBe(false);
  });

  it("writes the previews' roles only with the boundary they share, never the CI role's own", () => {
    const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
    const bounded = (boundary: string) => ({ "iam:PermissionsBoundary": boundary });
    expect(allowed("iam:CreateRole", role("lambda-pr-42-shop-pocket"), bounded(SHARED_BOUNDARY))).toBe(true);
    expect(allowed("iam:PutRolePolicy", role("lambda-pr-42-shop-pocket"), bounded(SHARED_BOUNDARY))).toBe(
      true,
    );
    for (const boundary of [`arn:aws:iam::${ACCOUNT}:policy/dev-shop-pocket-boundary`, "none"])
      expect(allowed("iam:CreateRole", role("lambda-pr-42-shop-pocket"), bounded(boundary)), boundary).toBe(
        false,
      );
    expect(allowed("iam:PutRolePolicy", role("lambda-dev-shop-pocket"), bounded(SHARED_BOUNDARY))).toBe(
      false,
    );
    for (const action of ["iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:DeleteRole"])
      expect(allowed(action, role("pr-previews-shop-pocket-deploy"), bounded(SHARED_BOUNDARY)), action).toBe(
        false,
      );
    for (const policyName of ["pr-previews-shop-pocket-boundary", "pr-previews-shop-pocket-deploy-1"])
      expect(allowed("iam:CreatePolicyVersion", `arn:aws:iam::${ACCOUNT}:policy/${policyName}`)).toBe(false);
  });

  it("gives a role template that trusts pull requests and creates the shared boundary; cfn-lint accepts it", () => {
    const r = pocket(["permissions", "--previews", "--role-template", "github:acme/shop"], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).not.toContain("0pvw0");
    expect(r.stderr).toContain("token sub repo:acme/shop:pull_request");
    const template = parse(r.stdout, { version: "1.1" }) as Template;
    const role = template.Resources.DeployRole!.Properties as Record<string, unknown>;
    expect(role.RoleName).toBe("pr-previews-shop-pocket-deploy");
    expect(JSON.stringify(role.AssumeRolePolicyDocument)).toContain(
      '"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com","token.actions.githubusercontent.com:sub":"repo:acme/shop:pull_request"}',
    );
    const boundary = template.Resources.StageBoundary!.Properties as Record<string, unknown>;
    expect(boundary.ManagedPolicyName).toBe("pr-previews-shop-pocket-boundary");
    expect(JSON.stringify(boundary.PolicyDocument)).toContain("pr-*-shop-pocket");
    expect(JSON.stringify(boundary.PolicyDocument)).not.toContain("dev-shop");
    expect(lintErrors(cfnLint({ previews: template }).get("previews")!)).toEqual([]);
  });

  it("deploys a preview stage's roles with that shared boundary", () => {
    const r = pocket(["config", "show", "--stage", "pr-42", "--json"], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(SHARED_BOUNDARY);
  });

  it("points at the base stage's table when no boundary is named", () => {
    const bare = project(TOML.replace(/\[dev\.awscontainer\.iam\][^[]*/, ""), "bare");
    const r = pocket(["permissions", "--previews", "--account", ACCOUNT], { cwd: bare });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(
      '[dev.awscontainer.iam] permissions_boundary = "arn:PARTITION:iam::ACCOUNT:policy/dev-shop-pocket-boundary"',
    );
    expect(r.stderr).toContain("pr-previews-shop-pocket-boundary");
    expect(r.stderr).not.toContain("0pvw0");
  });

  it("refuses --stage beside --previews, and a file without preview stages", () => {
    const both = pocket(["permissions", "--previews", "--stage", "pr-1", "--account", ACCOUNT], { cwd: dir });
    expect(both.status).toBe(2);
    expect(both.stderr).toContain("--previews covers every preview stage; leave out --stage.");
    const none = project(TOML.replace('preview_stages = "pr-*"\npreview_base = "dev"\n', ""), "plain");
    const r = pocket(["permissions", "--previews", "--account", ACCOUNT], { cwd: none });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("pocket.toml sets no general.preview_stages");
  });
});
