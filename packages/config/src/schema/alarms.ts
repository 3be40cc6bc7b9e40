import * as z from "zod/mini";
import { lazy, needsOneOf, table } from "./base.js";

const EMAIL = /^[^\s@<>"]+@[^\s@<>"]+\.[A-Za-z]{2,63}$/;
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z]{2}(-[a-z]+)+-\d+:\d{12}:[A-Za-z0-9_-]{1,256}$/;

/**
 * `[alarms]`: CloudWatch alarms a small team needs (the API's 5xx rate, each function's errors,
 * throttles and duration near its timeout, dead-letter messages, Aurora at its maximum capacity,
 * schedules that fail), sent to an email address or an SNS topic. Per stage like every section
 * (`[prd.alarms]`).
 */
export const alarmsSchema = lazy(() =>
  table({
    email: z.optional(z.string().check(z.regex(EMAIL, { error: "must be an email address" }))),
    sns_topic_arn: z.optional(
      z
        .string()
        .check(z.regex(TOPIC_ARN, { error: "must be an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)" })),
    ),
  }).check(
    needsOneOf(
      ["email", "snsTopicArn"],
      "alarms-no-target",
      () => "[alarms] names nobody to notify",
      'Add email = "ops@example.com" or sns_topic_arn = "arn:aws:sns:REGION:ACCOUNT:NAME".',
    ),
  ),
);
