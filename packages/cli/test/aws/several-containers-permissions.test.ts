import { join } from "node:path";
import { CloudWatchClient, DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { loadConfig } from "@magic-pocket/config";
import { beforeAll, describe, expect, it } from "vitest";
import { policyFor } from "../../src/commands/permissions-actions.js";
import { concretePolicy } from "../../src/commands/permissions-policy.js";
import { pocket, project } from "../cli/run.js";
import { motoEnv, putTestImage } from "../moto/moto.js";
import { type IamCall, iamRequest, isAllowed, type PolicyDocument } from "../ops-iam-evaluator.js";
import { freshMoto, general, REGION } from "./harness.js";
import { recordedSteps } from "./recorder.js";
import { containerTables, servedContainers } from "./several-containers-stage.js";

/*
 * `pocket permissions` for a stage of two `[container.<name>]` (the original's current spelling):
 * every call of a deploy, a redeploy and a destroy on moto, made for either container (its
 * function, queue, role, repository, managed secrets, API, stack), is allowed by the stage's
 * policy, and the same calls are denied by the policy of another stage of the same file. With
 * `[alarms]`, the alarms stack watches both containers' functions.
 */
// A CI role writes the stage's roles only within a boundary (docs/decisions.md#e11-deploy-role-boundary).
const BOUNDARY = "arn:aws:iam::123456789012:policy/multi-pocket-boundary";
const TWO_CONTAINERS = `${general("multi", ["dev", "prd"])}
${containerTables(
  servedContainers({ boundary: BOUNDARY, v2Handlers: { jobs: { command: "app.jobs", trigger: "sqs" } } }),
)}
[alarms]
email = "ops@example.com"
`;
const ACCOUNT = "123456789012";
const env = () => motoEnv(REGION);

let dir: string;
let image: string;
const { requests, step } = recordedSteps((args) => pocket(args, { cwd: dir, env: env() }));
/** The calls the steps made, as IAM reads them. */
let calls: { step: string; call: IamCall }[] = [];
/** The stage's alarms after the first deploy. */
let alarmNames: string[] = [];

/** Each of `wanted` is in `found` (a text or a list); a failure names the one missing. */
function expectEach(found: string | string[], wanted: readonly string[]): void {
  for (const item of wanted) expect(found, item).toContain(item);
}

function policyOf(stage: string): PolicyDocument {
  const loaded = loadConfig({ configPath: join(dir, "pocket.toml"), env: {}, stage });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded));
  return concretePolicy(policyFor(loaded.config.context), ACCOUNT, "aws") as PolicyDocument;
}

const describeCall = ({ step: name, call }: { step: string; call: IamCall }) =>
  `${name}: ${call.action} ${call.resources.join(" ")}`;

beforeAll(async () => {
  // Both containers deploy the image given with --image, pushed to the first container's own
  // repository (as CI would): a repository outside the stage is no call the policy grants.
  await freshMoto();
  image = await putTestImage("dev-multi-pocket-web-lambda", "dev", REGION);
  dir = project(TWO_CONTAINERS, "multi");
  await step("deploy", ["deploy", "--stage", "dev", "--image", image]);
  const described = await new CloudWatchClient({ region: REGION }).send(
    new DescribeAlarmsCommand({ AlarmNamePrefix: "dev-multi-alarm-" }),
  );
  alarmNames = (described.MetricAlarms ?? []).map((a) => a.AlarmName!);
  await step("redeploy", ["deploy", "--stage", "dev", "--image", image]);
  await step("destroy", ["destroy", "--stage", "dev", "--yes", "--with-secrets"]);
  calls = requests.map(({ step: name, request }) => ({ step: name, call: iamRequest(request, ACCOUNT) }));
}, 240_000);

describe("pocket permissions for a stage of several containers", () => {
  it("allows every call deploy, redeploy and destroy made for each container", () => {
    const policy = policyOf("dev");
    const denied = [...new Set(calls.filter(({ call }) => !isAllowed(policy, call)).map(describeCall))];
    expect(denied).toEqual([]);
    // The calls named both containers' resources, so both were checked by name (the functions,
    // queues and roles are CloudFormation's calls: the last test reads them in the policy).
    const named = calls.flatMap(({ call }) => call.resources).join("\n");
    expectEach(named, [
      ":stack/dev-multi-container-web/",
      ":stack/dev-multi-container-v2/",
      ":repository/dev-multi-pocket-web-lambda",
      ":repository/dev-multi-pocket-v2-lambda",
      ":project/dev-multi-pocket-web-codebuild",
      ":project/dev-multi-pocket-v2-codebuild",
      ":role/forge-dev-multi-pocket-web-codebuild-role",
      ":role/forge-dev-multi-pocket-v2-codebuild-role",
      ":secret:dev-multi-web-pocket",
      ":secret:dev-multi-v2-pocket",
    ]);
  });

  it("deployed alarms on each container's functions and dead-letter queues", () => {
    expectEach(alarmNames, [
      "dev-multi-alarm-wsgi-errors",
      "dev-multi-alarm-worker-dead-letter",
      "dev-multi-alarm-v2-wsgi-errors",
      "dev-multi-alarm-v2-jobs-throttles",
      "dev-multi-alarm-v2-jobs-dead-letter",
    ]);
  });

  it("denies the same calls to another stage's policy, for each container", () => {
    const policy = policyOf("prd");
    for (const container of ["web", "v2"]) {
      const own = calls.filter(({ call }) =>
        call.resources.some(
          (r) =>
            r.includes(`dev-multi-pocket-${container}-`) ||
            r.includes(`dev-multi-${container}-pocket`) ||
            r.includes(`dev-multi-container-${container}/`),
        ),
      );
      expect(own.length, container).toBeGreaterThan(5);
      const allowed = own.filter(({ call }) => isAllowed(policy, call)).map(describeCall);
      expect(allowed, container).toEqual([]);
    }
  });

  it("prints a statement for each container's repository, role and secrets, ids unique", () => {
    const r = pocket(["permissions", "--stage", "dev", "--json", "--account", ACCOUNT], {
      cwd: dir,
      env: env(),
    });
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { Statement: { Sid: string }[] };
    const sids = doc.Statement.map((s) => s.Sid);
    expect(new Set(sids).size).toBe(sids.length);
    for (const container of ["web", "v2"]) {
      expect(r.stdout).toContain(`:role/lambda-dev-multi-${container}-pocket`);
      expect(r.stdout).toContain(`:function:dev-multi-pocket-${container}-wsgi`);
      expect(r.stdout).toContain(`:repository/dev-multi-pocket-${container}-lambda`);
    }
    expect(r.stdout).toContain(":dev-multi-pocket-web-worker");
    expect(r.stdout).toContain(":dev-multi-pocket-v2-jobs");
    expect(r.stdout).toContain(":secret:dev-multi-web-pocket");
    expect(r.stdout).toContain(":secret:dev-multi-v2-pocket");
  });
});
