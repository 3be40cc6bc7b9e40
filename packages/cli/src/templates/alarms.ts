import { type HandlerContext, logicalId, type PocketContext } from "@magic-pocket/config";
import { cfn, type Json, type Template, type TemplateParameter, type TemplateResource } from "./template.js";

/**
 * `[alarms]`: the stage's CloudWatch alarms, in their own stack `{slug}-alarms`, each named
 * `{slug}-alarm-...` so `pocket status` finds those in ALARM. What a small team needs to hear about:
 * the API answering 5xx, a function failing, throttled or running close to its timeout, messages
 * in a dead-letter queue, Aurora at its maximum capacity, schedules failing to start their job.
 * Every alarm treats missing data as fine: an idle stage is not an alarm. `containers` are the
 * stage's container views (resources/container-views.ts), the first first: with several
 * `[container.<name>]` every container's functions and schedule group are watched
 * (docs/decisions.md#d11-two-spellings-one-schema).
 */
export function alarmsTemplate(ctx: PocketContext, containers: readonly { ctx: PocketContext }[]): Template {
  const a = ctx.alarms;
  if (!a) throw new Error("alarmsTemplate needs [alarms]");
  const parameters: Record<string, TemplateParameter> = {};
  const r: Record<string, TemplateResource> = {};
  if (a.email) {
    r.AlarmTopic = {
      Type: "AWS::SNS::Topic",
      Properties: { TopicName: a.topicName, Subscription: [{ Protocol: "email", Endpoint: a.email }] },
    };
  }
  const actions: Json[] = [...(a.email ? [cfn.ref("AlarmTopic")] : []), ...(a.topicArn ? [a.topicArn] : [])];
  const alarm = (id: string, spec: AlarmSpec) => {
    r[id] = alarmResource(`${a.namePrefix}${spec.name}`, spec, actions);
  };
  for (const [i, { ctx: view }] of containers.entries()) {
    const w = watched(view, i);
    for (const h of Object.values(view.container?.handlers ?? {})) {
      for (const [id, spec] of Object.entries(handlerAlarms(h, w))) alarm(id, spec);
      if (h.apigateway) {
        const apiId = apiIdParameter(h, view, i);
        parameters[apiId] = { Type: "String", Description: `HTTP API id of handler ${w.name}${h.key}` };
        alarm(`${w.id}${h.logicalId}Api5xxAlarm`, {
          name: `${w.name}${h.key}-api-5xx`,
          description: `More than 5 % of the requests to the ${w.name}${h.key} API answered 5xx`,
          namespace: "AWS/ApiGateway",
          metric: "5xx",
          dimensions: { ApiId: cfn.ref(apiId) },
          statistic: "Average",
          threshold: 0.05,
          comparison: "GreaterThanThreshold",
        });
      }
    }
    if (view.scheduler && Object.keys(view.scheduler.schedules).length > 0) {
      for (const [id, spec] of Object.entries(scheduleAlarms(view.scheduler.groupName, w))) alarm(id, spec);
    }
  }
  if (ctx.rds) {
    alarm("AuroraMaxCapacityAlarm", {
      name: "aurora-max-capacity",
      description: `Aurora ran at its maximum capacity (${ctx.rds.maxCapacity} ACU) for 15 minutes`,
      namespace: "AWS/RDS",
      metric: "ServerlessDatabaseCapacity",
      dimensions: { DBClusterIdentifier: ctx.rds.clusterIdentifier },
      statistic: "Minimum",
      threshold: ctx.rds.maxCapacity,
      comparison: "GreaterThanOrEqualToThreshold",
      periods: 3,
    });
  }
  return {
    AWSTemplateFormatVersion: "2010-09-09",
    Description: `magic-pocket alarms stack ${a.stackName}`,
    ...(Object.keys(parameters).length > 0 ? { Parameters: parameters } : {}),
    Resources: r,
  };
}

/**
 * The stack parameter with the HTTP API id of a handler (read from its container's stack, as
 * the output `{logicalId}ApiId`); `view` is the handler's container view, `i` its place.
 */
export function apiIdParameter(h: HandlerContext, view: PocketContext, i: number): string {
  return `${watched(view, i).id}${h.logicalId}ApiId`;
}

/**
 * What a container's alarms carry before their own names: nothing for the first (or only)
 * container, so its alarms keep the names they had before a second container; a later one's
 * name, since two containers' handlers may share a key (`wsgi`).
 */
interface Watched {
  /** Before the alarm's logical id: `V2`. */
  id: string;
  /** Before the alarm's name after the stage's prefix: `v2-`. */
  name: string;
}

function watched(view: PocketContext, i: number): Watched {
  const name = i === 0 ? undefined : view.container?.name;
  return name === undefined ? { id: "", name: "" } : { id: logicalId(name), name: `${name}-` };
}

/** A schedule that could not start its job, or dropped it, in one container's schedule group. */
function scheduleAlarms(groupName: string, w: Watched): Record<string, AlarmSpec> {
  const group = { ScheduleGroup: groupName };
  return {
    [`${w.id}ScheduleTargetErrorsAlarm`]: anyOf(
      "AWS/Scheduler",
      "TargetErrorCount",
      group,
      `${w.name}schedules-target-errors`,
      `A schedule of ${groupName} could not start its job (the target call failed)`,
    ),
    [`${w.id}ScheduleDroppedAlarm`]: anyOf(
      "AWS/Scheduler",
      "InvocationDroppedCount",
      group,
      `${w.name}schedules-dropped`,
      `A schedule's job of ${groupName} was dropped after every retry`,
    ),
  };
}

interface AlarmSpec {
  /** After the stage's prefix: `wsgi-errors`. */
  name: string;
  description: string;
  namespace: string;
  metric: string;
  dimensions: Record<string, Json>;
  statistic: "Sum" | "Average" | "Maximum" | "Minimum";
  threshold: number;
  comparison: "GreaterThanThreshold" | "GreaterThanOrEqualToThreshold";
  /** Consecutive 5-minute periods over the threshold (default 1). */
  periods?: number;
}

/** An alarm on any occurrence of a counted event in five minutes (an error, a throttle). */
function anyOf(
  namespace: string,
  metric: string,
  dimensions: Record<string, Json>,
  name: string,
  description: string,
): AlarmSpec {
  return {
    name,
    description,
    namespace,
    metric,
    dimensions,
    statistic: "Sum",
    threshold: 1,
    comparison: "GreaterThanOrEqualToThreshold",
  };
}

/** Errors, throttles and a duration above 80 % of the timeout, for one function. */
function handlerAlarms(h: HandlerContext, w: Watched): Record<string, AlarmSpec> {
  const fn = { FunctionName: h.functionName };
  const K = `${w.id}${h.logicalId}`;
  const key = `${w.name}${h.key}`;
  const specs: Record<string, AlarmSpec> = {
    [`${K}ErrorsAlarm`]: anyOf(
      "AWS/Lambda",
      "Errors",
      fn,
      `${key}-errors`,
      `Function ${h.functionName} failed`,
    ),
    [`${K}ThrottlesAlarm`]: anyOf(
      "AWS/Lambda",
      "Throttles",
      fn,
      `${key}-throttles`,
      `Function ${h.functionName} was throttled (concurrency limit)`,
    ),
    [`${K}DurationAlarm`]: {
      name: `${key}-duration`,
      description: `Function ${h.functionName} ran longer than 80 % of its ${h.timeout} s timeout`,
      namespace: "AWS/Lambda",
      metric: "Duration",
      dimensions: fn,
      statistic: "Maximum",
      threshold: Math.round(h.timeout * 1000 * 0.8),
      comparison: "GreaterThanThreshold",
    },
  };
  if (h.deadLetterQueueName) {
    specs[`${K}DeadLetterAlarm`] = {
      name: `${key}-dead-letter`,
      description: `Messages wait in the dead-letter queue ${h.deadLetterQueueName}`,
      namespace: "AWS/SQS",
      metric: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: h.deadLetterQueueName },
      statistic: "Maximum",
      threshold: 1,
      comparison: "GreaterThanOrEqualToThreshold",
    };
  }
  return specs;
}

function alarmResource(name: string, s: AlarmSpec, actions: Json[]): TemplateResource {
  return {
    Type: "AWS::CloudWatch::Alarm",
    Properties: {
      AlarmName: name,
      AlarmDescription: s.description,
      Namespace: s.namespace,
      MetricName: s.metric,
      Dimensions: Object.entries(s.dimensions).map(([Name, Value]) => ({ Name, Value })),
      Statistic: s.statistic,
      Period: 300,
      EvaluationPeriods: s.periods ?? 1,
      Threshold: s.threshold,
      ComparisonOperator: s.comparison,
      TreatMissingData: "notBreaching",
      AlarmActions: actions,
    },
  };
}
