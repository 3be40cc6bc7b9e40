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
  const sandbox = sandboxSettings(options);
  const isPython = options.runtime === "python";
  const driverDir = mkdtempSync(join(tmpdir(), "pocket-driver-"));
  const driver = join(driverDir, isPython ? "pocket_driver.py" : "pocket-driver.mjs");
  writeFileSync(driver, isPython ? PYTHON_DRIVER : NODE_DRIVER);
  const executable = options.executable ?? (isPython ? "python3" : process.execPath);
  const child: ChildProcess = spawn(executable, [driver, options.handler], {
    cwd: options.cwd,
    env: sandboxEnvironment(options, sandbox),
    stdio: ["pipe", "pipe", "pipe"],
  });
  const driverLine = new DriverLine(child, options, executable, sandbox.timeoutMs);
  child.on("exit", () => rmSync(driverDir, { recursive: true, force: true }));
  try {
    await driverLine.ready;
  } catch (error) {
    await driverLine.stop();
    throw error;
  }
  let queue: Promise<unknown> = Promise.resolve();
  return {
    pid: child.pid!,
    invoke<T>(event: unknown): Promise<T> {
      const run = queue.then(
        () => driverLine.invoke(event, lambdaContext(sandbox, child.pid)),
        () => driverLine.invoke(event, lambdaContext(sandbox, child.pid)),
      );
      queue = run.catch(() => undefined);
      return run as Promise<T>;
    },
    logs: () => driverLine.logs,
    stop: () => driverLine.stop(),
  };
}

/** What Lambda knows of the function: its name, memory, timeout and region. */
interface SandboxSettings {
  functionName: string;
  memory: number;
  timeoutMs: number;
  region: string;
}

function sandboxSettings(options: HandlerProcessOptions): SandboxSettings {
  return {
    functionName: options.functionName ?? options.handler,
    memory: options.memoryMb ?? 512,
    timeoutMs: (options.timeoutSeconds ?? 30) * 1000,
    region: options.env.AWS_REGION ?? options.env.POCKET_REGION ?? "us-east-1",
  };
}

/**
 * Lambda's own variables first: the function's cannot override them on Lambda, but a caller
 * that points the SDK at an emulator needs to (AWS_REGION with its endpoint and credentials).
 */
function sandboxEnvironment(options: HandlerProcessOptions, s: SandboxSettings): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    LANG: "en_US.UTF-8",
    TZ: ":UTC",
    LAMBDA_TASK_ROOT: options.cwd,
    AWS_LAMBDA_FUNCTION_NAME: s.functionName,
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(s.memory),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${s.functionName}`,
    AWS_REGION: s.region,
    AWS_DEFAULT_REGION: s.region,
    ...(options.runtime === "python" ? { PYTHONUNBUFFERED: "1", PYTHONDONTWRITEBYTECODE: "1" } : {}),
    ...options.env,
  };
}

/** The Lambda context object one invocation gets (the drivers add its methods). */
function lambdaContext(s: SandboxSettings, pid: number | undefined) {
  return {
    functionName: s.functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:${regionPartition(s.region)}:lambda:${s.region}:123456789012:function:${s.functionName}`,
    memoryLimitInMB: String(s.memory),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${s.functionName}`,
    logStreamName: `local/${pid}`,
    deadlineMs: Date.now() + s.timeoutMs,
  };
}

/**
 * The line protocol with the driver in the process: events out on stdin, one JSON line each;
 * `ready`, `init-error` and each invocation's result or error back on stdout; the handler's logs
 * on stderr (and any stdout line that is not the driver's), of which the last ones are kept.
 */
class DriverLine {
  logs = "";
  readonly ready: Promise<void>;
  private readonly waiting = new Map<string, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private exited: Error | undefined;
  private onReady: { resolve: () => void; reject: (e: Error) => void } | undefined;

  constructor(
    private readonly child: ChildProcess,
    private readonly options: HandlerProcessOptions,
    executable: string,
    private readonly timeoutMs: number,
  ) {
    this.ready = new Promise<void>((resolve, reject) => {
      this.onReady = { resolve, reject };
    });
    createInterface({ input: child.stderr! }).on("line", (line) => {
      this.keep(line);
      options.onLog?.(line);
    });
    child.on("error", (e: NodeJS.ErrnoException) => this.failAll(spawnError(e, executable, options.runtime)));
    child.on("exit", (code, signal) => {
      this.failAll(
        new CliError(
          "handler-process-exited",
          `the ${options.handler} process ended (${signal ?? `exit ${code}`}).${tail(this.logs)}`,
        ),
      );
    });
    createInterface({ input: child.stdout! }).on("line", (line) => this.receive(line));
    // A write racing with stop() must fail the one invocation, not the whole program.
    child.stdin?.on("error", () => undefined);
  }

  private keep(line: string): void {
    this.logs = (this.logs + line + "\n").slice(-LOG_KEEP);
  }

  private failAll(error: Error): void {
    this.exited ??= error;
    this.onReady?.reject(error);
    for (const w of this.waiting.values()) w.reject(error);
    this.waiting.clear();
  }

  private receive(line: string): void {
    let message: Message;
    try {
      message = JSON.parse(line) as Message;
    } catch {
      this.keep(line);
      return;
    }
    if (message.type === "ready") this.onReady?.resolve();
    else if (message.type === "init-error") {
      this.onReady?.reject(
        new CliError(
          "handler-init-failed",
          `${this.options.handler} failed at import (INIT): ${message.error.errorType}: ${message.error.errorMessage}${tail(this.logs)}`,
        ),
      );
    } else {
      const w = this.waiting.get(message.id);
      this.waiting.delete(message.id);
      if (message.type === "result") w?.resolve(message.result);
      else w?.reject(new HandlerError(this.options.handler, message.error));
    }
  }

  /** Sends one event; the process is ended when it runs past the timeout, as Lambda ends the sandbox. */
  invoke(event: unknown, context: ReturnType<typeof lambdaContext>): Promise<unknown> {
    if (this.exited) return Promise.reject(this.exited);
    const stdin = this.child.stdin;
    if (!stdin || stdin.writableEnded) {
      return Promise.reject(
        new CliError("handler-process-exited", `the ${this.options.handler} process is stopping.`),
      );
    }
    const id = context.awsRequestId;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const error = new CliError(
          "handler-timeout",
          `${this.options.handler} did not finish within ${this.timeoutMs / 1000} s.${tail(this.logs)}`,
        );
        this.waiting.delete(id);
        reject(error);
        this.child.kill("SIGKILL");
      }, this.timeoutMs);
      this.waiting.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      stdin.write(`${JSON.stringify({ id, event, context })}\n`);
    });
  }

  /** Ends the process: stdin closed, then SIGTERM after a grace period. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.stdin?.end();
    const timer = setTimeout(() => child.kill("SIGTERM"), 2000);
    await gone;
    clearTimeout(timer);
  }
}

function spawnError(e: NodeJS.ErrnoException, executable: string, runtime: HandlerRuntime): CliError {
  return new CliError(
    e.code === "ENOENT" ? "tool-missing" : "handler-process-failed",
    e.code === "ENOENT" ? `\`${executable}\` is not installed or not on PATH.` : e.message,
    {
      hint:
        runtime === "python"
          ? "Set the Python to use (POCKET_PYTHON) to your project's interpreter."
          : undefined,
    },
  );
}

function tail(logs: string): string {
  const lines = logs.trimEnd().split("\n").slice(-15).join("\n");
  return lines ? `\nLast log lines:\n${lines}` : "";
}
