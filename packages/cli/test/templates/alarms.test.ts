import { describe, expect, it } from "vitest";
import { containerViews } from "../../src/resources/container-views.js";
import { alarmsTemplate } from "../../src/templates/alarms.js";
import type { Template } from "../../src/templates/template.js";
import {
  containerTables,
  DJANGO_SQS_WORKER,
  DJANGO_WSGI,
  twoContainerSchedules,
} from "../aws/several-containers-stage.js";
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
  const of = (stage: string) => {
    const ctx = loadInline(`${STAGE}${ALARMS}`, stage).context;
    return alarmsTemplate(ctx, containerViews(ctx));
  };
  const dev = of("dev");
  const prd = of("prd");

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

/*
 * Several `[container.<name>]` (the original's current spelling): the alarms watch every
 * container's handlers and each container's schedule group. The first container's alarms are
 * named as a single container's; a later one's carry its name (its handlers may share keys).
 */
const SEVERAL = `
[general]
region = "ap-northeast-1"
project_name = "multi"
stages = ["dev"]

${containerTables({
  web: {
    dockerfile: "Dockerfile",
    handlers: {
      wsgi: { command: DJANGO_WSGI, trigger: "apigateway" },
      worker: { command: DJANGO_SQS_WORKER, trigger: "sqs" },
    },
  },
  v2: {
    dockerfile: "v2/Dockerfile",
    handlers: {
      wsgi: { command: "app.handler", trigger: "apigateway" },
      jobs: { command: "app.jobs", trigger: "sqs" },
    },
  },
})}
${twoContainerSchedules("v2.wsgi")}
[alarms]
email = "ops@example.com"
`;

describe("alarms of several containers", () => {
  const ctx = loadInline(SEVERAL).context;
  const t = alarmsTemplate(ctx, containerViews(ctx));
  const a = alarms(t);
  const named = (id: string) => a[id]?.AlarmName;

  it("watches every container's functions, APIs and dead-letter queues", () => {
    expect(named("WsgiErrorsAlarm")).toBe("dev-multi-alarm-wsgi-errors");
    expect(named("V2WsgiErrorsAlarm")).toBe("dev-multi-alarm-v2-wsgi-errors");
    expect(named("V2WsgiThrottlesAlarm")).toBe("dev-multi-alarm-v2-wsgi-throttles");
    expect(named("V2WsgiDurationAlarm")).toBe("dev-multi-alarm-v2-wsgi-duration");
    expect(named("V2JobsDeadLetterAlarm")).toBe("dev-multi-alarm-v2-jobs-dead-letter");
    expect(a.V2WsgiErrorsAlarm).toMatchObject({
      Dimensions: [{ Name: "FunctionName", Value: "dev-multi-pocket-v2-wsgi" }],
    });
    expect(a.V2JobsDeadLetterAlarm).toMatchObject({
      Dimensions: [{ Name: "QueueName", Value: "dev-multi-pocket-v2-jobs-dead-letter" }],
    });
    expect(a.V2WsgiApi5xxAlarm).toMatchObject({
      AlarmName: "dev-multi-alarm-v2-wsgi-api-5xx",
      Dimensions: [{ Name: "ApiId", Value: { Ref: "V2WsgiApiId" } }],
    });
    expect(a.WsgiApi5xxAlarm).toMatchObject({ Dimensions: [{ Name: "ApiId", Value: { Ref: "WsgiApiId" } }] });
    expect(Object.keys(t.Parameters ?? {}).sort()).toEqual(["V2WsgiApiId", "WsgiApiId"]);
    const names = Object.values(a).map((p) => p.AlarmName);
    expect(new Set(names).size).toBe(names.length);
  });

  it("watches each container's schedule group", () => {
    const group = (id: string) => (a[id]?.Dimensions as { Value: unknown }[] | undefined)?.[0]?.Value;
    expect(group("ScheduleTargetErrorsAlarm")).toBe("dev-multi-pocket-schedules");
    expect(group("ScheduleDroppedAlarm")).toBe("dev-multi-pocket-schedules");
    expect(group("V2ScheduleTargetErrorsAlarm")).toBe("dev-multi-pocket-v2-schedules");
    expect(group("V2ScheduleDroppedAlarm")).toBe("dev-multi-pocket-v2-schedules");
    expect(named("V2ScheduleDroppedAlarm")).toBe("dev-multi-alarm-v2-schedules-dropped");
  });

  it("is cfn-lint clean", () => {
    for (const [name, matches] of cfnLint({ several: t })) expect(lintErrors(matches), name).toEqual([]);
  });
});
