/**
 * `taskHandler({ name: fn })`: the Node counterpart of the Django management handler. Direct
 * invocations and schedules (`{ "command": "name", "args": [...] }`, or a command line as
 * `{ "manage": "name --flag value" }`) return `{ exitCode, output }`; an SQS batch of such events (sent with
 * `enqueue`) runs each one and reports the failed ones as the worker does.
 */
import type { LambdaContext } from "./apigateway.js";
import { envLoaded, loadEnv } from "./env.js";
import { PocketRuntimeError } from "./errors.js";
import { parseBody, reportsBatchItemFailures, type SqsBatchResponse, type SqsEvent } from "./sqs.js";

export interface TaskIO {
  /** Appends a line to the task's output (and the function's log). */
  log: (...parts: unknown[]) => void;
  event: TaskEvent;
  context: LambdaContext | undefined;
}

/**
 * A task: its return value is the exit code (a number), more output (a string), or nothing
 * (exit 0). A throw is exit code 1 with the error in the output.
 */
export type Task = (args: string[], io: TaskIO) => unknown;

export type TaskEvent = { command: string; args?: string[] } | { manage: string };

export interface TaskResult {
  exitCode: number;
  output: string;
}

export type TaskHandler = (
  event: TaskEvent | SqsEvent,
  context?: LambdaContext,
) => Promise<TaskResult | SqsBatchResponse>;

/** Splits a command line into words as a POSIX shell does (quotes and backslashes; no expansion). */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new PocketRuntimeError("invalid-command-line", "unterminated single quote");
      word += line.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (ch === '"') {
      inWord = true;
      let closed = false;
      for (i++; i < line.length; i++) {
        const c = line[i]!;
        if (c === '"') {
          closed = true;
          break;
        }
        // Inside double quotes a backslash only escapes these (POSIX).
        if (c === "\\" && i + 1 < line.length && '\\"$`\n'.includes(line[i + 1]!)) word += line[++i];
        else word += c;
      }
      if (!closed) throw new PocketRuntimeError("invalid-command-line", "unterminated double quote");
    } else if (ch === "\\") {
      if (i + 1 >= line.length) throw new PocketRuntimeError("invalid-command-line", "trailing backslash");
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

function parseTaskEvent(event: unknown): { name: string; args: string[] } {
  if (typeof event !== "object" || event === null || Array.isArray(event)) {
    throw new PocketRuntimeError("invalid-event", "the event must be a JSON object");
  }
  const e = event as Record<string, unknown>;
  if ("manage" in e) {
    if (typeof e.manage !== "string" || !e.manage.trim()) {
      throw new PocketRuntimeError(
        "invalid-event",
        '"manage" must be a non-empty command line, e.g. "report --daily"',
      );
    }
    const [name, ...args] = splitCommandLine(e.manage);
    return { name: name!, args };
  }
  if (typeof e.command !== "string" || !e.command) {
    throw new PocketRuntimeError(
      "invalid-event",
      'the event needs "command" (a task name) or "manage" (a command line)',
    );
  }
  const args = e.args ?? [];
  if (!Array.isArray(args) || !args.every((a) => typeof a === "string")) {
    throw new PocketRuntimeError("invalid-event", '"args" must be a list of strings');
  }
  return { name: e.command, args };
}

function format(parts: unknown[]): string {
  return parts
    .map((p) => (typeof p === "string" ? p : p instanceof Error ? (p.stack ?? p.message) : JSON.stringify(p)))
    .join(" ");
}

/**
 * Runs one task event. Only the task's name and argument count are logged: arguments may carry
 * passwords or personal data.
 */
export async function runTask(
  tasks: Record<string, Task>,
  event: unknown,
  context?: LambdaContext,
): Promise<TaskResult> {
  let parsed: { name: string; args: string[] };
  try {
    parsed = parseTaskEvent(event);
  } catch (error) {
    return { exitCode: 2, output: `pocket: ${(error as Error).message}\n` };
  }
  const task = Object.hasOwn(tasks, parsed.name) ? tasks[parsed.name] : undefined;
  if (!task) {
    const known = Object.keys(tasks).sort().join(", ") || "(none)";
    return { exitCode: 2, output: `pocket: unknown task '${parsed.name}'; known: ${known}\n` };
  }
  console.log(`pocket: task ${parsed.name} (${parsed.args.length} args)`);
  let output = "";
  const log = (...parts: unknown[]) => {
    const line = format(parts);
    output += `${line}\n`;
    console.log(line);
  };
  try {
    const value = await task(parsed.args, { log, event: event as TaskEvent, context });
    if (typeof value === "number" && Number.isInteger(value)) return { exitCode: value, output };
    if (typeof value === "string") output += value.endsWith("\n") || value === "" ? value : `${value}\n`;
    return { exitCode: 0, output };
  } catch (error) {
    console.error(`pocket: task ${parsed.name} failed`, error);
    return { exitCode: 1, output: `${output}${format([error])}\n` };
  }
}

function isSqsEvent(event: unknown): event is SqsEvent {
  const records = (event as { Records?: unknown })?.Records;
  return (
    Array.isArray(records) && records.every((r) => (r as { eventSource?: string })?.eventSource === "aws:sqs")
  );
}

export function taskHandler(tasks: Record<string, Task>): TaskHandler {
  return async (event, context) => {
    if (!envLoaded()) await loadEnv();
    if (!isSqsEvent(event)) return runTask(tasks, event, context);
    const failures: { itemIdentifier: string }[] = [];
    for (const record of event.Records) {
      const result = await runTask(tasks, parseBody(record.body), context);
      if (result.exitCode === 0) continue;
      if (!reportsBatchItemFailures(record.eventSourceARN)) {
        throw new PocketRuntimeError(
          "task-failed",
          `SQS message ${record.messageId}: task exited with ${result.exitCode}`,
          { location: record.messageId },
        );
      }
      failures.push({ itemIdentifier: record.messageId });
    }
    return { batchItemFailures: failures };
  };
}
