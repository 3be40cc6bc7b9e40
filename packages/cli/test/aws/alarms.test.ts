import { CloudWatchClient, DescribeAlarmsCommand, SetAlarmStateCommand } from "@aws-sdk/client-cloudwatch";
import { beforeAll, describe, expect, it } from "vitest";
import { pocket } from "../cli/run.js";
import { motoEnv, putTestImage } from "../moto/moto.js";
import { freshFolder, general, REGION } from "./harness.js";

/*
 * `[alarms]` (issue 26): deployed as the stage's alarms stack after the container, notifying the
 * stage's topic (the email's), and `pocket status` names the alarms in ALARM.
 */
// No apigateway: moto's CloudFormation makes no HTTP API, so the API 5xx alarm (which names the
// API by id) is checked in the template test (test/templates/alarms.test.ts) instead.
const TOML = `${general("alrm")}\n[s3]\n
[awscontainer]
dockerfile_path = "Dockerfile"

[awscontainer.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"

[awscontainer.handlers.worker]
command = "app.worker"
sqs = {}

[alarms]
email = "ops@example.com"
`;
const env = () => motoEnv(REGION);
let dir: string;
const cw = () => new CloudWatchClient({ region: REGION });

beforeAll(async () => {
  dir = await freshFolder(TOML, "alrm");
}, 120_000);

describe("[alarms] on a deployed stage", () => {
  it("deploys the alarms stack with the defaults, notifying the stage's topic", async () => {
    const image = await putTestImage("dev-alrm-pocket-lambda", "dev", REGION);
    const r = pocket(["deploy", "--stage", "dev", "--image", image], { cwd: dir, env: env() });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("alarms stack dev-alrm-alarms");
    const names = (
      (await cw().send(new DescribeAlarmsCommand({ AlarmNamePrefix: "dev-alrm-alarm-" }))).MetricAlarms ?? []
    )
      .map((a) => a.AlarmName)
      .sort();
    expect(names).toEqual(
      [
        "dev-alrm-alarm-worker-dead-letter",
        "dev-alrm-alarm-worker-duration",
        "dev-alrm-alarm-worker-errors",
        "dev-alrm-alarm-worker-throttles",
        "dev-alrm-alarm-wsgi-duration",
        "dev-alrm-alarm-wsgi-errors",
        "dev-alrm-alarm-wsgi-throttles",
      ].sort(),
    );
    const errors = await cw().send(new DescribeAlarmsCommand({ AlarmNames: ["dev-alrm-alarm-wsgi-errors"] }));
    expect(errors.MetricAlarms?.[0]?.AlarmActions).toEqual([
      expect.stringMatching(/:sns:.*:dev-alrm-alarms$/),
    ]);
    const again = pocket(["deploy", "--stage", "dev", "--image", image], { cwd: dir, env: env() });
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).toContain("No changes");
  }, 240_000);

  it("pocket status names the alarms in ALARM", async () => {
    const quiet = pocket(["status", "--stage", "dev"], { cwd: dir, env: env() });
    expect(quiet.status, quiet.stderr).toBe(0);
    expect(quiet.stdout).not.toContain("ALARM");
    await cw().send(
      new SetAlarmStateCommand({
        AlarmName: "dev-alrm-alarm-wsgi-errors",
        StateValue: "ALARM",
        StateReason: "test",
      }),
    );
    const r = pocket(["status", "--stage", "dev", "--json"], { cwd: dir, env: env() });
    const alarms = JSON.parse(r.stdout).resources.find((x: { id: string }) => x.id === "alarms");
    expect(alarms).toMatchObject({ state: "in-sync", detail: "ALARM: dev-alrm-alarm-wsgi-errors" });
    const text = pocket(["status", "--stage", "dev"], { cwd: dir, env: env() });
    expect(text.stdout).toMatch(
      /alarms stack dev-alrm-alarms\s+in sync \(ALARM: dev-alrm-alarm-wsgi-errors\)/,
    );
  }, 120_000);
});
