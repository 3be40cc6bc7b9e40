import { afterEach, describe, expect, it } from "vitest";
import {
  askAhead,
  changedOutsideSdk,
  closeReadAhead,
  keptAnswers,
  keptValue,
  openReadAhead,
  withReadAhead,
} from "../src/aws/read-ahead.js";

/*
 * The read-ahead middleware (aws/read-ahead.ts) on a stand-in client: `send` runs the added
 * middleware around a `next` that counts what would have gone to AWS.
 */
type Middleware = (
  next: (args: { input: unknown }) => Promise<unknown>,
  context: { clientName: string; commandName: string },
) => (args: { input: unknown }) => Promise<unknown>;

function client(
  answer: (command: string, n: number) => Promise<unknown> = async (c, n) => ({ c, n }),
  region = "ap-northeast-1",
) {
  let middleware: Middleware | undefined;
  const sent: string[] = [];
  withReadAhead(
    {
      middlewareStack: {
        add: (m: Middleware) => {
          middleware = m;
        },
      },
    },
    region,
  );
  const send = (command: string, input: unknown = { StackName: "s" }) =>
    middleware!(
      async () => {
        sent.push(command);
        return answer(command, sent.length);
      },
      { clientName: "CloudFormationClient", commandName: `${command}Command` },
    )({ input });
  return { send, sent };
}

const notFound = () => Object.assign(new Error("no such"), { $metadata: { httpStatusCode: 404 } });
const unavailable = () => Object.assign(new Error("busy"), { $metadata: { httpStatusCode: 503 } });

afterEach(() => closeReadAhead());

describe("read-ahead", () => {
  it("keeps a read for the same region only: a stack of one name may be in one region and not the other", async () => {
    const stageRegion = client(async () => {
      throw notFound();
    });
    const usEast1 = client(undefined, "us-east-1");
    openReadAhead();
    await expect(stageRegion.send("DescribeStacks")).rejects.toThrow("no such");
    expect(await usEast1.send("DescribeStacks")).toEqual({ c: "DescribeStacks", n: 1 });
    expect(usEast1.sent).toEqual(["DescribeStacks"]);
  });

  it("answers the first repetition of a read from the earlier call, and only the first", async () => {
    const c = client();
    openReadAhead();
    const ahead = await c.send("DescribeStacks");
    expect(await c.send("DescribeStacks")).toBe(ahead);
    await c.send("DescribeStacks");
    expect(c.sent).toEqual(["DescribeStacks", "DescribeStacks"]);
  });

  it("shares a read still in flight", async () => {
    const c = client();
    openReadAhead();
    const [a, b] = await Promise.all([c.send("GetTemplate"), c.send("GetTemplate")]);
    expect(a).toBe(b);
    expect(c.sent).toEqual(["GetTemplate"]);
  });

  it("tells reads apart by their input, whatever the order of its keys", async () => {
    const c = client();
    openReadAhead();
    await c.send("DescribeStacks", { StackName: "a", NextToken: "1" });
    await c.send("DescribeStacks", { NextToken: "1", StackName: "a" });
    await c.send("DescribeStacks", { StackName: "b" });
    expect(c.sent).toEqual(["DescribeStacks", "DescribeStacks"]);
  });

  it("drops every kept answer at any call that is not a read", async () => {
    const c = client();
    openReadAhead();
    await c.send("DescribeStacks");
    await c.send("UpdateStack");
    expect(keptAnswers()).toBe(0);
    await c.send("DescribeStacks");
    expect(c.sent).toEqual(["DescribeStacks", "UpdateStack", "DescribeStacks"]);
  });

  it("never keeps a read that ran while a change was in flight", async () => {
    let finishUpdate: () => void = () => {};
    const c = client((command, n) =>
      command === "UpdateStack"
        ? new Promise((resolve) => {
            finishUpdate = () => resolve({ command, n });
          })
        : Promise.resolve({ command, n }),
    );
    openReadAhead();
    const update = c.send("UpdateStack");
    // Read during the change: it may have seen the stage before or after it.
    await c.send("DescribeStacks");
    finishUpdate();
    await update;
    await c.send("DescribeStacks");
    expect(c.sent).toEqual(["UpdateStack", "DescribeStacks", "DescribeStacks"]);
  });

  it("keeps nothing once a change was made: AWS may still be carrying it out", async () => {
    const c = client();
    openReadAhead();
    await c.send("UpdateStack");
    await c.send("DescribeStacks");
    await c.send("DescribeStacks");
    expect(c.sent).toEqual(["UpdateStack", "DescribeStacks", "DescribeStacks"]);
  });

  it("forgets and stops at a change made outside the SDK (docker push)", async () => {
    const c = client();
    openReadAhead();
    await c.send("DescribeImages");
    changedOutsideSdk();
    await c.send("DescribeImages");
    await c.send("DescribeImages");
    expect(keptAnswers()).toBe(0);
    expect(c.sent).toEqual(["DescribeImages", "DescribeImages", "DescribeImages"]);
  });

  it("keeps nothing while closed, and never object bodies or secret values", async () => {
    const c = client();
    await c.send("DescribeStacks");
    await c.send("DescribeStacks");
    openReadAhead();
    for (const command of ["GetObject", "GetObject", "GetSecretValue", "GetSecretValue"])
      await c.send(command);
    expect(c.sent).toHaveLength(6);
  });

  it("passes on AWS's own 4xx answer, but asks again after a 503", async () => {
    const missing = client(async () => Promise.reject(notFound()));
    openReadAhead();
    await expect(missing.send("GetBucketCors")).rejects.toThrow("no such");
    await expect(missing.send("GetBucketCors")).rejects.toThrow("no such");
    expect(missing.sent).toHaveLength(1);

    const busy = client(async (_c, n) => (n === 1 ? Promise.reject(unavailable()) : { ok: n }));
    await expect(busy.send("GetBucketCors")).rejects.toThrow("busy");
    expect(await busy.send("GetBucketCors")).toEqual({ ok: 2 });
  });

  it("asks a read made twice in the sweep once, and leaves an answer for each later call", async () => {
    const c = client();
    openReadAhead();
    // Two statuses read the same stack (one for itself, one for another's parameters).
    const [a, b] = await askAhead(() => Promise.all([c.send("DescribeStacks"), c.send("DescribeStacks")]));
    expect(a).toBe(b);
    // Both deploys find it; a third call (a poll) asks AWS.
    expect(await c.send("DescribeStacks")).toBe(a);
    expect(await c.send("DescribeStacks")).toBe(a);
    await c.send("DescribeStacks");
    expect(c.sent).toEqual(["DescribeStacks", "DescribeStacks"]);
  });

  it("keeps a value read through a call it cannot keep, as it keeps answers", async () => {
    const c = client();
    let reads = 0;
    const record = () => keptValue("s3 object\0state\0drift.json", async () => ({ read: ++reads }));
    openReadAhead();
    const ahead = await askAhead(record);
    expect(await record()).toBe(ahead);
    expect(reads).toBe(1);
    // Any change drops it.
    await askAhead(record);
    await c.send("PutObject");
    await record();
    expect(reads).toBe(3);
    // Closed: read every time.
    closeReadAhead();
    await record();
    await record();
    expect(reads).toBe(5);
  });
});
