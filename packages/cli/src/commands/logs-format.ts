import { styleText } from "node:util";
import { CliError } from "../errors.js";
import { printable } from "../util/printable.js";

/**
 * Pure parts of `pocket logs`: the `--since` value, Lambda's platform lines (START, END, REPORT,
 * INIT_START) condensed, and the line or JSON object printed per event.
 */

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `10m`, `2h`, `90s`, `1d`, `1w`, or an ISO 8601 time; returns epoch milliseconds. */
export function parseSince(value: string, now = Date.now()): number {
  const relative = /^(\d+)\s*([smhdw])$/.exec(value.trim());
  if (relative) return now - Number(relative[1]) * UNITS[relative[2]!]!;
  if (/^\d{4}-\d{2}-\d{2}/.test(value.trim())) {
    const t = Date.parse(value.trim());
    if (!Number.isNaN(t)) return t;
  }
  throw new CliError("invalid-since", `--since ${value} is neither a duration nor an ISO 8601 time.`, {
    hint: "Use e.g. --since 10m, --since 2h, --since 1d or --since 2026-01-31T09:00:00Z.",
    exitCode: 2,
  });
}

export type LogLine =
  | { kind: "message"; message: string; requestId?: string; level?: string }
  | { kind: "start" | "end"; requestId: string }
  | { kind: "init"; message: string }
  | {
      kind: "report";
      requestId: string;
      durationMs: number;
      billedMs?: number;
      memorySizeMb?: number;
      maxMemoryUsedMb?: number;
      initDurationMs?: number;
      coldStart: boolean;
      status?: string;
    };

const REQUEST_ID = "([0-9a-fA-F-]{8,})";

/** Classifies one CloudWatch message of a Lambda function's log (text format). */
export function parseLambdaLine(raw: string): LogLine {
  const message = raw.replace(/\n$/, "");
  const start = new RegExp(`^START RequestId: ${REQUEST_ID}`).exec(message);
  if (start) return { kind: "start", requestId: start[1]! };
  const end = new RegExp(`^END RequestId: ${REQUEST_ID}`).exec(message);
  if (end) return { kind: "end", requestId: end[1]! };
  if (/^INIT_START /.test(message)) return { kind: "init", message };
  const report = new RegExp(`^REPORT RequestId: ${REQUEST_ID}`).exec(message);
  if (report) {
    const num = (label: string) => {
      const m = new RegExp(`${label}: ([\\d.]+)`).exec(message);
      return m ? Number(m[1]) : undefined;
    };
    const initDurationMs = num("Init Duration");
    const status = /Status: (\w+)/.exec(message)?.[1];
    return {
      kind: "report",
      requestId: report[1]!,
      durationMs: num("(?<!Billed )Duration") ?? 0,
      billedMs: num("Billed Duration"),
      memorySizeMb: num("Memory Size"),
      maxMemoryUsedMb: num("Max Memory Used"),
      initDurationMs,
      coldStart: initDurationMs !== undefined,
      ...(status ? { status } : {}),
    };
  }
  // Python's Lambda logger: "[LEVEL]\t2026-01-01T00:00:00.000Z\t<request id>\tmessage".
  const python = new RegExp(`^\\[(\\w+)\\]\\t\\S+\\t${REQUEST_ID}\\t([\\s\\S]*)$`).exec(message);
  if (python) return { kind: "message", level: python[1], requestId: python[2], message: python[3]! };
  // Node's console in Lambda: "<time>\t<request id>\tLEVEL\tmessage".
  const node = new RegExp(`^\\S+Z\\t${REQUEST_ID}\\t(\\w+)\\t([\\s\\S]*)$`).exec(message);
  if (node) return { kind: "message", requestId: node[1], level: node[2], message: node[3]! };
  return { kind: "message", message };
}

/** The condensed text of a line, or undefined for lines that are left out (START, END, INIT_START). */
export function condense(line: LogLine): string | undefined {
  switch (line.kind) {
    case "start":
    case "end":
    case "init":
      return undefined;
    case "report": {
      const parts = [`${round(line.durationMs)} ms`];
      if (line.maxMemoryUsedMb !== undefined && line.memorySizeMb !== undefined)
        parts.push(`${line.maxMemoryUsedMb}/${line.memorySizeMb} MB`);
      if (line.coldStart) parts.push(`cold start (init ${round(line.initDurationMs ?? 0)} ms)`);
      if (line.status && line.status !== "success") parts.push(`status ${line.status}`);
      return `── ${line.requestId.slice(0, 8)} done: ${parts.join(", ")}`;
    }
    case "message":
      return line.level ? `${line.level} ${line.message}` : line.message;
  }
}

function round(ms: number): string {
  return ms >= 100 ? String(Math.round(ms)) : ms.toFixed(1);
}

export interface LogEvent {
  handler: string;
  timestamp: number;
  message: string;
  logStreamName?: string;
  eventId?: string;
}

/** Replaces the stage's secret values in a message (util/mask.ts `secretMasker`); none: as is. */
export type Mask = (text: string) => string;
const unmasked: Mask = (text) => text;

/**
 * `--json`: one object per event, platform lines parsed (START/END/INIT_START kept, as data).
 * JSON.stringify escapes control characters itself; secrets are masked like the text output's.
 */
export function jsonEvent(e: LogEvent, options: { mask?: Mask } = {}): Record<string, unknown> {
  const line = parseLambdaLine((options.mask ?? unmasked)(e.message));
  return {
    time: new Date(e.timestamp).toISOString(),
    handler: e.handler,
    ...(e.logStreamName ? { stream: e.logStreamName } : {}),
    ...(e.eventId ? { eventId: e.eventId } : {}),
    type: line.kind,
    ...(line.kind === "message"
      ? { message: line.message, ...(line.level ? { level: line.level } : {}) }
      : { ...line, kind: undefined }),
    ...(line.kind === "message" && line.requestId ? { requestId: line.requestId } : {}),
  };
}

/**
 * One `--json` line. JSON.stringify escapes C0 controls (ESC becomes \u001b) but leaves DEL and the
 * C1 controls (U+009B is a one-character CSI) raw; they get \u escapes too, the value unchanged.
 */
export function jsonLine(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\u009f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

const COLORS = ["cyan", "magenta", "yellow", "green", "blue", "red"] as const;

/**
 * The printed line: time, coloured handler prefix (padded to the longest key), message. The
 * message is the app's (or anyone's who can call it): its secrets are masked and its control
 * characters escaped, so a log line can neither show a secret nor drive the terminal.
 */
export function textEvent(
  e: LogEvent,
  options: { width: number; color: boolean; index: number; mask?: Mask },
): string | undefined {
  const line = parseLambdaLine((options.mask ?? unmasked)(e.message));
  const condensed = condense(line);
  if (condensed === undefined) return undefined;
  const text = printable(condensed.replace(/\r\n/g, "\n"), { keepNewlines: true });
  const time = new Date(e.timestamp).toISOString().slice(11, 23);
  const prefix = e.handler.padEnd(options.width);
  const colour = COLORS[options.index % COLORS.length]!;
  // The caller decided (useColor: terminal, NO_COLOR, FORCE_COLOR); styleText must not re-check.
  const style = (format: Parameters<typeof styleText>[0], t: string) =>
    styleText(format, t, { validateStream: false });
  const head = options.color ? style(colour, prefix) : prefix;
  const body =
    options.color && line.kind === "report"
      ? style("dim", text)
      : options.color && line.kind === "message" && /^(ERROR|CRITICAL|FATAL)$/.test(line.level ?? "")
        ? style("red", text)
        : text;
  // Multi-line messages (tracebacks) keep their lines aligned under the first.
  const indent = " ".repeat(time.length + 1 + options.width + 3);
  return `${time} ${head} │ ${body.replace(/\n/g, `\n${indent}`)}`;
}
