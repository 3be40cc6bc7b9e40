import { hostname, userInfo } from "node:os";
import type { AwsClients } from "../aws/clients.js";
import { awsErrorName } from "../aws/errors.js";
import { CliError } from "../errors.js";

export interface DeployLock {
  release(): Promise<void>;
}

/**
 * One deploy per stage at a time: an object created with If-None-Match in the state bucket, so
 * two machines racing for it cannot both win. A crashed deploy leaves it behind; `--force-unlock`
 * clears it after the user has checked nobody else is deploying.
 */
export async function acquireDeployLock(
  clients: AwsClients,
  bucket: string,
  stage: string,
  options: { force: boolean },
): Promise<DeployLock> {
  const { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } = await import("@aws-sdk/client-s3");
  const s3 = await clients.s3();
  const Key = `locks/${stage}.json`;
  if (options.force) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key }));
  const holder = {
    user: safeUser(),
    host: hostname(),
    pid: process.pid,
    startedAt: new Date().toISOString(),
  };
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key,
        Body: JSON.stringify(holder),
        IfNoneMatch: "*",
        ContentType: "application/json",
      }),
    );
  } catch (error) {
    if (
      awsErrorName(error) !== "PreconditionFailed" &&
      (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== 412
    ) {
      throw error;
    }
    let who = "someone";
    try {
      const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key }));
      const h = JSON.parse(await out.Body!.transformToString()) as typeof holder;
      who = `${h.user}@${h.host} (pid ${h.pid}) since ${h.startedAt}`;
    } catch {
      // the holder finished between our two calls; the message below is still right
    }
    throw new CliError("deploy-locked", `another deploy of stage ${stage} is running: ${who}.`, {
      hint: "Wait for it to finish. If it crashed, run the deploy again with --force-unlock.",
    });
  }
  return {
    async release() {
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key }));
    },
  };
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return "unknown";
  }
}
