import type { HandlerContext } from "@magic-pocket/config";
import type { Launch } from "./launch.js";
import { HandlerError, type HandlerProcess, startHandlerProcess } from "./process.js";

/** Processes per API handler at most: concurrency for a browser, not a load test. */
const MAX_INSTANCES = 4;

/** Lambda runs concurrent requests in separate sandboxes; a queue's batches come one at a time. */
export function maxInstances(h: HandlerContext): number {
  return h.apigateway ? Math.max(1, Math.min(h.reservedConcurrency ?? MAX_INSTANCES, MAX_INSTANCES)) : 1;
}

/**
 * One handler's processes, replaced when the sources change or when one died (Lambda starts a
 * new sandbox after a crash or a timeout). Like Lambda, events that arrive while every instance
 * is busy get another instance, up to `maxInstances`; each instance runs one event at a time.
 * A handler whose INIT failed answers its events with that error until the next change.
 */
export class DevHandler {
  private instances: Instance[] = [];
  private generation = 0;
  private stopped = false;

  constructor(
    readonly context: HandlerContext,
    private readonly launch: Launch,
    public env: Record<string, string>,
    private readonly projectDir: string,
    private readonly log: (line: string) => void,
    private readonly maxInstances: number,
  ) {
    this.instances.push(this.spawn(Promise.resolve()));
  }

  private spawn(after: Promise<unknown>): Instance {
    return { process: after.then(() => this.start()), busy: 0, generation: this.generation };
  }

  private async start(): Promise<HandlerProcess | Error> {
    const started = Date.now();
    try {
      const p = await startHandlerProcess({
        runtime: this.launch.runtime,
        handler: this.launch.handler,
        env: this.env,
        cwd: this.projectDir,
        executable: this.launch.executable,
        functionName: this.context.functionName,
        memoryMb: this.context.memorySize,
        timeoutSeconds: this.context.timeout,
        onLog: (line) => this.log(line),
      });
      this.log(
        `ready: ${this.launch.describe}, ${this.launch.handler}, pid ${p.pid} (${Date.now() - started} ms)`,
      );
      return p;
    } catch (error) {
      const message = (error as Error).message;
      this.log(`failed to start: ${message}`);
      if (this.launch.runtime === "python" && /No module named '?pocket'?\b/.test(message)) {
        this.log(
          `hint: pocket's Python runtime is not importable by ${this.launch.executable}: install it in the project's virtualenv (pip install the wheel \`pocket django init\` put in .pocket/) or point POCKET_PYTHON at an interpreter that has it.`,
        );
      }
      this.log("fix the code and save: the handler restarts on the next change");
      return error as Error;
    }
  }

  async ready(): Promise<void> {
    await Promise.all(this.instances.map((i) => i.process));
  }

  /** An idle instance, else a new one while under the limit, else the least busy. */
  private pick(): Instance {
    const idle = this.instances.find((i) => i.busy === 0);
    if (idle) return idle;
    if (this.instances.length < this.maxInstances) {
      const fresh = this.spawn(Promise.resolve());
      this.instances.push(fresh);
      return fresh;
    }
    return this.instances.reduce((a, b) => (b.busy < a.busy ? b : a));
  }

  async invoke(event: unknown, retried = false): Promise<unknown> {
    const instance = this.pick();
    instance.busy += 1;
    let p: HandlerProcess | Error | undefined;
    try {
      p = await instance.process;
      if (p instanceof Error) throw p;
      return await p.invoke(event);
    } catch (error) {
      // INIT failed: every event gets that error until a change restarts the handler.
      if (p === undefined || p instanceof Error) throw error;
      if (error instanceof HandlerError) {
        const f = error.failure;
        this.log(`${f.errorType}: ${f.errorMessage}`);
        for (const line of f.stackTrace.join("\n").trimEnd().split("\n").slice(-12))
          this.log(`  ${line.trimEnd()}`);
        throw error;
      }
      if (instance.generation !== this.generation) {
        // A restart (source change) stopped the process under this event: run it on a new one.
        if (!retried && !this.stopped) return this.invoke(event, true);
        throw error;
      }
      this.log((error as Error).message);
      // The process is gone (a crash, or killed at the timeout): the next event gets a new one.
      this.drop(instance, p);
      throw error;
    } finally {
      instance.busy -= 1;
    }
  }

  private drop(instance: Instance, p: HandlerProcess): void {
    const i = this.instances.indexOf(instance);
    if (i >= 0) this.instances.splice(i, 1);
    void p.stop();
    if (this.instances.length === 0 && !this.stopped) {
      this.log("a new process starts for the next event");
      this.instances.push(this.spawn(Promise.resolve()));
    }
  }

  restart(reason: string): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.log(`restarting: ${reason}`);
    this.generation += 1;
    const old = this.instances;
    const gone = Promise.all(
      old.map((i) => i.process.then((p) => (p instanceof Error ? undefined : p.stop()))),
    );
    const fresh = this.spawn(gone);
    this.instances = [fresh];
    return fresh.process.then(() => undefined);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const all = this.instances;
    this.instances = [];
    await Promise.all(all.map((i) => i.process.then((p) => (p instanceof Error ? undefined : p.stop()))));
  }
}

interface Instance {
  process: Promise<HandlerProcess | Error>;
  /** Events given to it and not yet answered. */
  busy: number;
  /** The restart it belongs to: an event that fails on an older one was cut off by a restart. */
  generation: number;
}
