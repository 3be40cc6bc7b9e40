import * as z from "zod/mini";
import { anyTable, bool, fail, lazy, nonEmpty, optionalNonEmpty, table } from "./base.js";

/** Keys become schedule and role names: letters, digits, _ and -. */
const SCHEDULE_KEY = /^[A-Za-z][A-Za-z0-9_-]*$/;

const MONTHS = "JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC";
const DAYS = "SUN|MON|TUE|WED|THU|FRI|SAT";

/** One AWS cron field: its range and the extra characters it takes. */
interface CronField {
  name: string;
  min: number;
  max: number;
  names?: string;
  /** L, W, # and ? where AWS accepts them. */
  extra: RegExp;
}

const FIELDS: CronField[] = [
  { name: "minutes", min: 0, max: 59, extra: /$^/ },
  { name: "hours", min: 0, max: 23, extra: /$^/ },
  { name: "day-of-month", min: 1, max: 31, extra: /^(\?|L|L-\d{1,2}|\d{1,2}W|LW)$/ },
  { name: "month", min: 1, max: 12, names: MONTHS, extra: /$^/ },
  { name: "day-of-week", min: 1, max: 7, names: DAYS, extra: /^(\?|L|\d?L|\d#\d|[A-Z]{3}#\d|[A-Z]{3}L)$/ },
  { name: "year", min: 1970, max: 2199, extra: /$^/ },
];

/** Problems of a six-field AWS cron expression (`cron(...)` without the wrapper). */
export function cronProblems(expression: string): string[] {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 6) {
    return [
      `has ${parts.length} field${parts.length === 1 ? "" : "s"}; AWS cron has 6: minutes hours day-of-month month day-of-week year`,
    ];
  }
  const problems: string[] = [];
  parts.forEach((part, i) => {
    const f = FIELDS[i]!;
    const value = part.toUpperCase();
    if (f.extra.test(value)) return;
    const atom = (a: string) => {
      if (f.names && new RegExp(`^(${f.names})$`).test(a)) return true;
      if (!/^\d+$/.test(a)) return false;
      const n = Number(a);
      return n >= f.min && n <= f.max;
    };
    const ok = value.split(",").every((item) => {
      const [range, step, ...rest] = item.split("/");
      if (rest.length > 0 || (step !== undefined && !/^\d+$/.test(step))) return false;
      if (range === "*") return true;
      const ends = range!.split("-");
      return ends.length <= 2 && ends.every(atom);
    });
    if (!ok)
      problems.push(
        `${f.name} "${part}" is not valid (${f.min}-${f.max}${f.names ? " or names" : ""}, * , - /)`,
      );
  });
  const [, , dom, , dow] = parts;
  if ((dom === "?") === (dow === "?")) {
    problems.push(
      `exactly one of day-of-month ("${dom}") and day-of-week ("${dow}") must be "?" (AWS's rule)`,
    );
  }
  return problems;
}

/** `N minute(s)|hour(s)|day(s)`, singular exactly for 1. */
export function rateProblems(rate: string): string[] {
  const m = /^(\d+) (minute|minutes|hour|hours|day|days)$/.exec(rate.trim());
  if (!m) return ['must be "N minutes", "N hours" or "N days" (singular for 1, e.g. "1 hour")'];
  const n = Number(m[1]);
  if (n < 1) return ["must be at least 1"];
  const plural = m[2]!.endsWith("s");
  if (n === 1 && plural) return [`write "1 ${m[2]!.slice(0, -1)}" (AWS wants the singular for 1)`];
  if (n !== 1 && !plural) return [`write "${n} ${m[2]}s" (AWS wants the plural)`];
  return [];
}

let zones: Set<string> | undefined;
/** IANA names the runtime knows, and "UTC". */
export function isTimeZone(name: string): boolean {
  zones ??= new Set([...Intl.supportedValuesOf("timeZone"), "UTC"]);
  return zones.has(name);
}

const schedule = table({
  cron: optionalNonEmpty,
  rate: optionalNonEmpty,
  handler: nonEmpty,
  timezone: z._default(z.string(), "UTC"),
  enabled: bool(true),
  description: z.optional(z.string().check(z.maxLength(512))),
  /** Plain handler: the event, as a table. */
  input: z.optional(anyTable),
  /** Management-command handler: the command line. */
  manage: optionalNonEmpty,
  /** SQS handler: the message body (a table is sent as JSON). */
  message: z.optional(z.union([nonEmpty, anyTable])),
}).check(
  z.superRefine((s, ctx) => {
    if ((s.cron === undefined) === (s.rate === undefined)) {
      fail(
        ctx,
        "schedule-expression",
        "a schedule needs exactly one of cron or rate",
        s.cron === undefined ? [] : ["rate"],
        'e.g. cron = "30 4 * * ? *" (04:30 every day) or rate = "15 minutes"',
      );
    }
    for (const problem of s.cron === undefined ? [] : cronProblems(s.cron)) {
      fail(
        ctx,
        "schedule-cron",
        `cron "${s.cron}" ${problem}`,
        ["cron"],
        'e.g. "0 3 * * ? *" (03:00 every day)',
      );
    }
    for (const problem of s.rate === undefined ? [] : rateProblems(s.rate)) {
      fail(ctx, "schedule-rate", `rate "${s.rate}" ${problem}`, ["rate"]);
    }
    if (!isTimeZone(s.timezone)) {
      fail(
        ctx,
        "schedule-timezone",
        `timezone "${s.timezone}" is not an IANA time zone name`,
        ["timezone"],
        'e.g. "Asia/Tokyo" or "UTC"',
      );
    }
    const payloads = (["input", "manage", "message"] as const).filter((k) => s[k] !== undefined);
    if (payloads.length > 1) {
      fail(ctx, "schedule-payload", `a schedule sends one payload, not ${payloads.join(" and ")}`, [
        payloads[1]!,
      ]);
    }
  }),
);

/** `[scheduler]`: jobs EventBridge Scheduler starts on a handler. */
export const schedulerSchema = lazy(() =>
  table({
    schedules: z._default(
      z.record(
        z.string().check(
          z.regex(SCHEDULE_KEY, {
            error: "schedule names may only contain letters, digits, _ and -, starting with a letter",
          }),
        ),
        schedule,
      ),
      {},
    ),
  }),
);
