import { A, type KindPermissions, P } from "../permissions.js";

/**
 * `[alarms]`: the alarms stack's CloudWatch alarms and SNS topic, named by the stage's alarm
 * prefix and topic name; `pocket status` reads the alarms' state (DescribeAlarms).
 */
export const alarmsPermissions: KindPermissions = {
  stackTypes: [
    {
      group: "Alarms",
      types: {
        "AWS::CloudWatch::Alarm": [
          "cloudwatch:PutMetricAlarm",
          "cloudwatch:DescribeAlarms",
          "cloudwatch:DeleteAlarms",
          "cloudwatch:TagResource",
          "cloudwatch:UntagResource",
        ],
        "AWS::SNS::Topic": [
          "sns:CreateTopic",
          "sns:DeleteTopic",
          "sns:GetTopicAttributes",
          "sns:SetTopicAttributes",
          "sns:Subscribe",
          "sns:Unsubscribe",
          "sns:ListSubscriptionsByTopic",
          "sns:TagResource",
          "sns:UntagResource",
        ],
      },
    },
  ],
  forStage: (ctx) => {
    const a = ctx.alarms;
    if (!a) return {};
    return {
      stacks: [{ name: a.stackName, region: a.region }],
      calls: [
        {
          sid: "ReadAlarmStates",
          part: "monitoring",
          actions: ["cloudwatch:DescribeAlarms"],
          resources: "*",
          reason: "DescribeAlarms lists the alarms by name prefix: the request names no alarm",
        },
      ],
      stackScopes: {
        Alarms: {
          resources: [
            `arn:${P}:cloudwatch:${a.region}:${A}:alarm:${a.namePrefix}*`,
            `arn:${P}:sns:${a.region}:${A}:${a.topicName}`,
          ],
        },
      },
    };
  },
};
