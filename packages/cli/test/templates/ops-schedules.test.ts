import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "@magic-pocket/config";
import { describe, expect, it } from "vitest";
import { containerTemplate } from "../../src/templates/container/index.js";
import type { Template } from "../../src/templates/template.js";
import { repoRoot } from "../cli/run.js";
import { cfnLint } from "./cfn-lint.js";
import { loadInline } from "./context.js";

// moto's CloudFormation does not model AWS::Scheduler::Schedule or ScheduleGroup (it leaves them
// out of a stack), so the schedules are checked here, on the template, and with cfn-lint.

const TOML = `
[general]
region = "ap-northeast-1"
project_name = "sched"
stages = ["dev"]

[awscontainer]
dockerfile_path = "Dockerfile"
permissions_boundary = "arn:aws:iam::123456789012:policy/pocket-boundary"

[awscontainer.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"

[awscontainer.handlers.management]
command = "pocket.django.lambda_handlers.management_command_handler"
timeout = 600

[awscontainer.handlers.worker]
command = "pocket.django.lambda_handlers.sqs_management_command_handler"
sqs = {}

[scheduler.schedules.clearsessions]
cron = "30 4 * * ? *"
handler = "management"
manage = "clearsessions"
description = "delete expired sessions"

[scheduler.schedules.tick]
rate = "15 minutes"
handler = "worker"
message = { command = "tick", args = ["--fast"] }
timezone = "Asia/Tokyo"

[scheduler.schedules.ping]
rate = "1 hour"
handler = "wsgi"
input = { path = "/health" }
enabled = false
`;

const template = containerTemplate(loadInline(TOML).context);
const props = (t: Template, id: string): any => t.Resources[id]!.Properties;

describe("schedules in the container stack", () => {
  it("puts every schedule in the stage's group", () => {
    expect(props(template, "ScheduleGroup")).toEqual({ Name: "dev-sched-pocket-schedules" });
    for (const id of ["ScheduleClearsessions", "ScheduleTick", "SchedulePing"]) {
      expect(template.Resources[id]!.Type).toBe("AWS::Scheduler::Schedule");
      expect(props(template, id).GroupName).toEqual({ Ref: "ScheduleGroup" });
      expect(props(template, id).FlexibleTimeWindow).toEqual({ Mode: "OFF" });
    }
  });

  it("sends each handler kind its payload: manage, queue message, plain event", () => {
    const clear = props(template, "ScheduleClearsessions");
    expect(clear.ScheduleExpression).toBe("cron(30 4 * * ? *)");
    expect(clear.ScheduleExpressionTimezone).toBe("UTC");
    expect(clear.State).toBe("ENABLED");
    expect(clear.Description).toBe("delete expired sessions");
    expect(clear.Target.Arn).toEqual({ "Fn::GetAtt": ["ManagementLambdaFunction", "Arn"] });
    expect(JSON.parse(clear.Target.Input)).toEqual({ manage: "clearsessions" });
    const tick = props(template, "ScheduleTick");
    expect(tick.ScheduleExpression).toBe("rate(15 minutes)");
    expect(tick.ScheduleExpressionTimezone).toBe("Asia/Tokyo");
    expect(tick.Target.Arn).toEqual({ "Fn::GetAtt": ["WorkerSqsQueue", "Arn"] });
    expect(JSON.parse(tick.Target.Input)).toEqual({ command: "tick", args: ["--fast"] });
    const ping = props(template, "SchedulePing");
    expect(ping.State).toBe("DISABLED");
    expect(JSON.parse(ping.Target.Input)).toEqual({ path: "/health" });
  });

  it("retries and uses the handler's dead-letter queue where it has one", () => {
    const clear = props(template, "ScheduleClearsessions");
    expect(clear.Target.RetryPolicy).toEqual({ MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 3600 });
    expect(clear.Target.DeadLetterConfig).toBeUndefined();
    const tick = props(template, "ScheduleTick");
    expect(tick.Target.RetryPolicy.MaximumRetryAttempts).toBeGreaterThan(0);
    expect(tick.Target.DeadLetterConfig).toEqual({ Arn: { "Fn::GetAtt": ["WorkerDeadLetterQueue", "Arn"] } });
  });

  it("gives each schedule a role that may only start its own target", () => {
    const role = props(template, "ScheduleClearsessionsRole");
    expect(role.RoleName).toBe("dev-sched-pocket-schedule-clearsessions");
    expect(role.PermissionsBoundary).toBe("arn:aws:iam::123456789012:policy/pocket-boundary");
    const trust = role.AssumeRolePolicyDocument.Statement[0];
    expect(trust.Principal).toEqual({ Service: "scheduler.amazonaws.com" });
    expect(trust.Condition.StringEquals).toEqual({ "aws:SourceAccount": { Ref: "AWS::AccountId" } });
    expect(trust.Condition.ArnLike["aws:SourceArn"]["Fn::Sub"]).toContain(
      ":schedule/dev-sched-pocket-schedules/*",
    );
    expect(role.Policies[0].PolicyDocument.Statement).toEqual([
      {
        Sid: "StartTarget",
        Effect: "Allow",
        Action: ["lambda:InvokeFunction"],
        Resource: [
          { "Fn::GetAtt": ["ManagementLambdaFunction", "Arn"] },
          { "Fn::Sub": "${ManagementLambdaFunction.Arn}:*" },
        ],
      },
    ]);
    expect(props(template, "ScheduleTickRole").Policies[0].PolicyDocument.Statement).toEqual([
      {
        Sid: "StartTarget",
        Effect: "Allow",
        Action: ["sqs:SendMessage"],
        Resource: [{ "Fn::GetAtt": ["WorkerSqsQueue", "Arn"] }],
      },
      {
        Sid: "DeadLetter",
        Effect: "Allow",
        Action: ["sqs:SendMessage"],
        Resource: [{ "Fn::GetAtt": ["WorkerDeadLetterQueue", "Arn"] }],
      },
    ]);
    // Every statement of every schedule role names resources; none is "*".
    for (const [id, r] of Object.entries(template.Resources)) {
      if (!id.startsWith("Schedule") || r.Type !== "AWS::IAM::Role") continue;
      for (const s of props(template, id).Policies[0].PolicyDocument.Statement)
        expect(s.Resource).not.toBe("*");
    }
  });

  it("adds nothing to a stage without schedules", () => {
    const plain = containerTemplate(loadInline(TOML.replace(/\[scheduler[\s\S]*/, "")).context);
    expect(Object.keys(plain.Resources).filter((k) => k.startsWith("Schedule"))).toEqual([]);
  });

  it("renders the example app's schedules, and cfn-lint finds nothing", () => {
    const file = join(repoRoot, "examples/django/pocket.toml");
    const result = loadConfig({
      configPath: file,
      source: readFileSync(file, "utf8"),
      env: {},
      stage: "prd",
    });
    if (!result.ok) throw new Error(result.diagnostics.map((d) => d.message).join("\n"));
    expect(result.config.warnings).toEqual([]);
    const example = containerTemplate(result.config.context);
    expect(props(example, "ScheduleClearsessions").ScheduleExpression).toBe("cron(30 4 * * ? *)");
    expect(JSON.parse(props(example, "ScheduleClearsessions").Target.Input)).toEqual({
      manage: "clearsessions",
    });
    expect(props(example, "ScheduleHeartbeat").ScheduleExpression).toBe("rate(15 minutes)");
    expect(props(example, "ScheduleHeartbeat").Target.Input).toBe("check");
    const lint = cfnLint({ schedules: template, example });
    expect(lint.get("schedules")).toEqual([]);
    expect(lint.get("example")).toEqual([]);
  });
});
