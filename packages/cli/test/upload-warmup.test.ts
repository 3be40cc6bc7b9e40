import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { AwsClients } from "../src/aws/clients.js";
import { planSync } from "../src/buckets/sync.js";

/*
 * A sync's plan asks for the account id (which every S3 call names, aws/clients.ts) while the S3
 * client is still being made, instead of after it: against a distant S3 that is one round trip
 * less before the first upload (docs/decisions.md#p7-front-end-upload). The S3 client here is
 * held back until the account id has been asked; before the change, nothing asked it, and the
 * plan never got past the wait.
 */
describe("upload plan warm-up", () => {
  it("asks the account id before the S3 client is ready", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pocket-warmup-"));
    mkdirSync(join(dir, "assets"));
    writeFileSync(join(dir, "assets/app.js"), "console.log(1)");
    const asked: string[] = [];
    let releaseS3!: () => void;
    const s3Held = new Promise<void>((resolve) => {
      releaseS3 = resolve;
    });
    const clients = {
      region: "ap-northeast-1",
      profile: "upload-warmup-test",
      sts: async () => ({
        send: async (command: { constructor: { name: string } }) => {
          asked.push(`sts ${command.constructor.name}`);
          releaseS3();
          return { Account: "123456789012", Arn: "arn:aws:iam::123456789012:user/test" };
        },
      }),
      s3: async () => {
        await s3Held;
        asked.push("s3 client");
        return {
          send: async (command: { constructor: { name: string } }) => {
            asked.push(`s3 ${command.constructor.name}`);
            return { Contents: [] };
          },
        };
      },
    } as unknown as AwsClients;
    const actions = await planSync(
      clients,
      dir,
      { bucket: "b", prefix: "site" },
      // Applied next, as an upload is: its first PUT names the owner (docs/decisions.md#p16-buckets-are-checked-for-their-owner).
      { delete: true, manifest: false, appliedNext: true },
    );
    expect(asked).toEqual(["sts GetCallerIdentityCommand", "s3 client", "s3 ListObjectsV2Command"]);
    expect(actions).toEqual([
      expect.objectContaining({ kind: "upload", key: "site/assets/app.js", reason: "new" }),
    ]);
  });
});
