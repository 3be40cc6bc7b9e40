/**
 * When a schedule runs next, from its expression and IANA time zone, as EventBridge Scheduler
 * evaluates them: `cron(min hour day-of-month month day-of-week year)` in the zone's wall-clock
 * time, with AWS's extensions (`?`, `L`, `W`, `#`, names), and `rate(n unit)` counted from when
 * the schedule was created. Pure: `pocket status` shows the result, tests pin the clock.
 */

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

interface Field {
  any: boolean;
  values: Set<number>;
}

interface CronSpec {
  minutes: Field;
  hours: Field;
  dom: Field & { last: boolean; lastOffset: number; nearestWeekday?: number };
  months: Field;
  /** Day of week 1 (Sunday) to 7 (Saturday), AWS's numbering. */
  dow: Field & { last?: number; nth?: { day: number; n: number } };
  years: Field;
}

function parseField(text: string, min: number, max: number, names?: string[]): Field {
  if (text === "*" || text === "?") return { any: true, values: new Set() };
  const values = new Set<number>();
  const num = (s: string): number => {
    const i = names?.indexOf(s.toUpperCase()) ?? -1;
    if (i >= 0) return i + min;
    const n = Number(s);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${s} is not in ${min}-${max}`);
    return n;
  };
  for (const part of text.split(",")) {
    const [range, stepText] = part.split("/");
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new Error(`bad step in ${part}`);
    let lo: number;
    let hi: number;
    if (range === "*") {
      lo = min;
      hi = max;
    } else if (range!.includes("-")) {
      const [a, b] = range!.split("-");
      lo = num(a!);
      hi = num(b!);
    } else {
      lo = num(range!);
      hi = stepText === undefined ? lo : max;
    }
    if (lo <= hi) for (let v = lo; v <= hi; v += step) values.add(v);
    else {
      // A wrapping range (FRI-MON): what AWS accepts for days and months.
      for (let v = lo; v <= max; v += step) values.add(v);
      for (let v = min; v <= hi; v += step) values.add(v);
    }
  }
  return { any: false, values };
}

export function parseCron(expression: string): CronSpec {
  const inner = /^cron\((.*)\)$/.exec(expression.trim())?.[1] ?? expression;
  const f = inner.trim().split(/\s+/);
  if (f.length !== 6) throw new Error(`cron needs 6 fields, got ${f.length}`);
  const [mi, h, dom, mo, dow, y] = f as [string, string, string, string, string, string];
  const spec: CronSpec = {
    minutes: parseField(mi, 0, 59),
    hours: parseField(h, 0, 23),
    dom: { any: true, values: new Set(), last: false, lastOffset: 0 },
    months: parseField(mo, 1, 12, MONTHS),
    dow: { any: true, values: new Set() },
    years: parseField(y, 1970, 2199),
  };
  const last = /^L(?:-(\d+))?$/.exec(dom);
  const weekday = /^(\d+)W$/.exec(dom);
  if (last) spec.dom = { any: false, values: new Set(), last: true, lastOffset: Number(last[1] ?? 0) };
  else if (weekday)
    spec.dom = {
      any: false,
      values: new Set(),
      last: false,
      lastOffset: 0,
      nearestWeekday: Number(weekday[1]),
    };
  else spec.dom = { ...parseField(dom, 1, 31), last: false, lastOffset: 0 };
  const lastDow = /^(\w+)L$/.exec(dow);
  const nth = /^(\w+)#(\d)$/.exec(dow);
  const day = (s: string) => {
    const i = DAYS.indexOf(s.toUpperCase());
    return i >= 0 ? i + 1 : Number(s);
  };
  if (dow === "L") spec.dow = { any: false, values: new Set([7]) };
  else if (lastDow) spec.dow = { any: false, values: new Set(), last: day(lastDow[1]!) };
  else if (nth) spec.dow = { any: false, values: new Set(), nth: { day: day(nth[1]!), n: Number(nth[2]) } };
  else spec.dow = parseField(dow, 1, 7, DAYS);
  return spec;
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function dayMatches(spec: CronSpec, y: number, m: number, d: number): boolean {
  if (!spec.years.any && !spec.years.values.has(y)) return false;
  if (!spec.months.any && !spec.months.values.has(m)) return false;
  const length = daysIn(y, m);
  const weekday = new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 1;
  const dom = spec.dom;
  if (!dom.any) {
    if (dom.last) {
      if (d !== length - dom.lastOffset) return false;
    } else if (dom.nearestWeekday !== undefined) {
      if (d !== nearestWeekday(y, m, Math.min(dom.nearestWeekday, length))) return false;
    } else if (!dom.values.has(d)) return false;
  }
  const dow = spec.dow;
  if (!dow.any) {
    if (dow.last !== undefined) {
      if (weekday !== dow.last || d + 7 <= length) return false;
    } else if (dow.nth) {
      if (weekday !== dow.nth.day || Math.ceil(d / 7) !== dow.nth.n) return false;
    } else if (!dow.values.has(weekday)) return false;
  }
  return true;
}

function nearestWeekday(y: number, m: number, d: number): number {
  const wd = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
  if (wd === 6) return d === 1 ? 3 : d - 1;
  if (wd === 0) return d === daysIn(y, m) ? d - 2 : d + 1;
  return d;
}

/** Milliseconds to add to UTC to get the zone's wall clock at instant `t`. */
function offset(t: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(new Date(t));
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  const wall = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return wall - Math.floor(t / 1000) * 1000;
}

/** The instant of a wall-clock time in the zone (the later reading when DST makes it ambiguous). */
function instant(y: number, m: number, d: number, h: number, mi: number, timeZone: string): number {
  const wall = Date.UTC(y, m - 1, d, h, mi);
  let t = wall - offset(wall, timeZone);
  t = wall - offset(t, timeZone);
  return t;
}

/** The next run strictly after `now`, or undefined when the expression never fires again. */
export function nextCronRun(expression: string, timeZone: string, now: number): Date | undefined {
  const spec = parseCron(expression);
  const local = new Date(now + offset(now, timeZone));
  const minutes = spec.minutes.any ? range(0, 59) : [...spec.minutes.values].sort((a, b) => a - b);
  const hours = spec.hours.any ? range(0, 23) : [...spec.hours.values].sort((a, b) => a - b);
  // Eight years of days covers every expression that fires at all (29 February included).
  let day = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate());
  for (let i = 0; i < 366 * 8; i++, day += 86_400_000) {
    const date = new Date(day);
    const [y, m, d] = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
    if (!dayMatches(spec, y, m, d)) continue;
    for (const h of hours) {
      for (const mi of minutes) {
        const t = instant(y, m, d, h, mi, timeZone);
        if (t > now) return new Date(t);
      }
    }
  }
  return undefined;
}

function range(a: number, b: number): number[] {
  return Array.from({ length: b - a + 1 }, (_, i) => a + i);
}

const RATE_UNITS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** `rate(15 minutes)`: the first multiple of the period after `now`, counted from `since`. */
export function nextRateRun(expression: string, since: number, now: number): Date {
  const m = /^rate\((\d+)\s+(minute|hour|day)s?\)$/.exec(expression.trim());
  if (!m) throw new Error(`not a rate expression: ${expression}`);
  const period = Number(m[1]) * RATE_UNITS[m[2]!]!;
  if (since > now) return new Date(since + period);
  const n = Math.floor((now - since) / period) + 1;
  return new Date(since + n * period);
}

/** The next run of a schedule expression; `since` is when a rate schedule was created. */
export function nextRun(expression: string, timeZone: string, now: number, since?: number): Date | undefined {
  if (expression.startsWith("rate(")) return nextRateRun(expression, since ?? now, now);
  return nextCronRun(expression, timeZone, now);
}

/** `2026-03-02 04:30 UTC` or `2026-03-02 13:30 Asia/Tokyo (04:30 UTC)`. */
export function formatRun(t: Date, timeZone: string): string {
  const utc = t.toISOString().slice(0, 16).replace("T", " ");
  if (timeZone === "UTC") return `${utc} UTC`;
  const local = new Date(t.getTime() + offset(t.getTime(), timeZone))
    .toISOString()
    .slice(0, 16)
    .replace("T", " ");
  return `${local} ${timeZone} (${utc.slice(11)} UTC)`;
}
