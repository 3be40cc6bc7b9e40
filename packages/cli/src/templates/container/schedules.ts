import type { PocketContext, ScheduleContext } from "@magic-pocket/config";
import { cfn, type Json, type TemplateOutput, type TemplateResource } from "../template.js";

const ARN = "arn:${AWS::Partition}";

/**
 * `[scheduler.schedules.<key>]`: the stage's schedule group and one `AWS::Scheduler::Schedule`
 * per schedule, in the container stack next to the functions and queues they start. Each
 * schedule assumes a role of its own that may only start its one target (invoke that function,
 * or send to that queue) and write to the handler's dead-letter queue when it has one, so a
 * schedule can never reach another function of the stage.
 */
export function addSchedules(
  ctx: PocketContext,
  r: Record<string, TemplateResource>,
  outputs: Record<string, TemplateOutput>,
): void {
  const s = ctx.scheduler;
  const c = ctx.container;
  if (!s || !c || Object.keys(s.schedules).length === 0) return;
  r.ScheduleGroup = {
    Type: "AWS::Scheduler::ScheduleGroup",
    Properties: { Name: s.groupName },
  };
  for (const schedule of Object.values(s.schedules)) {
    const handler = c.handlers[schedule.handler];
    if (!handler)
      throw new Error(`schedule ${schedule.key} names handler ${schedule.handler}, which is missing`);
    const L = schedule.logicalId;
    r[`${L}Role`] = scheduleRole(ctx, schedule, handler.logicalId);
    // `pocket status` reads it to tell that the deployed stack holds the schedule. Spelled from
    // the names (no GetAtt): the same value, and emulators without Scheduler (moto) can still
    // create the stack.
    outputs[`${L}Arn`] = {
      Value: cfn.sub(
        `${ARN}:scheduler:\${AWS::Region}:\${AWS::AccountId}:schedule/${s.groupName}/${schedule.name}`,
      ),
    };
    r[L] = scheduleResource(schedule, handler.logicalId);
  }
}

/** The handler's dead-letter queue, when the schedule has one. */
function deadLetterQueue(schedule: ScheduleContext, handlerLogicalId: string): Json | undefined {
  return schedule.deadLetterQueueName ? cfn.getAtt(`${handlerLogicalId}DeadLetterQueue`, "Arn") : undefined;
}

/** The schedule's own role: it may start its one target and write to its dead-letter queue. */
function scheduleRole(ctx: PocketContext, schedule: ScheduleContext, K: string): TemplateResource {
  const c = ctx.container!;
  const groupName = ctx.scheduler!.groupName;
  const target = targetArn(schedule, K);
  const dlq = deadLetterQueue(schedule, K);
  const statements: Json[] = [
    schedule.target.kind === "lambda"
      ? {
          Sid: "StartTarget",
          Effect: "Allow",
          Action: ["lambda:InvokeFunction"],
          // The unqualified ARN is what the schedule names; ":*" covers $LATEST and versions.
          Resource: [target, cfn.sub(`\${${K}LambdaFunction.Arn}:*`)],
        }
      : { Sid: "StartTarget", Effect: "Allow", Action: ["sqs:SendMessage"], Resource: [target] },
  ];
  if (dlq) {
    // Scheduler sends what it could not deliver to the dead-letter queue with this role.
    statements.push({ Sid: "DeadLetter", Effect: "Allow", Action: ["sqs:SendMessage"], Resource: [dlq] });
  }
  return {
    Type: "AWS::IAM::Role",
    Properties: {
      RoleName: schedule.roleName,
      AssumeRolePolicyDocument: {
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: "scheduler.amazonaws.com" },
            Action: "sts:AssumeRole",
            // Only schedules of this account and this group may use the role (confused deputy).
            Condition: {
              StringEquals: { "aws:SourceAccount": cfn.ref("AWS::AccountId") },
              ArnLike: {
                "aws:SourceArn": cfn.sub(
                  `${ARN}:scheduler:\${AWS::Region}:\${AWS::AccountId}:schedule/${groupName}/*`,
                ),
              },
            },
          },
        ],
      },
      ...(c.permissionsBoundary ? { PermissionsBoundary: boundary(c.permissionsBoundary) } : {}),
      Policies: [
        {
          PolicyName: `${schedule.roleName}-policy`,
          PolicyDocument: { Version: "2012-10-17", Statement: statements },
        },
      ],
    },
  };
}

function scheduleResource(schedule: ScheduleContext, K: string): TemplateResource {
  const dlq = deadLetterQueue(schedule, K);
  return {
    Type: "AWS::Scheduler::Schedule",
    Properties: {
      Name: schedule.name,
      GroupName: cfn.ref("ScheduleGroup"),
      ScheduleExpression: schedule.expression,
      ScheduleExpressionTimezone: schedule.timezone,
      State: schedule.state,
      ...(schedule.description ? { Description: schedule.description } : {}),
      FlexibleTimeWindow: { Mode: "OFF" },
      Target: {
        Arn: targetArn(schedule, K),
        RoleArn: cfn.getAtt(`${schedule.logicalId}Role`, "Arn"),
        Input: schedule.target.input,
        RetryPolicy: {
          MaximumRetryAttempts: schedule.retryPolicy.maximumRetryAttempts,
          MaximumEventAgeInSeconds: schedule.retryPolicy.maximumEventAgeInSeconds,
        },
        ...(dlq ? { DeadLetterConfig: { Arn: dlq } } : {}),
      },
    },
  };
}

function targetArn(schedule: ScheduleContext, handlerLogicalId: string): Json {
  return schedule.target.kind === "lambda"
    ? cfn.getAtt(`${handlerLogicalId}LambdaFunction`, "Arn")
    : cfn.getAtt(`${handlerLogicalId}SqsQueue`, "Arn");
}

function boundary(value: string): Json {
  return value.startsWith("arn:") ? value : cfn.sub(`${ARN}:iam::\${AWS::AccountId}:policy/${value}`);
}
