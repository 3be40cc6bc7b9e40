import { randomUUID } from "node:crypto";
import { hostname, userInfo } from "node:os";
import type { PocketContext } from "@magic-pocket/config";
import type { AwsClients } from "../aws/clients.js";
import { CliError } from "../errors.js";
import { printable } from "../util/printable.js";
import {
  describeHolder,
  type Holder,
  isMissing,
  isPreconditionFailed,
  leaseSeconds,
  leaseState,
  lockUrl,
  readLock,
  type StoredLock,
} from "./lock-object.js";

/** How a release ended. */
export type ReleaseResult =
  | { state: "released" }
  /** No lock to release: deleted by someone, or gone with its bucket. */
  | { state: "gone" }
  /** Someone else holds it now: left alone. */
  | { state: "taken"; by: string }
  /** Still ours, or not known, when the deadline came: `problem` says why. */
  | { state: "left"; problem: string };

export interface DeployLock {
  /** `s3://bucket/locks/<stage>.json`, for messages. */
  readonly url: string;
  readonly leaseSeconds: number;
  /**
   * A safe point: throws `lock-lost` when the lock is no longer ours (someone took or deleted
   * it), or when its lease could not be renewed in time and cannot be renewed now.
   */
  ensureHeld(): Promise<void>;
  /** Why the lock was lost during the run, and to whom (undefined: it was not). */
  lost(): { why: string; takenBy?: string } | undefined;
  /**
   * Stops renewing, then deletes the lock while it still holds our token, retrying with backoff
   * until `deadlineSeconds` have passed (capped by the lease: after it the lock is stale for
   * everyone anyway). Never throws.
   */
  release(deadlineSeconds: number): Promise<ReleaseResult>;
}

/**
 * One change to a stage at a time (deploy, destroy, resource deploy/destroy): an object created
 * with If-None-Match in the state bucket, so two machines racing for it cannot both win. The lock
 * carries a random token and a lease: the holder rewrites it (If-Match on the ETag it last wrote)
 * every third of the lease, and a lock whose lease ran out by S3's clock is stale for everyone,
 * taken over with If-Match on its ETag (docs/decisions.md P15). Release deletes it only while it
 * still holds our token, so a run never removes a lock another one took.
 */
export async function acquireDeployLock(
  clients: AwsClients,
  ctx: Pick<PocketContext, "stage" | "stateBucket" | "lockKey">,
  options: { force: boolean; command: string; notice?: (message: string) => void },
): Promise<DeployLock> {
  const { DeleteObjectCommand, PutObjectCommand } = await import("@aws-sdk/client-s3");
  const s3 = await clients.s3();
  const { stateBucket: bucket, lockKey: key, stage } = ctx;
  if (options.force) {
    const current = await readLock(clients, bucket, key);
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    if (current)
      options.notice?.(`cleared the lock held by ${describeHolder(current.holder)} (--force-unlock)`);
  }
  const lease = leaseSeconds();
  const holder: Holder = {
    user: safeUser(),
    host: hostname(),
    pid: process.pid,
    startedAt: new Date().toISOString(),
    command: options.command,
    token: randomUUID(),
    leaseSeconds: lease,
    renewedAt: new Date().toISOString(),
  };
  const put = async (condition: { IfNoneMatch: "*" } | { IfMatch: string }, abortSignal?: AbortSignal) => {
    holder.renewedAt = new Date().toISOString();
    const out = await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: JSON.stringify(holder),
        ContentType: "application/json",
        ...condition,
      }),
      { abortSignal },
    );
    return out.ETag;
  };
  const ours = (lock: StoredLock | undefined) => lock?.holder.token === holder.token;

  let etag: string | undefined;
  let wroteAt = Date.now();
  let replaced: StoredLock | undefined;
  for (let attempt = 0; etag === undefined; attempt++) {
    wroteAt = Date.now();
    try {
      etag = await put({ IfNoneMatch: "*" });
      break;
    } catch (error) {
      if (!isPreconditionFailed(error)) throw error;
    }
    // 412: a lock exists. It may be our own: the write landed but its answer was lost, and the
    // SDK's retry met the object that write had made.
    const current = await readLock(clients, bucket, key);
    if (ours(current)) {
      etag = current!.etag ?? "";
      break;
    }
    if (!current) {
      if (attempt < 3) continue;
      throw lockedError(stage, undefined);
    }
    const state = leaseState(current);
    if (!state.expired || attempt >= 3) throw lockedError(stage, current);
    // Conditional on the stale ETag, so of two runs taking it over only one can win.
    try {
      wroteAt = Date.now();
      etag = await put({ IfMatch: current.etag ?? "" });
      replaced = current;
    } catch (error) {
      if (!isPreconditionFailed(error) && !isMissing(error)) throw error;
      const now = await readLock(clients, bucket, key);
      if (ours(now)) {
        etag = now!.etag ?? "";
        replaced = current;
      }
    }
  }
  if (replaced) {
    options.notice?.(
      `took over a stale lock: ${describeHolder(replaced.holder)} did not renew it for ${replaced.holder.leaseSeconds} s`,
    );
  }
  return heldLock({ clients, bucket, key, lease, put, ours, etag: etag!, wroteAt });
}

interface HeldParts {
  clients: AwsClients;
  bucket: string;
  key: string;
  lease: number;
  put: (condition: { IfMatch: string }, abortSignal?: AbortSignal) => Promise<string | undefined>;
  ours: (lock: StoredLock | undefined) => boolean;
  etag: string;
  wroteAt: number;
}

function heldLock(parts: HeldParts): DeployLock {
  const { clients, bucket, key, lease, put, ours } = parts;
  const url = lockUrl(bucket, key);
  let etag = parts.etag;
  /** When the last write that S3 took was sent, by our clock: the lease runs from after it. */
  let renewedAt = parts.wroteAt;
  let lostBecause: string | undefined;
  let takenBy: string | undefined;
  let stopped = false;
  let inFlight: Promise<void> | undefined;
  let abortRenewal = new AbortController();

  const renewEvery = Math.max(1, Math.floor((lease * 1000) / 3));
  const renewOnce = async (): Promise<void> => {
    const sentAt = Date.now();
    const signal = AbortSignal.any([abortRenewal.signal, AbortSignal.timeout(renewEvery)]);
    try {
      etag = (await put({ IfMatch: etag }, signal)) ?? etag;
      renewedAt = sentAt;
    } catch (error) {
      if (!isPreconditionFailed(error) && !isMissing(error)) return; // try again next time
      try {
        const current = await readLock(clients, bucket, key, signal);
        if (ours(current)) {
          // Our write landed and its answer was lost: the ETag it made is the one to renew.
          etag = current!.etag ?? etag;
          renewedAt = sentAt;
        } else {
          takenBy = current ? describeHolder(current.holder) : undefined;
          lostBecause = takenBy ? `it is now held by ${takenBy}` : "someone deleted it";
          stopRenewing();
        }
      } catch {
        // Not known yet: the next renewal asks again.
      }
    }
  };
  const renew = (): Promise<void> => {
    // A renewal never fails the run by itself: what it learns is in lostBecause and renewedAt.
    if (!inFlight)
      inFlight = renewOnce().then(
        () => (inFlight = undefined),
        () => (inFlight = undefined),
      );
    return inFlight;
  };
  // unref: a finished run must not stay alive for its timer.
  const timer = setInterval(() => void renew(), renewEvery);
  timer.unref();
  function stopRenewing() {
    stopped = true;
    clearInterval(timer);
  }

  return {
    url,
    leaseSeconds: lease,
    lost: () => (lostBecause ? { why: lostBecause, takenBy } : undefined),
    async ensureHeld() {
      if (!lostBecause && !stopped && Date.now() - renewedAt > lease * 1000) await renew();
      if (lostBecause) throw lockLostError(url, lostBecause);
      const lapsed = Math.round((Date.now() - renewedAt) / 1000);
      if (lapsed > lease) {
        throw lockLostError(
          url,
          `its lease could not be renewed for ${lapsed} s, so another run may have taken it`,
        );
      }
    },
    async release(deadlineSeconds) {
      stopRenewing();
      abortRenewal.abort();
      abortRenewal = new AbortController();
      const deadline = Date.now() + Math.min(deadlineSeconds, lease) * 1000;
      let problem = "no answer from S3";
      for (let attempt = 0; ; attempt++) {
        const left = deadline - Date.now();
        if (left <= 0) return { state: "left", problem };
        const signal = AbortSignal.timeout(left);
        try {
          const current = await readLock(clients, bucket, key, signal);
          if (!current) return { state: "gone" };
          if (!ours(current)) return { state: "taken", by: describeHolder(current.holder) };
          const { DeleteObjectCommand } = await import("@aws-sdk/client-s3");
          const s3 = await clients.s3();
          await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, IfMatch: current.etag }), {
            abortSignal: signal,
          });
          return { state: "released" };
        } catch (error) {
          // 404 on the delete: an earlier delete of ours landed and its answer was lost.
          if (isMissing(error)) return { state: "released" };
          // 412: the lock changed between the read and the delete; the next read says how.
          problem = printable((error as Error).message ?? String(error));
        }
        const pause = Math.min(2000, 200 * 2 ** attempt, Math.max(0, deadline - Date.now()));
        await new Promise((r) => setTimeout(r, pause));
      }
    },
  };
}

function lockedError(stage: string, lock: StoredLock | undefined): CliError {
  const holder = lock?.holder;
  const left = lock ? leaseState(lock).secondsLeft : undefined;
  return new CliError(
    "deploy-locked",
    `another ${printable(holder?.command ?? "deploy")} of stage ${stage} is running: ${holder ? describeHolder(holder) : "someone"}.`,
    {
      hint:
        left !== undefined
          ? `Wait for it to finish. If it stopped, its lock is stale once its lease ends (in ${left} s unless it is renewed), and the next run takes it over. To clear it now, run the command again with --force-unlock.`
          : "Wait for it to finish. If it crashed, run the command again with --force-unlock.",
    },
  );
}

export function lockLostError(url: string, why: string): CliError {
  return new CliError("lock-lost", `this run lost the stage lock ${url}: ${why}.`, {
    hint: "Another run may be changing the stage. Check `pocket status`, then run the command again.",
  });
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return "unknown";
  }
}
