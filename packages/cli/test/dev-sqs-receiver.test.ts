import { createHash } from "node:crypto";
import {
  DeleteMessageCommand,
  GetQueueUrlCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { afterEach, describe, expect, it } from "vitest";
import type { SqsRecord } from "../src/local/events.js";
import type { Deliver, LocalQueueOptions } from "../src/local/sqs-queue.js";
import { attributesMd5, type SqsReceiver, startSqsReceiver } from "../src/local/sqs-receiver.js";

const QUEUE: LocalQueueOptions = {
  key: "worker",
  name: "dev-app-pocket-worker",
  arn: "arn:aws:sqs:ap-northeast-1:123456789012:dev-app-pocket-worker",
  batchSize: 10,
  visibilityTimeoutSeconds: 0.05,
  maxReceiveCount: 3,
  reportBatchItemFailures: true,
  deadLetterName: "dev-app-pocket-worker-dead-letter",
};

let receiver: SqsReceiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

function client(endpoint: string): SQSClient {
  // The SDK checks MD5OfMessageBody (and of the attributes) on every send: a wrong digest fails here.
  return new SQSClient({
    region: "ap-northeast-1",
    endpoint,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
}

async function start(
  handle: (records: SqsRecord[], receiveCount: number) => unknown,
  options: Partial<LocalQueueOptions> = {},
) {
  const events: SqsRecord[][] = [];
  const logs: string[] = [];
  const deliver: Deliver = async (_key, event) => {
    events.push(event.Records);
    return handle(event.Records, Number(event.Records[0]!.attributes?.ApproximateReceiveCount));
  };
  receiver = await startSqsReceiver([{ ...QUEUE, ...options }], deliver, (key, line) =>
    logs.push(`${key}: ${line}`),
  );
  return { events, logs, receiver, sqs: client(receiver.endpoint), queue: receiver.queue(QUEUE.name)! };
}

describe("the local SQS receiver (AWS JSON 1.0, as SDK v3 and boto3 send it)", () => {
  it("takes SendMessage with attributes and delivers the SQS event shape", async () => {
    const { sqs, events, queue, receiver: r } = await start(() => ({ batchItemFailures: [] }));
    const url = r.queueUrl(QUEUE.name);
    const out = await sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: '{"kind":"welcome-mail"}',
        MessageAttributes: { trace: { DataType: "String", StringValue: "abc" } },
      }),
    );
    expect(out.MD5OfMessageBody).toBe(createHash("md5").update('{"kind":"welcome-mail"}').digest("hex"));
    await queue.idle();
    expect(events).toHaveLength(1);
    const [record] = events[0]!;
    expect(record).toMatchObject({
      messageId: out.MessageId,
      body: '{"kind":"welcome-mail"}',
      eventSource: "aws:sqs",
      eventSourceARN: QUEUE.arn,
      awsRegion: "ap-northeast-1",
      attributes: { ApproximateReceiveCount: "1" },
      messageAttributes: { trace: { dataType: "String", stringValue: "abc" } },
    });
  });

  it("takes SendMessageBatch, GetQueueUrl and DeleteMessage; names an unknown queue as SQS does", async () => {
    const { sqs, events, queue, receiver: r } = await start(() => null);
    const url = (await sqs.send(new GetQueueUrlCommand({ QueueName: QUEUE.name }))).QueueUrl!;
    expect(url).toBe(r.queueUrl(QUEUE.name));
    const batch = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: "a", MessageBody: "one" },
          { Id: "b", MessageBody: "two" },
        ],
      }),
    );
    expect(batch.Successful?.map((s) => s.Id)).toEqual(["a", "b"]);
    await queue.idle();
    // Both visible at once: one batch, as the event source mapping would send them.
    expect(events.map((e) => e.map((x) => x.body))).toEqual([["one", "two"]]);
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: "local-x" }));
    const missing = await sqs
      .send(new SendMessageCommand({ QueueUrl: `${r.endpoint}/000000000000/nope`, MessageBody: "x" }))
      .catch((e: Error) => e);
    expect((missing as Error).name).toBe("QueueDoesNotExist");
    expect((missing as Error).message).toContain("dev-app-pocket-worker");
  });

  it("redelivers a failed message after the visibility timeout, then dead-letters it at maxReceiveCount", async () => {
    const {
      sqs,
      events,
      logs,
      queue,
      receiver: r,
    } = await start(() => {
      throw new Error("handler raised");
    });
    const out = await sqs.send(
      new SendMessageCommand({ QueueUrl: r.queueUrl(QUEUE.name), MessageBody: "boom" }),
    );
    await queue.idle();
    expect(events.map((e) => e[0]!.attributes?.ApproximateReceiveCount)).toEqual(["1", "2", "3"]);
    expect(queue.size).toBe(0);
    expect(logs.join("\n")).toContain(
      `worker: message ${out.MessageId} dead-lettered (dev-app-pocket-worker-dead-letter) after 3 attempts; body: boom`,
    );
  });

  it("retries only the records named in batchItemFailures", async () => {
    const {
      sqs,
      events,
      queue,
      receiver: r,
    } = await start((records, n) => ({
      batchItemFailures:
        n === 1 ? records.filter((x) => x.body === "bad").map((x) => ({ itemIdentifier: x.messageId })) : [],
    }));
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: r.queueUrl(QUEUE.name),
        Entries: [
          { Id: "1", MessageBody: "good" },
          { Id: "2", MessageBody: "bad" },
        ],
      }),
    );
    await queue.idle();
    expect(events.map((e) => e.map((x) => x.body))).toEqual([["good", "bad"], ["bad"]]);
  });

  it("ignores batchItemFailures when the mapping does not report them, and fails the batch on an unknown id", async () => {
    const off = await start(() => ({ batchItemFailures: [{ itemIdentifier: "whatever" }] }), {
      reportBatchItemFailures: false,
    });
    await off.sqs.send(
      new SendMessageCommand({ QueueUrl: off.receiver.queueUrl(QUEUE.name), MessageBody: "x" }),
    );
    await off.queue.idle();
    expect(off.events).toHaveLength(1);
    await off.receiver.close();

    const on = await start(() => ({ batchItemFailures: [{ itemIdentifier: "not-in-batch" }] }));
    await on.sqs.send(
      new SendMessageCommand({ QueueUrl: on.receiver.queueUrl(QUEUE.name), MessageBody: "x" }),
    );
    await on.queue.idle();
    expect(on.events).toHaveLength(3);
    expect(on.logs.join("\n")).toContain("unknown message id");
  });

  it("holds a delayed message back for DelaySeconds", async () => {
    const { sqs, events, queue, receiver: r } = await start(() => null);
    const sent = Date.now();
    await sqs.send(
      new SendMessageCommand({ QueueUrl: r.queueUrl(QUEUE.name), MessageBody: "later", DelaySeconds: 1 }),
    );
    await queue.idle();
    expect(events).toHaveLength(1);
    expect(Date.now() - sent).toBeGreaterThanOrEqual(950);
  });

  it("answers other protocols and actions with an error naming what it serves", async () => {
    const { receiver: r } = await start(() => null);
    const res = await fetch(r.endpoint, {
      method: "POST",
      headers: { "x-amz-target": "AmazonSQS.ReceiveMessage", "content-type": "application/x-amz-json-1.0" },
      body: "{}",
    });
    expect(res.status).toBe(400);
    expect(res.headers.get("x-amzn-query-error")).toBe("AWS.SimpleQueueService.UnsupportedOperation;Sender");
    expect(((await res.json()) as { message: string }).message).toContain("SendMessage, SendMessageBatch");
    const query = await fetch(r.endpoint, { method: "POST", body: "Action=SendMessage" });
    expect(query.status).toBe(400);
  });

  it("computes MD5OfMessageAttributes as SQS documents it", () => {
    // The digest of one String attribute, built by hand from the documented encoding.
    const parts = [
      [0, 0, 0, 5],
      [...Buffer.from("trace")],
      [0, 0, 0, 6],
      [...Buffer.from("String")],
      [1],
      [0, 0, 0, 3],
      [...Buffer.from("abc")],
    ].flat();
    const expected = createHash("md5").update(Buffer.from(parts)).digest("hex");
    expect(attributesMd5({ trace: { DataType: "String", StringValue: "abc" } })).toBe(expected);
    expect(attributesMd5({ b: { DataType: "Binary", BinaryValue: "AAE=" } })).not.toBe(
      attributesMd5({ b: { DataType: "Binary", StringValue: "AAE=" } }),
    );
  });
});
