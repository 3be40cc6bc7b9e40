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
 *
 * This module is the protocol on the lock object (lock-object.ts says what it holds);
 * stage-lock.ts holds the lock around a command's work.
 */
export async function acquireDeployLock(
  clients: AwsClients,
  ctx: Pick<PocketContext, "stage" | "stateBucket" | "lockKey">,
  options: { force: boolean; command: string; notice?: (message: string) => void },
): Promise<DeployLock> {
  const { stateBucket: bucket, lockKey: key, stage } = ctx;
  if (options.force) await forceUnlock(clients, bucket, key, options.notice);
  const lease = leaseSeconds();
  const writer = await lockWriter(clients, bucket, key, newHolder(options.command, lease));
  const taken = await takeLock(clients, bucket, key, stage, writer);
  if (taken.replaced) {
    options.notice?.(
      `took over a stale lock: ${describeHolder(taken.replaced.holder)} did not renew it for ${taken.replaced.holder.leaseSeconds} s`,
    );
  }
  return new HeldLock({ clients, bucket, key, lease, ...writer, etag: taken.etag, wroteAt: taken.wroteAt });
}

/** `--force-unlock`: the lock is deleted whoever holds it. */
async function forceUnlock(
  clients: AwsClients,
  bucket: string,
  key: string,
  notice: ((message: string) => void) | undefined,
): Promise<void> {
  const { DeleteObjectCommand } = await import("@aws-sdk/client-s3");
  const current = await readLock(clients, bucket, key);
  await (await clients.s3()).send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  if (current) notice?.(`cleared the lock held by ${describeHolder(current.holder)} (--force-unlock)`);
}

function newHolder(command: string, lease: number): Holder {
  return {
    user: safeUser(),
    host: hostname(),
    pid: process.pid,
    startedAt: new Date().toISOString(),
    command,
    token: randomUUID(),
    leaseSeconds: lease,
    renewedAt: new Date().toISOString(),
  };
}

/** Writes of our holder's lock (renewed time updated), on a condition; and whether a lock read back is ours. */
interface LockWriter {
  put: (
    condition: { IfNoneMatch: "*" } | { IfMatch: string },
    abortSignal?: AbortSignal,
  ) => Promise<string | undefined>;
  ours: (lock: StoredLock | undefined) => boolean;
}

async function lockWriter(
  clients: AwsClients,
  bucket: string,
  key: string,
  holder: Holder,
): Promise<LockWriter> {
  const { PutObjectCommand } = await import("@aws-sdk/client-s3");
  const s3 = await clients.s3();
  return {
    put: async (condition, abortSignal) => {
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
    },
    ours: (lock) => lock?.holder.token === holder.token,
  };
}

/**
 * Creates the lock (If-None-Match), or takes over a stale one (If-Match on its ETag); a lock
 * found ours is one whose write landed though its answer was lost. Throws `deploy-locked` when
 * another run holds it.
 */
async function takeLock(
  clients: AwsClients,
  bucket: string,
  key: string,
  stage: string,
  { put, ours }: LockWriter,
): Promise<{ etag: string; wroteAt: number; replaced?: StoredLock }> {
  for (let attempt = 0; ; attempt++) {
    let wroteAt = Date.now();
    try {
      return { etag: (await put({ IfNoneMatch: "*" })) ?? "", wroteAt };
    } catch (error) {
      if (!isPreconditionFailed(error)) throw error;
    }
    // 412: a lock exists. It may be our own: the write landed but its answer was lost, and the
    // SDK's retry met the object that write had made.
    const current = await readLock(clients, bucket, key);
    if (ours(current)) return { etag: current!.etag ?? "", wroteAt };
    if (!current) {
      if (attempt < 3) continue;
      throw lockedError(stage, undefined);
    }
    const state = leaseState(current);
    if (!state.expired || attempt >= 3) throw lockedError(stage, current);
    // Conditional on the stale ETag, so of two runs taking it over only one can win.
    try {
      wroteAt = Date.now();
      return { etag: (await put({ IfMatch: current.etag ?? "" })) ?? "", wroteAt, replaced: current };
    } catch (error) {
      if (!isPreconditionFailed(error) && !isMissing(error)) throw error;
      const now = await readLock(clients, bucket, key);
      if (ours(now)) return { etag: now!.etag ?? "", wroteAt, replaced: current };
    }
  }
}

interface HeldParts extends LockWriter {
  clients: AwsClients;
  bucket: string;
  key: string;
  lease: number;
  etag: string;
  wroteAt: number;
}

/** A lock we hold: renewed every third of its lease until released, and checked at safe points. */
class HeldLock implements DeployLock {
  readonly url: string;
  readonly leaseSeconds: number;
  private etag: string;
  /** When the last write that S3 took was sent, by our clock: the lease runs from after it. */
  private renewedAt: number;
  private lostBecause: string | undefined;
  private takenBy: string | undefined;
  private stopped = false;
  private inFlight: Promise<void> | undefined;
  private abortRenewal = new AbortController();
  private readonly renewEvery: number;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(private readonly parts: HeldParts) {
    this.url = lockUrl(parts.bucket, parts.key);
    this.leaseSeconds = parts.lease;
    this.etag = parts.etag;
    this.renewedAt = parts.wroteAt;
    this.renewEvery = Math.max(1, Math.floor((parts.lease * 1000) / 3));
    // unref: a finished run must not stay alive for its timer.
    this.timer = setInterval(() => void this.renew(), this.renewEvery);
    this.timer.unref();
  }

  lost(): { why: string; takenBy?: string } | undefined {
    return this.lostBecause ? { why: this.lostBecause, takenBy: this.takenBy } : undefined;
  }

  async ensureHeld(): Promise<void> {
    const lease = this.parts.lease;
    if (!this.lostBecause && !this.stopped && Date.now() - this.renewedAt > lease * 1000) await this.renew();
    if (this.lostBecause) throw lockLostError(this.url, this.lostBecause);
    const lapsed = Math.round((Date.now() - this.renewedAt) / 1000);
    if (lapsed > lease) {
      throw lockLostError(
        this.url,
        `its lease could not be renewed for ${lapsed} s, so another run may have taken it`,
      );
    }
  }

  async release(deadlineSeconds: number): Promise<ReleaseResult> {
    const { clients, bucket, key, lease, ours } = this.parts;
    this.stopRenewing();
    this.abortRenewal.abort();
    this.abortRenewal = new AbortController();
    const deadline = Date.now() + Math.min(deadlineSeconds, lease) * 1000;
    let problem = "no answer from S3";
    // First, one round trip: deleted only if it is still the write we last made (If-Match on its
    // ETag). A lock renewed by a write whose answer we lost, or taken over by another run, fails
    // the condition and is read below, as is any other failure.
    if (this.etag) {
      try {
        return await this.deleteIfMatch(this.etag, AbortSignal.timeout(deadline - Date.now()));
      } catch (error) {
        problem = printable((error as Error).message ?? String(error));
      }
    }
    for (let attempt = 0; ; attempt++) {
      const left = deadline - Date.now();
      if (left <= 0) return { state: "left", problem };
      const signal = AbortSignal.timeout(left);
      try {
        const current = await readLock(clients, bucket, key, signal);
        if (!current) return { state: "gone" };
        if (!ours(current)) return { state: "taken", by: describeHolder(current.holder) };
        return await this.deleteIfMatch(current.etag ?? "", signal);
      } catch (error) {
        // 412: the lock changed between the read and the delete; the next read says how.
        problem = printable((error as Error).message ?? String(error));
      }
      const pause = Math.min(2000, 200 * 2 ** attempt, Math.max(0, deadline - Date.now()));
      await new Promise((r) => setTimeout(r, pause));
    }
  }

  /** Deletes the lock if its ETag is still `etag`; throws on 412 and on failures to retry. */
  private async deleteIfMatch(etag: string, signal: AbortSignal): Promise<ReleaseResult> {
    const { bucket, key, clients } = this.parts;
    const { DeleteObjectCommand } = await import("@aws-sdk/client-s3");
    try {
      await (await clients.s3()).send(new DeleteObjectCommand({ Bucket: bucket, Key: key, IfMatch: etag }), {
        abortSignal: signal,
      });
      return { state: "released" };
    } catch (error) {
      // 404 on the delete: an earlier delete of ours landed and its answer was lost.
      if (isMissing(error)) return { state: "released" };
      throw error;
    }
  }

  /** One renewal at a time; a renewal never fails the run by itself: what it learns is in lostBecause and renewedAt. */
  private renew(): Promise<void> {
    if (!this.inFlight)
      this.inFlight = this.renewOnce().then(
        () => (this.inFlight = undefined),
        () => (this.inFlight = undefined),
      );
    return this.inFlight;
  }

  private async renewOnce(): Promise<void> {
    const { clients, bucket, key, put, ours } = this.parts;
    const sentAt = Date.now();
    const signal = AbortSignal.any([this.abortRenewal.signal, AbortSignal.timeout(this.renewEvery)]);
    try {
      this.etag = (await put({ IfMatch: this.etag }, signal)) ?? this.etag;
      this.renewedAt = sentAt;
    } catch (error) {
      if (!isPreconditionFailed(error) && !isMissing(error)) return; // try again next time
      try {
        const current = await readLock(clients, bucket, key, signal);
        if (ours(current)) {
          // Our write landed and its answer was lost: the ETag it made is the one to renew.
          this.etag = current!.etag ?? this.etag;
          this.renewedAt = sentAt;
        } else {
          this.takenBy = current ? describeHolder(current.holder) : undefined;
          this.lostBecause = this.takenBy ? `it is now held by ${this.takenBy}` : "someone deleted it";
          this.stopRenewing();
        }
      } catch {
        // Not known yet: the next renewal asks again.
      }
    }
  }

  private stopRenewing(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }
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
