import { writeSync } from "node:fs";

/**
 * pocket's own output goes straight to file descriptors 1 and 2 with `writeSync`. Creating
 * `process.stdout` or `process.stderr` loads Node's stream and socket modules when the output is
 * a pipe: about 7 ms of a short command such as `pocket config show | jq` (bench/config-show.mjs).
 * Once anything else has created the stream (commander's help, prompts, the progress display),
 * pocket writes through it, so output never overtakes what the stream still holds.
 */
const FDS = { stdout: 1, stderr: 2 } as const;
type Name = keyof typeof FDS;
const created = new Set<Name>();
/** Set by watchStdio(), which the CLI calls: other callers (tests, embedders) keep the streams. */
let direct = false;
/** Sees every text written (the `pocket config show` cache records a run's output). */
let tap: ((fd: 1 | 2, text: string) => void) | undefined;

export function tapOutput(listener: (fd: 1 | 2, text: string) => void): void {
  tap = listener;
}

/** Whether anything created `process.stdout` or `process.stderr` (a terminal was asked about). */
export function streamCreated(): boolean {
  return created.size > 0;
}

/** Writes text to standard output. */
export function writeOut(text: string): void {
  write("stdout", text);
}

/** Writes text to standard error. */
export function writeErr(text: string): void {
  write("stderr", text);
}

function write(name: Name, text: string): void {
  tap?.(FDS[name], text);
  if (!direct || created.has(name)) {
    process[name].write(text);
    return;
  }
  const bytes = Buffer.from(text, "utf8");
  let done = 0;
  while (done < bytes.length) {
    try {
      done += writeSync(FDS[name], bytes, done);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EPIPE") readerGone();
      // A non-blocking descriptor that is full: the stream queues the rest and writes it later.
      if (code === "EAGAIN") {
        process[name].write(bytes.subarray(done));
        return;
      }
      throw error;
    }
  }
}

/** `pocket ... | head` closes the pipe early: that is the reader being done, not an error. */
function readerGone(): never {
  process.exit(process.exitCode ?? 0);
}

/**
 * Notes when `process.stdout` / `process.stderr` is first created, and gives it the EPIPE
 * handling above, without creating it. Called once, before anything writes.
 */
export function watchStdio(): void {
  direct = true;
  for (const name of Object.keys(FDS) as Name[]) {
    const descriptor = Object.getOwnPropertyDescriptor(process, name);
    const get = descriptor?.get;
    if (!get || !descriptor.configurable) {
      // Not Node's lazy getter (a test runner's replacement): use the stream as it is.
      created.add(name);
      continue;
    }
    Object.defineProperty(process, name, {
      configurable: true,
      enumerable: descriptor.enumerable,
      get() {
        const stream = get.call(process) as NodeJS.WriteStream;
        if (!created.has(name)) {
          created.add(name);
          stream.on("error", (error: NodeJS.ErrnoException) => {
            if (error.code === "EPIPE") readerGone();
            throw error;
          });
        }
        return stream;
      },
    });
  }
}
