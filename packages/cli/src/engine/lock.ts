import { randomUUID } from "node:crypto";
import { hostname, userInfo } from "node:os";
import type { AwsClients } from "../aws/clients.js";
import { awsErrorName } from "../aws/errors.js";
import { CliError } from "../errors.js";

export interface DeployLock {
  /** Deletes the lock if it is still ours; says what happened otherwise (never throws). */
  release(): Promise<{ released: boolean; problem?: string }>;
}

interface Holder {
  user: string;
  host: string;
  pid: number;
  startedAt: string;
  /** What holds it: `deploy`, `destroy`, `resource s3 deploy`, ... */
  command: string;
  /** Random per acquisition: only the holder's own release deletes the lock. */
  token: string;
}

/**
 * One change to a stage at a time (deploy, destroy, resource deploy/destroy): an object created
 * with If-None-Match in the state bucket, so two machines racing for it cannot both win. The lock
 * carries a random token, and release deletes it only while it still holds that token (compared
 * first, then deleted with If-Match on its ETag), so a deploy never removes a lock another one
 * took after a `--force-unlock`. A lock left by a process of this host that is no longer alive is
 * cleared with a notice; any other stale lock needs `--force-unlock`.
 */
export async function acquireDeployLock(
  clients: AwsClients,
  bucket: string,
  stage: string,
  options: { force: boolean; command: string; notice?: (message: string) => void },
): Promise<DeployLock> {
  const { DeleteObjectCommand, PutObjectCommand } = await import("@aws-sdk/client-s3");
  const s3 = await clients.s3();
  const Key = lockKey(stage);
  if (options.force) {
    const current = await readLock(clients, bucket, stage);
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key }));
    if (current)
      options.notice?.(`cleared the lock held by ${describeHolder(current.holder)} (--force-unlock)`);
  }
  const holder: Holder = {
    user: safeUser(),
    host: hostname(),
    pid: process.pid,
    startedAt: new Date().toISOString(),
    command: options.command,
    token: randomUUID(),
  };
  const put = () =>
    s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key,
        Body: JSON.stringify(holder),
        IfNoneMatch: "*",
        ContentType: "application/json",
      }),
    );
  try {
    await put();
  } catch (error) {
    if (!isPreconditionFailed(error)) throw error;
    const current = await readLock(clients, bucket, stage);
    if (current && isDeadLocalHolder(current.holder)) {
      // A crashed or killed run of this machine: nobody else can be inside that lock.
      await deleteIfUnchanged(clients, bucket, Key, current.etag);
      options.notice?.(`cleared a stale lock: ${describeHolder(current.holder)} is no longer running`);
      try {
        await put();
      } catch (again) {
        if (!isPreconditionFailed(again)) throw again;
        throw lockedError(stage, (await readLock(clients, bucket, stage))?.holder);
      }
    } else {
      throw lockedError(stage, current?.holder);
    }
  }
  return {
    async release() {
      try {
        const current = await readLock(clients, bucket, stage);
        // Gone with its bucket (destroy --with-state-bucket), or cleared by someone: nothing to do.
        if (!current) return { released: false };
        if (current.holder.token !== holder.token) {
          return {
            released: false,
            problem: `the lock is now held by ${describeHolder(current.holder)}; left it alone`,
          };
        }
        await deleteIfUnchanged(clients, bucket, Key, current.etag);
        return { released: true };
      } catch (error) {
        return { released: false, problem: (error as Error).message };
      }
    },
  };
}

export function lockKey(stage: string): string {
  return `locks/${stage}.json`;
}

async function readLock(
  clients: AwsClients,
  bucket: string,
  stage: string,
): Promise<{ holder: Holder; etag?: string } | undefined> {
  const { GetObjectCommand } = await import("@aws-sdk/client-s3");
  try {
    const out = await (await clients.s3()).send(
      new GetObjectCommand({ Bucket: bucket, Key: lockKey(stage) }),
    );
    const holder = JSON.parse(await out.Body!.transformToString()) as Holder;
    return { holder, etag: out.ETag };
  } catch (error) {
    const name = awsErrorName(error);
    if (name === "NoSuchKey" || name === "NotFound" || name === "NoSuchBucket") return undefined;
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}

/** Deletes the lock only if it is still the object we read (S3 conditional delete on the ETag). */
async function deleteIfUnchanged(clients: AwsClients, bucket: string, Key: string, etag: string | undefined) {
  const { DeleteObjectCommand } = await import("@aws-sdk/client-s3");
  try {
    await (await clients.s3()).send(new DeleteObjectCommand({ Bucket: bucket, Key, IfMatch: etag }));
  } catch (error) {
    if (isPreconditionFailed(error))
      throw new Error("the lock changed while it was being released; left it alone");
    if (awsErrorName(error) !== "NoSuchKey") throw error;
  }
}

function isPreconditionFailed(error: unknown): boolean {
  return (
    awsErrorName(error) === "PreconditionFailed" ||
    (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 412
  );
}

function isDeadLocalHolder(holder: Holder): boolean {
  if (holder.host !== hostname() || !Number.isInteger(holder.pid)) return false;
  if (holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    // EPERM: the process exists but is someone else's; only ESRCH means it is gone.
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

function describeHolder(h: Holder): string {
  return `${h.user}@${h.host} (pid ${h.pid}${h.command ? `, pocket ${h.command}` : ""}) since ${h.startedAt}`;
}

function lockedError(stage: string, holder: Holder | undefined): CliError {
  return new CliError(
    "deploy-locked",
    `another ${holder?.command ?? "deploy"} of stage ${stage} is running: ${holder ? describeHolder(holder) : "someone"}.`,
    {
      hint: "Wait for it to finish. If it crashed on another machine, run the command again with --force-unlock.",
    },
  );
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return "unknown";
  }
}
