import { describe, expect, it } from "vitest";
import { formatRun, nextCronRun, nextRateRun, nextRun } from "../src/resources/scheduler/next-run.js";

const at = (iso: string) => Date.parse(iso);
const next = (expr: string, tz: string, now: string) => nextCronRun(expr, tz, at(now))?.toISOString();

describe("AWS cron next run", () => {
  it("daily at 04:30 UTC", () => {
    expect(next("cron(30 4 * * ? *)", "UTC", "2026-03-01T12:00:00Z")).toBe("2026-03-02T04:30:00.000Z");
    expect(next("cron(30 4 * * ? *)", "UTC", "2026-03-01T04:29:59Z")).toBe("2026-03-01T04:30:00.000Z");
    // Strictly after now: the run at this very minute is not "next".
    expect(next("cron(30 4 * * ? *)", "UTC", "2026-03-01T04:30:00Z")).toBe("2026-03-02T04:30:00.000Z");
  });
  it("steps, lists, ranges and names", () => {
    expect(next("cron(0/15 * * * ? *)", "UTC", "2026-03-01T10:07:00Z")).toBe("2026-03-01T10:15:00.000Z");
    expect(next("cron(0 9 ? * MON-FRI *)", "UTC", "2026-02-28T10:00:00Z")).toBe("2026-03-02T09:00:00.000Z");
    expect(next("cron(0 8,20 1 JAN,JUL ? *)", "UTC", "2026-03-01T00:00:00Z")).toBe(
      "2026-07-01T08:00:00.000Z",
    );
    expect(next("cron(0 0 ? * 1 *)", "UTC", "2026-03-02T00:00:00Z")).toBe("2026-03-08T00:00:00.000Z");
  });
  it("L, W and # in the day fields", () => {
    expect(next("cron(0 0 L * ? *)", "UTC", "2026-02-10T00:00:00Z")).toBe("2026-02-28T00:00:00.000Z");
    expect(next("cron(0 0 L * ? *)", "UTC", "2028-02-10T00:00:00Z")).toBe("2028-02-29T00:00:00.000Z");
    // 15 March 2026 is a Sunday: the nearest weekday is Monday the 16th.
    expect(next("cron(0 12 15W * ? *)", "UTC", "2026-03-01T00:00:00Z")).toBe("2026-03-16T12:00:00.000Z");
    // The second Tuesday of March 2026 is the 10th; the last Friday is the 27th.
    expect(next("cron(0 12 ? * 3#2 *)", "UTC", "2026-03-01T00:00:00Z")).toBe("2026-03-10T12:00:00.000Z");
    expect(next("cron(0 12 ? * 6L *)", "UTC", "2026-03-01T00:00:00Z")).toBe("2026-03-27T12:00:00.000Z");
  });
  it("in a time zone, across a daylight-saving change", () => {
    expect(next("cron(30 4 * * ? *)", "Asia/Tokyo", "2026-03-01T12:00:00Z")).toBe("2026-03-01T19:30:00.000Z");
    // New York moves to EDT on 8 March 2026: 09:00 local is 14:00 UTC before, 13:00 UTC after.
    expect(next("cron(0 9 * * ? *)", "America/New_York", "2026-03-06T15:00:00Z")).toBe(
      "2026-03-07T14:00:00.000Z",
    );
    expect(next("cron(0 9 * * ? *)", "America/New_York", "2026-03-07T15:00:00Z")).toBe(
      "2026-03-08T13:00:00.000Z",
    );
  });
  it("a year field in the past never fires again", () => {
    expect(next("cron(0 0 1 1 ? 2020)", "UTC", "2026-03-01T00:00:00Z")).toBeUndefined();
    expect(next("cron(0 0 1 1 ? 2027-2029)", "UTC", "2026-03-01T00:00:00Z")).toBe("2027-01-01T00:00:00.000Z");
  });
});

describe("rate next run", () => {
  it("counts periods from when the schedule was created", () => {
    const created = at("2026-03-01T10:02:00Z");
    expect(nextRateRun("rate(15 minutes)", created, at("2026-03-01T10:20:00Z")).toISOString()).toBe(
      "2026-03-01T10:32:00.000Z",
    );
    expect(nextRateRun("rate(1 hour)", created, at("2026-03-01T10:02:00Z")).toISOString()).toBe(
      "2026-03-01T11:02:00.000Z",
    );
    expect(nextRun("rate(1 day)", "UTC", at("2026-03-05T00:00:00Z"), created)?.toISOString()).toBe(
      "2026-03-05T10:02:00.000Z",
    );
  });
});

describe("formatting", () => {
  it("shows UTC, and the local time with UTC for other zones", () => {
    expect(formatRun(new Date("2026-03-02T04:30:00Z"), "UTC")).toBe("2026-03-02 04:30 UTC");
    expect(formatRun(new Date("2026-03-01T19:30:00Z"), "Asia/Tokyo")).toBe(
      "2026-03-02 04:30 Asia/Tokyo (19:30 UTC)",
    );
  });
});
