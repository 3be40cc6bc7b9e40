import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "@magic-pocket/config";
import { beforeAll, describe, expect, it } from "vitest";
import { policyFor } from "../../src/commands/permissions-actions.js";
import { concretePolicy, RESOURCE_TYPE_ACTIONS } from "../../src/commands/permissions-policy.js";
import { pocket } from "../cli/run.js";
import { motoEnv } from "../moto/moto.js";
import { iamRequest, isAllowed, type PolicyDocument } from "../ops-iam-evaluator.js";
import { FULL_STAGE } from "../safety-full-stage.js";
import { freshProject } from "./harness.js";
import { operationOf, rawBody, recordedSteps } from "./recorder.js";

/*
 * The proof of `pocket permissions` (issue 13 item 4): the richest stage the tests know (managed
 * VPC with EFS, Aurora, Aurora DSQL, an SQS worker, two distributions with signed media, schedules) is
 * deployed, redeployed with a change, inspected and destroyed on moto with the recorder on, and
 * every call the CLI made must be allowed by the policy generated from its configuration.
 * CloudFormation's own calls happen inside moto and are not recorded: they are covered by the
 * second check, that every resource type of the stage's stacks has its actions in the policy.
 */
const REGION = "ap-northeast-1";
const SCHEDULES = `
[dev.awscontainer.iam]
permissions_boundary = "arn:aws:iam::123456789012:policy/dev-full-pocket-boundary"

[scheduler.schedules.clearsessions]
cron = "30 4 * * ? *"
handler = "management"
message = "clearsessions"

[scheduler.schedules.ping]
rate = "1 hour"
handler = "wsgi"
input = { path = "/health" }

[alarms]
email = "ops@example.com"

[dsql]
`;
const TOML = (memory: number) =>
  `${FULL_STAGE.replace("apigateway = {}", `apigateway = {}\nmemory_size = ${memory}`)}${SCHEDULES}`;
const env = () => ({ ...motoEnv(REGION), POCKET_RDS_POLL_MS: "10" });
const ACCOUNT = "123456789012";

let dir: string;
let image: string;
const { requests, step } = recordedSteps((args) => pocket(args, { cwd: dir, env: env() }));

beforeAll(async () => {
  ({ dir, image } = await freshProject(TOML(512), "full"));
});

describe("pocket permissions against the calls a deploy makes", () => {
  it("allows every call of deploy, a changed redeploy, status and destroy", async () => {
    await step("deploy", ["deploy", "--stage", "dev", "--image", image]);
    writeFileSync(join(dir, "pocket.toml"), TOML(1024));
    await step("redeploy", ["deploy", "--stage", "dev", "--image", image]);
    const status = await step("status", ["status", "--stage", "dev"]);
    // Each schedule is listed with its next run (moto's stack keeps the name-built output).
    expect(status.stdout + status.stderr).toMatch(
      /schedule clearsessions .*next run \d{4}-\d\d-\d\d 04:30 UTC/,
    );
    expect(status.stdout + status.stderr).toMatch(/schedule ping .*next run about \d{4}-/);
    await step("destroy", ["destroy", "--stage", "dev", "--yes", "--with-data"]);

    const loaded = loadConfig({ configPath: join(dir, "pocket.toml"), env: {}, stage: "dev" });
    if (!loaded.ok) throw new Error("config");
    const policy = concretePolicy(policyFor(loaded.config.context), ACCOUNT, "aws") as PolicyDocument;
    const seen = new Map<string, string>();
    const denied: string[] = [];
    for (const { step: name, request } of requests) {
      const call = iamRequest(request, ACCOUNT);
      const key = `${call.action} ${call.resources.join(" ")}`;
      seen.set(key, name);
      if (!isAllowed(policy, call)) denied.push(`${name}: ${key}`);
    }
    expect([...new Set(denied)]).toEqual([]);
    expect(seen.size).toBeGreaterThan(30);
    // The resource was read from the request for every service that scopes by name, so the
    // check above compared ARNs, not only actions (EC2 and STS allow no names for these calls,
    // CloudWatch's DescribeAlarms lists by a name prefix, and DSQL's ListClusters takes none).
    const actionOnly = [...seen.keys()].filter((k) => !k.includes(" arn:")).map((k) => k.trim());
    expect(
      actionOnly.every((k) => /^(ec2|sts):|^cloudwatch:DescribeAlarms$|^dsql:ListClusters$/.test(k)),
      actionOnly.join(", "),
    ).toBe(true);
  }, 120_000); // four full commands against moto: more than the 30 s a unit test gets

  it("holds the create, update and delete actions of every resource type the stacks were given", () => {
    const loaded = loadConfig({ configPath: join(dir, "pocket.toml"), env: {}, stage: "dev" });
    if (!loaded.ok) throw new Error("config");
    const policy = concretePolicy(policyFor(loaded.config.context), ACCOUNT, "aws") as PolicyDocument;
    // The templates CloudFormation actually received (CreateStack and UpdateStack bodies).
    const types = new Set<string>();
    for (const { request } of requests) {
      const op = operationOf(request);
      if (op !== "CreateStack" && op !== "UpdateStack") continue;
      const body = new URLSearchParams(rawBody(request).toString("utf8")).get("TemplateBody");
      for (const r of Object.values(JSON.parse(body!).Resources as Record<string, { Type: string }>))
        types.add(r.Type);
    }
    expect(types.has("AWS::Scheduler::Schedule")).toBe(true);
    expect(types.has("AWS::CloudFront::Distribution")).toBe(true);
    expect(types.has("AWS::EFS::FileSystem")).toBe(true);
    for (const type of types) {
      const actions = RESOURCE_TYPE_ACTIONS[type];
      expect(actions, type).toBeDefined();
      expect(
        actions!.some((a) => /:(Create|Request|Allocate|Put|POST|Attach|Associate|Authorize|Add)/.test(a)),
        `${type} create`,
      ).toBe(true);
      expect(
        actions!.some((a) => /:(Delete|Release|Remove|DELETE|Detach|Disassociate|Revoke)/.test(a)),
        `${type} delete`,
      ).toBe(true);
      for (const action of actions!) {
        const allowed = policy.Statement.some((st) =>
          (Array.isArray(st.Action) ? st.Action : [st.Action]).some(
            (a) => a.toLowerCase() === action.toLowerCase(),
          ),
        );
        expect(allowed, `${type}: ${action}`).toBe(true);
      }
    }
  });

  it("prints the policy from the command line, with the caller's account", () => {
    const r = pocket(["permissions", "--stage", "dev", "--json"], { cwd: dir, env: env() });
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as PolicyDocument & { Statement: { Sid: string; Resource: unknown }[] };
    expect(doc.Version).toBe("2012-10-17");
    expect(JSON.stringify(doc)).toContain(`:${ACCOUNT}:stack/dev-full-container/*`);
    expect(JSON.stringify(doc)).not.toContain("${AWS::");
    const text = pocket(["permissions", "--stage", "dev", "--account", "210987654321"], {
      cwd: dir,
      env: env(),
    });
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toContain(":210987654321:");
    expect(text.stderr).toContain("Wildcards, and why:");
    expect(text.stderr).toContain("EcrLogin: GetAuthorizationToken");
    const boundary = pocket(["permissions", "--stage", "dev", "--boundary", "--account", "210987654321"], {
      cwd: dir,
      env: env(),
    });
    expect(boundary.status, boundary.stderr).toBe(0);
    expect(JSON.parse(boundary.stdout).Statement.length).toBeGreaterThan(3);
    expect(boundary.stdout).toContain("arn:aws:s3:::dev-full-pocket/*");
    expect(boundary.stdout).not.toContain("${AWS::");
    const bad = pocket(["permissions", "--stage", "dev", "--account", "12"], { cwd: dir, env: env() });
    expect(bad.status).toBe(2);
    const role = pocket(["permissions", "--stage", "dev", "--role-template", "github:acme/shop:main"], {
      cwd: dir,
      env: { AWS_ACCESS_KEY_ID: undefined, AWS_ENDPOINT_URL: undefined },
    });
    expect(role.status, role.stderr).toBe(0);
    expect(role.stdout).toContain(
      "token.actions.githubusercontent.com:sub: repo:acme/shop:ref:refs/heads/main",
    );
    expect(role.stdout).toContain("AWS::IAM::ManagedPolicy");
    expect(role.stderr).toContain("The role trusts runs of acme/shop on the branch main, and nothing else");
    const wide = pocket(["permissions", "--stage", "dev", "--role-template", "github:acme/shop:main*"], {
      cwd: dir,
      env: { AWS_ACCESS_KEY_ID: undefined, AWS_ENDPOINT_URL: undefined },
    });
    expect(wide.status).toBe(2);
    expect(wide.stderr).toContain("--allow-wildcard-subject");
  });
});
