import { describe, expect, it } from "vitest";
import { alarmsTemplate } from "../../src/templates/alarms.js";
import type { Template } from "../../src/templates/template.js";
import { cfnLint, lintErrors } from "./cfn-lint.js";
import { loadInline } from "./context.js";

/* `[alarms]` (issue 26): the defaults a small team needs, notifying an email or a topic. */
const STAGE = `
[general]
region = "ap-northeast-1"
project_name = "myapp"
stages = ["dev", "prd"]

[awscontainer]
dockerfile_path = "pocket.Dockerfile"

[awscontainer.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"
apigateway = {}

[awscontainer.handlers.worker]
command = "pocket.django.lambda_handlers.management_command_handler"
timeout = 600
sqs = {}

[vpc]
ref = "main"
zone_suffixes = ["a", "c"]

[rds]
max_capacity = 4

[scheduler.schedules.nightly]
cron = "0 3 * * ? *"
handler = "worker"
message = "nightly"
`;
const ALARMS = `
[alarms]
email = "ops@example.com"

[prd.alarms]
sns_topic_arn = "arn:aws:sns:ap-northeast-1:123456789012:oncall"
`;

type Alarm = { Type: string; Properties: Record<string, unknown> };
const alarms = (t: Template) =>
  Object.fromEntries(
    Object.entries(t.Resources as unknown as Record<string, Alarm>)
      .filter(([, r]) => r.Type === "AWS::CloudWatch::Alarm")
      .map(([id, r]) => [id, r.Properties]),
  );

describe("alarms template", () => {
  const dev = alarmsTemplate(loadInline(`${STAGE}${ALARMS}`).context);
  const prd = alarmsTemplate(loadInline(`${STAGE}${ALARMS}`, "prd").context);

  it("has the defaults: API 5xx rate, errors/throttles/duration per function, dead letters, Aurora, schedules", () => {
    expect(Object.keys(alarms(dev)).sort()).toEqual(
      [
        "WsgiApi5xxAlarm",
        "WsgiErrorsAlarm",
        "WsgiThrottlesAlarm",
        "WsgiDurationAlarm",
        "WorkerErrorsAlarm",
        "WorkerThrottlesAlarm",
        "WorkerDurationAlarm",
        "WorkerDeadLetterAlarm",
        "AuroraMaxCapacityAlarm",
        "ScheduleTargetErrorsAlarm",
        "ScheduleDroppedAlarm",
      ].sort(),
    );
    const a = alarms(dev);
    expect(a.WorkerDurationAlarm).toMatchObject({ Threshold: 480_000, MetricName: "Duration" });
    expect(a.WsgiDurationAlarm).toMatchObject({ Threshold: 24_000 });
    expect(a.WorkerDeadLetterAlarm).toMatchObject({
      Dimensions: [{ Name: "QueueName", Value: "dev-myapp-pocket-worker-dead-letter" }],
    });
    expect(a.AuroraMaxCapacityAlarm).toMatchObject({
      Threshold: 4,
      MetricName: "ServerlessDatabaseCapacity",
    });
    expect(a.WsgiApi5xxAlarm).toMatchObject({ Dimensions: [{ Name: "ApiId", Value: { Ref: "WsgiApiId" } }] });
    for (const [id, p] of Object.entries(a)) {
      expect(p.AlarmName, id).toMatch(/^dev-myapp-alarm-/);
      expect(p.TreatMissingData, id).toBe("notBreaching");
    }
  });

  it("notifies the email through a topic of its own; a stage may name its own topic instead", () => {
    expect(dev.Resources.AlarmTopic).toMatchObject({
      Type: "AWS::SNS::Topic",
      Properties: { Subscription: [{ Protocol: "email", Endpoint: "ops@example.com" }] },
    });
    expect(alarms(dev).WsgiErrorsAlarm!.AlarmActions).toEqual([{ Ref: "AlarmTopic" }]);
    // [prd.alarms] adds the topic to the email of [alarms] (stage tables merge into the section).
    expect(alarms(prd).WsgiErrorsAlarm!.AlarmActions).toEqual([
      { Ref: "AlarmTopic" },
      "arn:aws:sns:ap-northeast-1:123456789012:oncall",
    ]);
  });

  it("is cfn-lint clean", () => {
    for (const [name, matches] of cfnLint({ dev, prd })) expect(lintErrors(matches), name).toEqual([]);
  });
});

describe("[alarms] validation", () => {
  it("names nobody to notify: an error at the section", () => {
    expect(() => loadInline(`${STAGE}\n[alarms]\n`)).toThrow(/\[alarms\] names nobody to notify/);
  });
  it("a malformed topic ARN is refused at its key", () => {
    expect(() => loadInline(`${STAGE}\n[alarms]\nsns_topic_arn = "oncall"\n`)).toThrow(
      /must be an SNS topic ARN/,
    );
  });
});
