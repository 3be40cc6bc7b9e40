import type { AwsClients } from "../aws/clients.js";
import { awsErrorName } from "../aws/errors.js";
import { printable } from "../util/printable.js";

/** What a stage lock object holds (JSON in the state bucket, at `locks/<stage>.json`). */
export interface Holder {
  user: string;
  host: string;
  pid: number;
  startedAt: string;
  /** What holds it: `deploy`, `destroy`, `resource s3 deploy`, ... */
  command: string;
  /** Random per acquisition: only the holder's own release deletes the lock. */
  token: string;
  /** How long the lock stays valid after its last write, by S3's clock (docs/decisions.md P15). */
  leaseSeconds: number;
  /** When the holder last renewed it, by the holder's clock (informational only). */
  renewedAt: string;
}

/** A lock as read back: any field may be missing or forged, so each is checked. */
export interface StoredLock {
  holder: Partial<Holder>;
  etag?: string;
  /** How long ago S3 last wrote the object, by S3's own clock (undefined: not known). */
  ageSeconds?: number;
}

/** The lease a run gives its lock, in seconds: 60, or POCKET_LOCK_LEASE_SECONDS (tests only). */
export function leaseSeconds(): number {
  const set = Number(process.env.POCKET_LOCK_LEASE_SECONDS);
  return Number.isInteger(set) && set >= 1 && set <= 3600 ? set : 60;
}

/** `key` is the context's `lockKey` (`locks/<stage>.json`), derived with the other state keys. */
export function lockUrl(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

/**
 * Reads the lock; undefined when there is none (or no bucket). The object's age is measured
 * between its LastModified and the Date of the same answer, both stamped by S3, so machines
 * whose clocks disagree still agree on whether a lease ran out.
 */
export async function readLock(
  clients: AwsClients,
  bucket: string,
  key: string,
  abortSignal?: AbortSignal,
): Promise<StoredLock | undefined> {
  // The SDK retries a call whose answer failed, but not a body cut after the headers arrived:
  // reading is harmless, so a cut read is tried again before the lock protocol sees a failure.
  for (let attempt = 1; ; attempt++) {
    try {
      return await readLockOnce(clients, bucket, key, abortSignal);
    } catch (error) {
      if (attempt >= READ_ATTEMPTS || abortSignal?.aborted || !isCutAnswer(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt));
    }
  }
}

const READ_ATTEMPTS = 4;

/** A connection closed or reset while the answer's body was being read. */
function isCutAnswer(error: unknown): boolean {
  const e = error as { name?: string; code?: string; message?: string } | undefined;
  return Boolean(
    e &&
      (e.code === "ECONNRESET" ||
        e.code === "ECONNABORTED" ||
        e.code === "ERR_STREAM_PREMATURE_CLOSE" ||
        /^(aborted|socket hang up|premature close)/i.test(e.message ?? "")),
  );
}

async function readLockOnce(
  clients: AwsClients,
  bucket: string,
  key: string,
  abortSignal?: AbortSignal,
): Promise<StoredLock | undefined> {
  const { GetObjectCommand } = await import("@aws-sdk/client-s3");
  const command = new GetObjectCommand({ Bucket: bucket, Key: key });
  let serverDate: string | undefined;
  command.middlewareStack.add(
    (next) => async (args) => {
      const out = await next(args);
      serverDate = (out.response as { headers?: Record<string, string> }).headers?.date;
      return out;
    },
    { step: "deserialize", name: "pocketLockServerDate" },
  );
  try {
    const s3 = await clients.s3();
    const out = await s3.send(command, { abortSignal });
    const text = await out.Body!.transformToString();
    const now = serverDate ? Date.parse(serverDate) : Number.NaN;
    const written = out.LastModified?.getTime() ?? Number.NaN;
    const age = (now - written) / 1000;
    return { holder: parseHolder(text), etag: out.ETag, ageSeconds: Number.isFinite(age) ? age : undefined };
  } catch (error) {
    const name = awsErrorName(error);
    if (name === "NoSuchKey" || name === "NotFound" || name === "NoSuchBucket") return undefined;
    throw error;
  }
}

function parseHolder(text: string): Partial<Holder> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return {};
  }
  if (!raw || typeof raw !== "object") return {};
  const r = raw as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === "string" ? v : undefined);
  const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
  return {
    user: str(r.user),
    host: str(r.host),
    pid: num(r.pid),
    startedAt: str(r.startedAt),
    command: str(r.command),
    token: str(r.token),
    leaseSeconds: num(r.leaseSeconds),
    renewedAt: str(r.renewedAt),
  };
}

/**
 * Whether a lock's lease ran out: its age by S3's clock is past its lease, plus one second for
 * the whole seconds of LastModified and Date. A lock without a lease (written by an older
 * pocket, which never renewed it) never expires: it needs `--force-unlock`.
 */
export function leaseState(lock: StoredLock): { expired: boolean; secondsLeft?: number } {
  const lease = lock.holder.leaseSeconds;
  if (lease === undefined || lease <= 0 || lock.ageSeconds === undefined) return { expired: false };
  const left = lease + 1 - lock.ageSeconds;
  return { expired: left < 0, secondsLeft: Math.max(0, Math.ceil(left)) };
}

/** Who holds a lock, for the terminal: every field came from the bucket, so none is trusted. */
export function describeHolder(h: Partial<Holder>): string {
  const show = (v: unknown, fallback: string) => printable(v === undefined ? fallback : String(v));
  const command = h.command ? `, pocket ${printable(h.command)}` : "";
  return `${show(h.user, "?")}@${show(h.host, "?")} (pid ${show(h.pid, "?")}${command}) since ${show(h.startedAt, "?")}`;
}

export function isPreconditionFailed(error: unknown): boolean {
  return (
    awsErrorName(error) === "PreconditionFailed" ||
    (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 412
  );
}

/** The object is gone (S3 answers a conditional write or delete on a missing key with 404). */
export function isMissing(error: unknown): boolean {
  const name = awsErrorName(error);
  return (
    name === "NoSuchKey" ||
    name === "NotFound" ||
    (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404
  );
}
