import type { WithMiddleware } from "./failed-call.js";

/**
 * Reads asked ahead of need. A no-op deploy is a chain of reads (each resource in dependency
 * order reads its stack, template, bucket settings, ...), so its time against AWS is the number
 * of round trips paid one after another. While a read-ahead is open, the engine asks every
 * resource's reads at once (their read-only `status`); each answer is kept for the first identical
 * call (same client, command and input), which then costs no round trip.
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

let open = false;
let kept = new Map<string, Promise<unknown>>();

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

/** How many answers are waiting to be used (tests). */
export function keptAnswers(): number {
  return kept.size;
}

/** Adds the read-ahead to a client; returns the client. */
export function withReadAhead<T extends WithMiddleware>(client: T): T {
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
      const key = `${context.clientName ?? ""}\0${command}\0${stableJson(args.input)}`;
      const earlier = kept.get(key);
      if (earlier) {
        kept.delete(key);
        try {
          return await earlier;
        } catch (error) {
          // AWS's own "no such ..." is the answer; a throttle, a 5xx or a cut connection is not.
          if (definitive(error)) throw error;
          return next(args);
        }
      }
      const answer = next(args);
      const store = kept;
      store.set(key, answer);
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
