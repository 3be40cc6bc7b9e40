import { join } from "node:path";
import { loadConfig, type PocketContext } from "@magic-pocket/config";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { policyFor } from "../../src/commands/permissions-actions.js";
import { concretePolicy } from "../../src/commands/permissions-policy.js";
import type { Template } from "../../src/templates/template.js";
import { pocket, project } from "../cli/run.js";
import { motoEnv, putTestImage } from "../moto/moto.js";
import { type IamCall, iamRequest, isAllowed, type PolicyDocument } from "../ops-iam-evaluator.js";
import { cfnLint, lintErrors } from "../templates/cfn-lint.js";
import { DJANGO_API_CONTAINER, freshMoto, general, REGION } from "./harness.js";
import { recordedSteps } from "./recorder.js";

/*
 * `pocket permissions --stage prd --image-from dev` (docs/decisions.md#e15-promotion-by-digest):
 * every call `pocket deploy --stage prd --image-from dev` makes on moto is allowed by prd's policy
 * with the option, and the reads of dev's stack and repository are denied without it. What the
 * option adds reads dev and writes nothing of it.
 */
const BOUNDARY = "arn:aws:iam::123456789012:policy/promoperm-boundary";
const TOML = `${general("promoperm", ["dev", "prd", "stg"])}\n${DJANGO_API_CONTAINER}
[awscontainer.iam]
permissions_boundary = "${BOUNDARY}"
`;
const ACCOUNT = "123456789012";
const env = () => motoEnv(REGION);
const pocketHere = (args: string[]) => pocket(args, { cwd: dir, env: env() });
/** `pocket permissions --stage prd ...args`. */
const prdPermissions = (...args: string[]) => pocketHere(["permissions", "--stage", "prd", ...args]);
let dir: string;
const { requests, step } = recordedSteps(pocketHere);

function contextOf(stage: string): PocketContext {
  const loaded = loadConfig({ configPath: join(dir, "pocket.toml"), env: {}, stage });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded));
  return loaded.config.context;
}

const policyOf = (stage: string, imageFrom: string[] = []): PolicyDocument =>
  concretePolicy(policyFor(contextOf(stage), imageFrom.map(contextOf)), ACCOUNT, "aws") as PolicyDocument;

const deniedBy = (policy: PolicyDocument, calls: IamCall[]) => [
  ...new Set(calls.filter((c) => !isAllowed(policy, c)).map((c) => `${c.action} ${c.resources.join(" ")}`)),
];

beforeAll(async () => {
  await freshMoto();
  dir = project(TOML, "promoperm");
  const image = await putTestImage("dev-promoperm-pocket-lambda", "dev", REGION);
  const dev = pocketHere(["deploy", "--stage", "dev", "--image", image]);
  expect(dev.status, dev.stderr).toBe(0);
  await step("promote", ["deploy", "--stage", "prd", "--image-from", "dev"]);
}, 240_000);

describe("pocket permissions --image-from", () => {
  it("allows every call of a promotion from dev, and without it denies exactly the reads of dev", () => {
    const calls = requests.map(({ request }) => iamRequest(request, ACCOUNT));
    expect(calls.some((c) => c.action === "ecr:PutImage")).toBe(true);
    expect(deniedBy(policyOf("prd", ["dev"]), calls)).toEqual([]);
    expect(deniedBy(policyOf("prd"), calls).sort()).toEqual([
      `cloudformation:DescribeStacks arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/dev-promoperm-container/id`,
      `ecr:BatchGetImage arn:aws:ecr:${REGION}:${ACCOUNT}:repository/dev-promoperm-pocket-lambda`,
    ]);
  });

  it("adds only reads of the source stage's container stack and repository", () => {
    const without = new Set(policyOf("prd").Statement.map((s) => JSON.stringify(s)));
    const added = policyOf("prd", ["dev"]).Statement.filter((s) => !without.has(JSON.stringify(s)));
    expect(added).toEqual([
      {
        Sid: "ImageFromStacks",
        Effect: "Allow",
        Action: ["cloudformation:DescribeStacks"],
        Resource: [`arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/dev-promoperm-container/*`],
      },
      {
        Sid: "ImageFromRepositories",
        Effect: "Allow",
        Action: ["ecr:BatchGetImage"],
        Resource: [`arn:aws:ecr:${REGION}:${ACCOUNT}:repository/dev-promoperm-pocket-lambda`],
      },
    ]);
  });

  it("prints it from the command line, for several sources, and in a cfn-lint-clean role template", () => {
    const r = prdPermissions("--image-from", "dev,stg", "--json", "--account", ACCOUNT);
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as PolicyDocument;
    const stacks = doc.Statement.find((s) => s.Sid === "ImageFromStacks");
    expect(stacks?.Resource).toEqual([
      `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/dev-promoperm-container/*`,
      `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/stg-promoperm-container/*`,
    ]);
    const repeated = prdPermissions(
      "--image-from",
      "dev",
      "--image-from",
      "stg",
      "--json",
      "--account",
      ACCOUNT,
    );
    expect(repeated.stdout).toBe(r.stdout);

    const role = prdPermissions("--image-from", "dev", "--role-template", "github:acme/shop");
    expect(role.status, role.stderr).toBe(0);
    expect(role.stdout).toContain("stack/dev-promoperm-container/*");
    expect(role.stdout).toContain("repository/dev-promoperm-pocket-lambda");
    const template = parse(role.stdout, { version: "1.1" }) as Template;
    expect(lintErrors(cfnLint({ role: template }).get("role")!)).toEqual([]);
  }, 60_000);

  it("refuses a source that is not another listed stage of the project", () => {
    const unknown = prdPermissions("--image-from", "qa", "--account", ACCOUNT);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("--image-from qa is not a stage of pocket.toml (stages: dev, prd, stg)");
    expect(unknown.stdout).toBe("");
    const itself = prdPermissions("--image-from", "prd", "--account", ACCOUNT);
    expect(itself.status).toBe(2);
    expect(itself.stderr).toContain("--image-from names stage prd itself");
  });
});
