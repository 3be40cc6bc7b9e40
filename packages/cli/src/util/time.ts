import { CliError } from "../errors.js";

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Asks `check` every `everyMs` (growing by half each time up to `maxEveryMs`, when given) until
 * it returns a value other than undefined, and gives up with a clear error after `timeoutMs`: no
 * poll in pocket waits forever. `what` names the wait in that error ("the CodeBuild build abc").
 */
export async function pollUntil<T>(
  what: string,
  check: () => Promise<T | undefined>,
  options: { everyMs: number; maxEveryMs?: number; timeoutMs: number; hint?: string },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let every = options.everyMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() + every > deadline) {
      throw new CliError("wait-timeout", `gave up waiting for ${what} after ${minutes(options.timeoutMs)}.`, {
        hint: options.hint ?? "Check its state in the AWS console, then run the command again.",
      });
    }
    await sleep(every);
    every = Math.min(every * 1.5, options.maxEveryMs ?? every);
  }
}

function minutes(ms: number): string {
  return ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`;
}
