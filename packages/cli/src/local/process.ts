import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { regionPartition } from "../aws/partition.js";
import { CliError } from "../errors.js";
import { NODE_DRIVER, PYTHON_DRIVER } from "./drivers.js";

export type HandlerRuntime = "python" | "node";

export interface HandlerProcessOptions {
  runtime: HandlerRuntime;
  /** The handler as in `command` / ImageConfig.Command: `module.function` (Python: dotted module). */
  handler: string;
  /** The function's environment (deployed or local), plus what the caller adds (credentials). */
  env: Record<string, string>;
  /** The task root: the folder the image copies the app into (`LAMBDA_TASK_ROOT`). */
  cwd: string;
  /** The interpreter (default `python3` / this Node). */
  executable?: string;
  functionName?: string;
  memoryMb?: number;
  /** Per invocation, as the function's `timeout`; the process is ended when it runs out. */
  timeoutSeconds?: number;
  /** Each line the handler logs (default: kept in `logs` only). */
  onLog?: (line: string) => void;
}

/** Lambda's error shape for a failed invocation. */
export interface HandlerFailure {
  errorType: string;
  errorMessage: string;
  stackTrace: string[];
}

/** An invocation that raised: Lambda would answer with FunctionError = Unhandled. */
export class HandlerError extends Error {
  readonly code = "handler-error";
  readonly failure: HandlerFailure;
  constructor(handler: string, failure: HandlerFailure) {
    super(`${handler} raised ${failure.errorType}: ${failure.errorMessage}`);
    this.name = "HandlerError";
    this.failure = failure;
  }
}

export interface HandlerProcess {
  readonly pid: number;
  /** Runs one event (after the previous one finished, as one sandbox does); resolves to the result. */
  invoke<T = unknown>(event: unknown): Promise<T>;
  /** What the handler logged so far (stderr), newest last. */
  logs(): string;
  /** Ends the process (stdin closed, then SIGTERM after a grace period). */
  stop(): Promise<void>;
}

type Message =
  | { type: "ready" }
  | { type: "init-error"; error: HandlerFailure }
  | { type: "result"; id: string; result: unknown }
  | { type: "error"; id: string; error: HandlerFailure };

const LOG_KEEP = 200_000;

/**
 * Starts a long-lived process that hosts one handler the way a Lambda sandbox does: the module is
 * imported once, events run one at a time, the environment is exactly `env` plus the variables
 * Lambda itself sets. Resolves once INIT succeeded; an INIT failure rejects with its error.
 */
export async function startHandlerProcess(options: HandlerProcessOptions): Promise<HandlerProcess> {
  const functionName = options.functionName ?? options.handler;
  const memory = options.memoryMb ?? 512;
  const timeoutMs = (options.timeoutSeconds ?? 30) * 1000;
  const region = options.env.AWS_REGION ?? options.env.POCKET_REGION ?? "us-east-1";
  const driverDir = mkdtempSync(join(tmpdir(), "pocket-driver-"));
  const isPython = options.runtime === "python";
  const driver = join(driverDir, isPython ? "pocket_driver.py" : "pocket-driver.mjs");
  writeFileSync(driver, isPython ? PYTHON_DRIVER : NODE_DRIVER);
  // Lambda's own variables first: the function's cannot override them on Lambda, but a caller
  // that points the SDK at an emulator needs to (AWS_REGION with its endpoint and credentials).
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    LANG: "en_US.UTF-8",
    TZ: ":UTC",
    LAMBDA_TASK_ROOT: options.cwd,
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memory),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${functionName}`,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    ...(isPython ? { PYTHONUNBUFFERED: "1", PYTHONDONTWRITEBYTECODE: "1" } : {}),
    ...options.env,
  };
  const executable = options.executable ?? (isPython ? "python3" : process.execPath);
  const child: ChildProcess = spawn(executable, [driver, options.handler], {
    cwd: options.cwd,
    env,
    stdio: ["pipe", "pipe", "pipe"],
  });
  let logs = "";
  const errLines = createInterface({ input: child.stderr! });
  errLines.on("line", (line) => {
    logs = (logs + line + "\n").slice(-LOG_KEEP);
    options.onLog?.(line);
  });

  const waiting = new Map<string, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let exited: Error | undefined;
  let onReady: { resolve: () => void; reject: (e: Error) => void } | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    onReady = { resolve, reject };
  });
  const failAll = (error: Error) => {
    exited ??= error;
    onReady?.reject(error);
    for (const w of waiting.values()) w.reject(error);
    waiting.clear();
  };
  child.on("error", (e: NodeJS.ErrnoException) => {
    failAll(
      new CliError(
        e.code === "ENOENT" ? "tool-missing" : "handler-process-failed",
        e.code === "ENOENT" ? `\`${executable}\` is not installed or not on PATH.` : e.message,
        {
          hint: isPython ? "Set the Python to use (POCKET_PYTHON) to your project's interpreter." : undefined,
        },
      ),
    );
  });
  child.on("exit", (code, signal) => {
    rmSync(driverDir, { recursive: true, force: true });
    failAll(
      new CliError(
        "handler-process-exited",
        `the ${options.handler} process ended (${signal ?? `exit ${code}`}).${tail(logs)}`,
      ),
    );
  });
  createInterface({ input: child.stdout! }).on("line", (line) => {
    let message: Message;
    try {
      message = JSON.parse(line) as Message;
    } catch {
      logs = (logs + line + "\n").slice(-LOG_KEEP);
      return;
    }
    if (message.type === "ready") onReady?.resolve();
    else if (message.type === "init-error") {
      onReady?.reject(
        new CliError(
          "handler-init-failed",
          `${options.handler} failed at import (INIT): ${message.error.errorType}: ${message.error.errorMessage}${tail(logs)}`,
        ),
      );
    } else {
      const w = waiting.get(message.id);
      waiting.delete(message.id);
      if (message.type === "result") w?.resolve(message.result);
      else w?.reject(new HandlerError(options.handler, message.error));
    }
  });

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.stdin?.end();
    const timer = setTimeout(() => child.kill("SIGTERM"), 2000);
    await gone;
    clearTimeout(timer);
  };

  try {
    await ready;
  } catch (error) {
    await stop();
    throw error;
  }

  let queue: Promise<unknown> = Promise.resolve();
  // A write racing with stop() must fail the one invocation, not the whole program.
  child.stdin?.on("error", () => undefined);
  const invokeNow = (event: unknown): Promise<unknown> => {
    if (exited) return Promise.reject(exited);
    if (!child.stdin || child.stdin.writableEnded) {
      return Promise.reject(
        new CliError("handler-process-exited", `the ${options.handler} process is stopping.`),
      );
    }
    const id = randomUUID();
    const deadlineMs = Date.now() + timeoutMs;
    const context = {
      functionName,
      functionVersion: "$LATEST",
      invokedFunctionArn: `arn:${regionPartition(region)}:lambda:${region}:123456789012:function:${functionName}`,
      memoryLimitInMB: String(memory),
      awsRequestId: id,
      logGroupName: `/aws/lambda/${functionName}`,
      logStreamName: `local/${child.pid}`,
      deadlineMs,
    };
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        // Lambda ends the sandbox when the timeout runs out; so does this.
        const error = new CliError(
          "handler-timeout",
          `${options.handler} did not finish within ${timeoutMs / 1000} s.${tail(logs)}`,
        );
        waiting.delete(id);
        reject(error);
        child.kill("SIGKILL");
      }, timeoutMs);
      waiting.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      child.stdin!.write(`${JSON.stringify({ id, event, context })}\n`);
    });
  };

  return {
    pid: child.pid!,
    invoke<T>(event: unknown): Promise<T> {
      const run = queue.then(
        () => invokeNow(event),
        () => invokeNow(event),
      );
      queue = run.catch(() => undefined);
      return run as Promise<T>;
    },
    logs: () => logs,
    stop,
  };
}

function tail(logs: string): string {
  const lines = logs.trimEnd().split("\n").slice(-15).join("\n");
  return lines ? `\nLast log lines:\n${lines}` : "";
}
