import type { AwsClients } from "../aws/clients.js";
import { awsErrorName } from "../aws/errors.js";
import { keptValue } from "../aws/read-ahead.js";

/**
 * One object in a bucket pocket owns (the state bucket's records and uploads): read as JSON
 * (absent, unreadable or in a missing bucket: undefined), written, removed.
 */
export function bucketObject(clients: AwsClients, bucket: string, key: string) {
  return {
    /** Under a deploy's read-ahead, a record its statuses read is not read again (aws/read-ahead.ts). */
    readJson<T>(): Promise<T | undefined> {
      return keptValue(`s3 object\0${clients.region}\0${bucket}\0${key}`, async () => {
        const { GetObjectCommand } = await import("@aws-sdk/client-s3");
        try {
          const out = await (await clients.s3()).send(new GetObjectCommand({ Bucket: bucket, Key: key }));
          return JSON.parse((await out.Body?.transformToString()) ?? "") as T;
        } catch (error) {
          const name = awsErrorName(error);
          if (name === "NoSuchKey" || name === "NoSuchBucket" || error instanceof SyntaxError)
            return undefined;
          throw error;
        }
      });
    },
    async writeJson(value: unknown): Promise<void> {
      await this.put(new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`), "application/json");
    },
    async put(body: Uint8Array, contentType: string): Promise<void> {
      const { PutObjectCommand } = await import("@aws-sdk/client-s3");
      await (await clients.s3()).send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }),
      );
    },
    async remove(): Promise<void> {
      const { DeleteObjectCommand } = await import("@aws-sdk/client-s3");
      try {
        await (await clients.s3()).send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      } catch (error) {
        if (awsErrorName(error) !== "NoSuchBucket") throw error;
      }
    },
  };
}
