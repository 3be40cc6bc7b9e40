import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { freshMoto, REGION } from "./harness.js";
import { record } from "./recorder.js";

/**
 * The request recording the permission and no-change tests read: concurrent calls whose bodies
 * are larger than a file buffer (templates, uploads) must each stay one parseable line
 * (test/moto/server.py, item 11). Before that fix, moto wrote such entries in parts from the
 * threads serving them, two entries shared a line, and ops-permissions failed in CI with
 * "Unexpected non-whitespace character after JSON".
 */
describe("the request recording", () => {
  beforeAll(() => freshMoto({ cli: false }));

  it("keeps one line per request when large requests arrive together", async () => {
    const s3 = new S3Client({
      region: REGION,
      endpoint: inject("motoEndpoint"),
      forcePathStyle: true,
      credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    });
    await s3.send(new CreateBucketCommand({ Bucket: "recording" }));
    const body = "x".repeat(40_000);
    const { requests } = await record(() =>
      Promise.all(
        Array.from({ length: 48 }, (_, i) =>
          s3.send(new PutObjectCommand({ Bucket: "recording", Key: `k${i}`, Body: body })),
        ),
      ),
    );
    expect(requests.filter((r) => r.method === "PUT")).toHaveLength(48);
  });
});
