import { describe, expect, it } from "vitest";
import { policyFor } from "../../src/commands/permissions-actions.js";
import { concretePolicy } from "../../src/commands/permissions-policy.js";
import { containerViews } from "../../src/resources/container-views.js";
import { containerTemplate } from "../../src/templates/container/index.js";
import type { Template } from "../../src/templates/template.js";
import { twoContainerSchedules } from "../aws/several-containers-stage.js";
import { cfnLint } from "./cfn-lint.js";
import { loadInline } from "./context.js";

/*
 * Schedules of several `[container.<name>]` (the original's configuration.md, "scheduler"):
 * each container stack holds the schedules that start its handlers, in a group of its own.
 */
const TOML = `
[general]
region = "ap-northeast-1"
project_name = "sched"
stages = ["dev"]

[container.web]
dockerfile_path = "Dockerfile"
permissions_boundary = "arn:aws:iam::123456789012:policy/pocket-boundary"
[container.web.handlers.worker]
command = "pocket.django.lambda_handlers.sqs_management_command_handler"
sqs = {}

[container.v2]
dockerfile_path = "v2/Dockerfile"
permissions_boundary = "arn:aws:iam::123456789012:policy/pocket-boundary"
[container.v2.handlers.tick]
command = "app.tick"

${twoContainerSchedules("v2.tick")}`;

const ctx = loadInline(TOML).context;
const templates = Object.fromEntries(
  containerViews(ctx).map((v) => [v.id, containerTemplate(v.ctx)]),
) as Record<string, Template>;
const ofType = (t: Template, type: string) =>
  Object.entries(t.Resources)
    .filter(([, r]) => r.Type === type)
    .map(([id, r]) => [id, (r.Properties as { Name?: string }).Name]);

describe("schedules of several containers", () => {
  it("each container stack holds the schedules of its handlers, in its own group", () => {
    expect(ofType(templates.container!, "AWS::Scheduler::ScheduleGroup")).toEqual([
      ["ScheduleGroup", "dev-sched-pocket-schedules"],
    ]);
    expect(ofType(templates.container!, "AWS::Scheduler::Schedule")).toEqual([
      ["ScheduleNightly", "nightly"],
    ]);
    expect(ofType(templates["container:v2"]!, "AWS::Scheduler::ScheduleGroup")).toEqual([
      ["ScheduleGroup", "dev-sched-pocket-v2-schedules"],
    ]);
    expect(ofType(templates["container:v2"]!, "AWS::Scheduler::Schedule")).toEqual([
      ["ScheduleTick", "tick"],
    ]);
  });

  it("the role of a later container's schedule trusts that container's group only", () => {
    const role = templates["container:v2"]!.Resources.ScheduleTickRole!.Properties as any;
    const condition = role.AssumeRolePolicyDocument.Statement[0].Condition.ArnLike["aws:SourceArn"];
    expect(JSON.stringify(condition)).toContain("schedule/dev-sched-pocket-v2-schedules/*");
  });

  it("the stage's policy reaches both groups and passes each schedule's role to the scheduler", () => {
    const policy = concretePolicy(policyFor(ctx), "123456789012", "aws") as {
      Statement: { Sid: string; Resource: string[] | string }[];
    };
    const resources = JSON.stringify(policy.Statement.flatMap((s) => s.Resource));
    expect(resources).toContain("schedule-group/dev-sched-pocket-schedules");
    expect(resources).toContain("schedule-group/dev-sched-pocket-v2-schedules");
    const pass = (sid: string) => policy.Statement.find((s) => s.Sid === sid)?.Resource;
    expect(pass("PassScheduleRoles")).toEqual([
      "arn:aws:iam::123456789012:role/dev-sched-pocket-schedule-nightly",
    ]);
    expect(pass("PassScheduleRolesV2")).toEqual([
      "arn:aws:iam::123456789012:role/dev-sched-pocket-schedule-tick",
    ]);
  });

  it("cfn-lint finds nothing in either stack", () => {
    const lint = cfnLint(templates);
    expect(lint.get("container")).toEqual([]);
    expect(lint.get("container:v2")).toEqual([]);
  });
});
