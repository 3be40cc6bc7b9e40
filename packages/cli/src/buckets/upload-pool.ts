import { awsErrorName } from "../aws/errors.js";

/**
 * How many uploads a sync keeps in flight. Against AWS each PUT costs a round trip of tens to
 * hundreds of milliseconds, so the time of an upload is set by how many run at once: it starts
 * at `initial` (32, where aws-cli keeps 10), grows by one per answer up to `max` (50 kept-alive
 * sockets, aws/http-send.ts and the S3 client's, less two for other reads), and halves when S3
 * says to slow down (SlowDown, 503, or an answer that needed retries).
 */
export interface AdaptiveLimit {
  readonly current: number;
  /** An answer that came at once: one more may run. */
  succeeded(): void;
  /** S3 asked to slow down: half as many. */
  throttled(): void;
}

export function adaptiveLimit(options: { initial?: number; max?: number; min?: number } = {}): AdaptiveLimit {
  const max = options.max ?? 48;
  const min = options.min ?? 1;
  let current = Math.min(max, options.initial ?? 32);
  return {
    get current() {
      return current;
    },
    succeeded() {
      current = Math.min(max, current + 1);
    },
    throttled() {
      current = Math.max(min, Math.floor(current / 2));
    },
  };
}

const THROTTLES = new Set([
  "SlowDown",
  "Throttling",
  "ThrottlingException",
  "RequestLimitExceeded",
  "TooManyRequestsException",
  "ServiceUnavailable",
]);

/** An error that asks the caller to send less, not one that a later try cannot fix. */
export function isThrottle(error: unknown): boolean {
  if (THROTTLES.has(awsErrorName(error) ?? "")) return true;
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata
    ?.httpStatusCode;
  return status === 503;
}

/** What one piece of work reports back: `slowed` when it only succeeded after retries. */
export type WorkResult = { slowed?: boolean } | undefined;

export interface PoolOptions {
  limit?: AdaptiveLimit;
  /** Tries per item when S3 keeps throttling (after the SDK's own retries). */
  attempts?: number;
  /** Waits before a throttled item is tried again (replaceable in tests). */
  sleep?: (ms: number) => Promise<void>;
  /** Full-jitter exponential backoff: the wait before try `n` (1-based) of a throttled item. */
  backoff?: (attempt: number) => number;
}

const defaultBackoff = (attempt: number) => Math.random() * Math.min(10_000, 200 * 2 ** attempt);

/**
 * Runs `work` on every item, as many at once as the limit allows. A throttled item halves the
 * limit, waits its backoff and is tried again (up to `attempts` times); any other error stops
 * new work and is thrown once the items in flight have settled.
 */
export async function runPool<T>(
  items: readonly T[],
  work: (item: T) => Promise<WorkResult | undefined>,
  options: PoolOptions = {},
): Promise<void> {
  const limit = options.limit ?? adaptiveLimit();
  const attempts = options.attempts ?? 6;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const backoff = options.backoff ?? defaultBackoff;
  const queue = items.map((item) => ({ item, tries: 0 }));
  let inFlight = 0;
  let failure: { error: unknown } | undefined;
  await new Promise<void>((resolve) => {
    const pump = () => {
      while (!failure && inFlight < limit.current && queue.length > 0) start(queue.shift()!);
      if (inFlight === 0 && (failure || queue.length === 0)) resolve();
    };
    const start = (entry: { item: T; tries: number }) => {
      inFlight++;
      entry.tries++;
      work(entry.item)
        .then(async (result) => {
          if (result?.slowed) limit.throttled();
          else limit.succeeded();
        })
        .catch(async (error: unknown) => {
          if (!isThrottle(error) || entry.tries >= attempts) {
            failure ??= { error };
            return;
          }
          limit.throttled();
          await sleep(backoff(entry.tries));
          queue.unshift(entry);
        })
        .finally(() => {
          inFlight--;
          pump();
        });
    };
    pump();
  });
  if (failure) throw failure.error;
}
