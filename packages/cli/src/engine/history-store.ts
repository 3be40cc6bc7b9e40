import { createHash } from "node:crypto";
import { awsErrorName } from "../aws/errors.js";
import type { RunContext } from "../resources/resource.js";

/**
 * The stage's deploy history in its state bucket (keys from the context's `history`): one JSON
 * record per deploy, numbered from 1, and the template bodies they deployed, by content hash, so
 * `pocket rollback` can apply them again. Records are appended under the stage lock only.
 */

/** A stack parameter as recorded: its value, or for a NoEcho one only its fingerprint. */
export type RecordedParameter = string | { noEcho: true; fingerprint?: string };

/** One stack of a deploy, as CloudFormation holds it once the deploy finished. */
export interface StackRecord {
  /** The resource it belongs to (`container`, `cloudfront:web`). */
  resource: string;
  name: string;
  region: string;
  /** sha256 of the template body as deployed; the body is stored under this hash. */
  templateHash: string;
  parameters: Record<string, RecordedParameter>;
  tags: Record<string, string>;
  namedIam: boolean;
}

/** An image by digest: `{registry}/{repository}@sha256:{hex}` and its `sha256:{hex}`. */
export interface RecordedImage {
  uri: string;
  digest: string;
}

export interface DeployRecord {
  number: number;
  /** ISO 8601, when the deploy finished. */
  time: string;
  /** The caller's ARN (who deployed). */
  caller: string;
  cliVersion: string;
  /** sha256 of the stage's merged settings: tells a config change from a code change. */
  configHash: string;
  command: "deploy" | "rollback";
  /** For a rollback: the record it put back. */
  rollbackOf?: number;
  /** The image the (first) container's functions run (URI by digest). */
  image?: RecordedImage;
  /**
   * With several `[container.<name>]`: every container's image, by container name
   * (engine/history-images.ts). Absent from records of one container, and from older records.
   */
  images?: Record<string, RecordedImage>;
  stacks: StackRecord[];
  /**
   * The front-end release each distribution serves, by distribution name (distributions with
   * atomic releases only: docs/decisions.md#e17-atomic-front-end-releases).
   */
  frontends: Record<string, string>;
  outcome: "succeeded";
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

const pad = (n: number) => String(n).padStart(6, "0");

async function s3Of(run: RunContext) {
  return run.aws(run.ctx.region).s3();
}

/** Every record of the stage, oldest first (an empty list when none, or no state bucket yet). */
export async function readHistory(run: RunContext): Promise<DeployRecord[]> {
  const keys = await recordKeys(run);
  const { GetObjectCommand } = await import("@aws-sdk/client-s3");
  const s3 = await s3Of(run);
  return Promise.all(
    keys.map(async (Key) => {
      const out = await s3.send(new GetObjectCommand({ Bucket: run.ctx.stateBucket, Key }));
      return JSON.parse(await out.Body!.transformToString()) as DeployRecord;
    }),
  );
}

/** The number the next record gets. */
export async function nextRecordNumber(run: RunContext): Promise<number> {
  const numbers = (await recordKeys(run)).map((k) => Number(k.slice(run.ctx.history.records.length, -5)));
  return Math.max(0, ...numbers) + 1;
}

async function recordKeys(run: RunContext): Promise<string[]> {
  const { ListObjectsV2Command } = await import("@aws-sdk/client-s3");
  const s3 = await s3Of(run);
  const prefix = run.ctx.history.records;
  const keys: string[] = [];
  let token: string | undefined;
  try {
    do {
      const out = await s3.send(
        new ListObjectsV2Command({ Bucket: run.ctx.stateBucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of out.Contents ?? [])
        if (o.Key && /^\d{6}\.json$/.test(o.Key.slice(prefix.length))) keys.push(o.Key);
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
  } catch (error) {
    if (awsErrorName(error) === "NoSuchBucket") return [];
    throw error;
  }
  return keys.sort();
}

export async function writeRecord(run: RunContext, record: DeployRecord): Promise<void> {
  const { PutObjectCommand } = await import("@aws-sdk/client-s3");
  await (await s3Of(run)).send(
    new PutObjectCommand({
      Bucket: run.ctx.stateBucket,
      Key: `${run.ctx.history.records}${pad(record.number)}.json`,
      Body: `${JSON.stringify(record, null, 2)}\n`,
      ContentType: "application/json",
    }),
  );
}

/** Stores a template body under its hash (the same body is the same object). */
export async function writeTemplate(run: RunContext, hash: string, body: string): Promise<void> {
  const { PutObjectCommand } = await import("@aws-sdk/client-s3");
  await (await s3Of(run)).send(
    new PutObjectCommand({
      Bucket: run.ctx.stateBucket,
      Key: `${run.ctx.history.templates}${hash}.json`,
      Body: body,
      ContentType: "application/json",
    }),
  );
}

/** Whether a template body is stored already (an earlier record deployed the same one). */
export async function templateStored(run: RunContext, hash: string): Promise<boolean> {
  const { HeadObjectCommand } = await import("@aws-sdk/client-s3");
  try {
    await (await s3Of(run)).send(
      new HeadObjectCommand({ Bucket: run.ctx.stateBucket, Key: `${run.ctx.history.templates}${hash}.json` }),
    );
    return true;
  } catch (error) {
    if (awsErrorName(error) === "NotFound" || awsErrorName(error) === "NoSuchKey") return false;
    throw error;
  }
}

export async function readTemplate(run: RunContext, hash: string): Promise<string> {
  const { GetObjectCommand } = await import("@aws-sdk/client-s3");
  const out = await (await s3Of(run)).send(
    new GetObjectCommand({ Bucket: run.ctx.stateBucket, Key: `${run.ctx.history.templates}${hash}.json` }),
  );
  return out.Body!.transformToString();
}
