import type { WithMiddleware } from "./failed-call.js";

/**
 * Reads asked ahead of need. A no-op deploy is a chain of reads (each resource in dependency
 * order reads its stack, template, bucket settings, ...), so its time against AWS is the number
 * of round trips paid one after another. While a read-ahead is open, the engine asks every
 * resource's reads at once (their read-only `status`); each answer is kept for the first identical
 * call (same client, command and input), which then costs no round trip.
 *
 * Calls made inside `askAhead` (the engine's sweep of every status) each leave one answer for
 * a later identical call outside it: two resources whose statuses make the same read (a
 * distribution's stack, read for its own status and for another's parameters) share one round
 * trip in the sweep, and both their deploys find the answer.
 *
 * What keeps it correct: an answer is used once (a poll asks AWS again); any call that is not a
 * read (Create/Update/Put/Delete..., from any client) drops every kept answer when it starts and
 * when it ends, and ends the read-ahead, so nothing read before, during or after a change is
 * kept (a no-op deploy, the case this is for, changes nothing under the lock); an error is kept
 * only when AWS answered it (a 4xx such as "no such configuration", not a throttle), others are
 * asked again; streamed bodies (GetObject) and secret values are never kept. The read-ahead
 * opens only under the stage lock, so no other deploy changes the stage in between
 * (engine/deploy.ts).
 */
type Handler = (args: { input?: unknown }) => Promise<unknown>;

interface CallContext {
  clientName?: string;
  commandName?: string;
}

const READ = /^(Describe|Get|List|Head)[A-Za-z0-9]*Command$/;
const NEVER_KEPT = new Set([
  "GetObjectCommand",
  "GetSecretValueCommand",
  "GetParameterCommand",
  "GetParametersCommand",
  "GetParametersByPathCommand",
]);

/** A kept answer, and how many later calls may still take it. */
interface Kept {
  answer: Promise<unknown>;
  uses: number;
}

let open = false;
let kept = new Map<string, Kept>();
/** Marks the calls of `askAhead` (made on first use: most commands never open a read-ahead). */
let sweep: import("node:async_hooks").AsyncLocalStorage<true> | undefined;

/** Runs `work` as reads asked ahead: each read it makes leaves one answer for a later call. */
export function askAhead<T>(work: () => Promise<T>): Promise<T> {
  sweep ??= new (process.getBuiltinModule("node:async_hooks").AsyncLocalStorage)<true>();
  return sweep.run(true, work);
}

/** Opens a read-ahead: reads from now on are kept for their first repetition. */
export function openReadAhead(): void {
  open = true;
  kept = new Map();
}

/** Closes it and forgets every kept answer. */
export function closeReadAhead(): void {
  open = false;
  kept = new Map();
}

/**
 * A change made outside the SDK (a `docker push`, a `depot build --push`) was just carried out:
 * nothing read before it may be used after it, and the read-ahead ends, as at an SDK change.
 */
export function changedOutsideSdk(): void {
  open = false;
  kept = new Map();
}

/**
 * A value read through a call the read-ahead cannot keep (a GetObject's body streams once):
 * `key` names the read, `read` makes it and turns the answer into a value. The value is kept as
 * an answer is (shared in the sweep, one use per later call, dropped at any change).
 */
export function keptValue<T>(key: string, read: () => Promise<T>): Promise<T> {
  if (!open) return read();
  const earlier = kept.get(key);
  if (earlier && sweep?.getStore()) {
    earlier.uses++;
    return earlier.answer as Promise<T>;
  }
  if (earlier) {
    if (--earlier.uses === 0) kept.delete(key);
    return (earlier.answer as Promise<T>).catch(() => read());
  }
  const value = read();
  const store = kept;
  store.set(key, { answer: value, uses: 1 });
  value.catch(() => store.delete(key));
  return value;
}

/** How many answers are waiting to be used (tests). */
export function keptAnswers(): number {
  return kept.size;
}

/**
 * Adds the read-ahead to a client; returns the client. `region` is part of what makes two calls
 * the same: a stack of one name may exist in one region and not in another (a distribution's
 * stacks, docs/decisions.md#a1-taking-over-a-stage-deployed-by-the-original).
 */
export function withReadAhead<T extends WithMiddleware>(client: T, region = ""): T {
  client.middlewareStack.add(
    (next: Handler, context: CallContext) => async (args: { input?: unknown }) => {
      const command = context.commandName ?? "";
      if (!READ.test(command)) {
        // A change (or a call we cannot tell is a read): nothing read before it is used after it,
        // nor anything read while it was in flight (that read may have seen either side of it),
        // so the kept answers are dropped when it starts and again when it ends. The read-ahead
        // ends too: AWS goes on changing after some calls return (a stack updating), and a read
        // kept then could be found by a resource that waits for that change to finish.
        open = false;
        kept = new Map();
        try {
          return await next(args);
        } finally {
          kept = new Map();
        }
      }
      if (!open || NEVER_KEPT.has(command)) return next(args);
      const key = `${region}\0${context.clientName ?? ""}\0${command}\0${stableJson(args.input)}`;
      const earlier = kept.get(key);
      if (earlier && sweep?.getStore()) {
        // Another read of the sweep: it shares the answer, and leaves one more for later.
        earlier.uses++;
        return earlier.answer;
      }
      if (earlier) {
        if (--earlier.uses === 0) kept.delete(key);
        try {
          return await earlier.answer;
        } catch (error) {
          // AWS's own "no such ..." is the answer; a throttle, a 5xx or a cut connection is not.
          if (definitive(error)) throw error;
          return next(args);
        }
      }
      const answer = next(args);
      const store = kept;
      store.set(key, { answer, uses: 1 });
      answer.catch((error: unknown) => {
        if (!definitive(error)) store.delete(key);
      });
      return answer;
    },
    { step: "initialize", name: "pocketReadAhead" },
  );
  return client;
}

function definitive(error: unknown): boolean {
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata
    ?.httpStatusCode;
  return status !== undefined && status >= 400 && status < 500 && status !== 429 && status !== 408;
}

function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v) && !(v instanceof Uint8Array)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );
}
