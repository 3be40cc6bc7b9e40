import { createHash, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type SqsRecord, sqsEvent } from "./events.js";

/**
 * A tiny SQS stand-in for `pocket dev`: it speaks the AWS JSON 1.0 protocol (what boto3 and the
 * AWS SDK v3 send: `X-Amz-Target: AmazonSQS.<Action>`) for the calls an app makes to queue work
 * (SendMessage, SendMessageBatch, GetQueueUrl, and DeleteMessage as a no-op), and delivers each
 * message to its handler the way Lambda's event source mapping does: in batches, a failed
 * message visible again after the visibility timeout, dead-lettered after maxReceiveCount.
 */

export interface LocalQueueOptions {
  /** The handler key (for logs). */
  key: string;
  /** The queue's name on AWS (its URL's last path segment; the SQS handler matches on it). */
  name: string;
  /** The ARN the records carry (`eventSourceARN`), as the deployed queue's. */
  arn: string;
  batchSize: number;
  visibilityTimeoutSeconds: number;
  /** Receives before a message is dead-lettered (the redrive policy's maxReceiveCount). */
  maxReceiveCount: number;
  /** Whether the mapping reads `batchItemFailures` (ReportBatchItemFailures). */
  reportBatchItemFailures: boolean;
  /** Name of the dead-letter queue, for the log line. */
  deadLetterName?: string;
}

/** Runs one SQS event through the handler; resolves to its result, rejects when it raised. */
export type Deliver = (key: string, event: { Records: SqsRecord[] }) => Promise<unknown>;

export type ReceiverLog = (key: string, line: string) => void;

interface Message {
  id: string;
  body: string;
  md5: string;
  attributes: Record<string, MessageAttribute>;
  groupId?: string;
  sentAt: number;
  visibleAt: number;
  receiveCount: number;
  firstReceiveAt?: number;
}

interface MessageAttribute {
  DataType: string;
  StringValue?: string;
  BinaryValue?: string;
}

/** An SQS API error as the JSON protocol returns it. */
class SqsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly queryCode: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export class LocalQueue {
  readonly options: LocalQueueOptions;
  private readonly messages: Message[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private closed = false;
  /** Resolves when nothing is queued or in flight (tests, and a clean stop). */
  private idleWaiters: (() => void)[] = [];

  constructor(
    options: LocalQueueOptions,
    private readonly deliver: Deliver,
    private readonly log: ReceiverLog,
  ) {
    this.options = options;
  }

  /** Queues one message; returns its id. */
  send(body: string, attributes: Record<string, MessageAttribute> = {}, delaySeconds = 0, groupId?: string) {
    const now = Date.now();
    const message: Message = {
      id: randomUUID(),
      body,
      md5: md5(body),
      attributes,
      groupId,
      sentAt: now,
      visibleAt: now + delaySeconds * 1000,
      receiveCount: 0,
    };
    this.messages.push(message);
    this.schedule();
    return message;
  }

  /** Messages not yet delivered successfully nor dead-lettered. */
  get size(): number {
    return this.messages.length;
  }

  /** Resolves once every message was handled or dead-lettered. */
  idle(): Promise<void> {
    if (this.messages.length === 0 && !this.running) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.closed || this.running) return;
    clearTimeout(this.timer);
    if (this.messages.length === 0) {
      for (const w of this.idleWaiters.splice(0)) w();
      return;
    }
    const next = Math.min(...this.messages.map((m) => m.visibleAt));
    this.timer = setTimeout(() => void this.poll(), Math.max(0, next - Date.now()));
  }

  private async poll(): Promise<void> {
    if (this.closed) return;
    const now = Date.now();
    const batch = this.messages.filter((m) => m.visibleAt <= now).slice(0, this.options.batchSize);
    if (batch.length === 0) return this.schedule();
    this.running = true;
    for (const m of batch) {
      m.receiveCount += 1;
      m.firstReceiveAt ??= now;
      // In flight: invisible for the visibility timeout, as a received message is.
      m.visibleAt = now + this.options.visibilityTimeoutSeconds * 1000;
    }
    const failed = await this.run(batch);
    for (const m of batch) {
      if (!failed.has(m.id)) {
        this.remove(m);
        this.log(this.options.key, `message ${m.id} done`);
        continue;
      }
      if (m.receiveCount >= this.options.maxReceiveCount) {
        this.remove(m);
        const dlq = this.options.deadLetterName ? ` (${this.options.deadLetterName})` : "";
        this.log(
          this.options.key,
          `message ${m.id} dead-lettered${dlq} after ${m.receiveCount} attempts; body: ${preview(m.body)}`,
        );
      } else {
        this.log(
          this.options.key,
          `message ${m.id} failed (attempt ${m.receiveCount} of ${this.options.maxReceiveCount}); retried in ${this.options.visibilityTimeoutSeconds} s`,
        );
      }
    }
    this.running = false;
    this.schedule();
  }

  /** Delivers one batch; the ids of the messages that failed. */
  private async run(batch: Message[]): Promise<Set<string>> {
    const event = {
      Records: batch.map((m) => {
        const [record] = sqsEvent(this.options.arn, [m.body]).Records as [SqsRecord];
        return {
          ...record,
          messageId: m.id,
          receiptHandle: `local-${m.id}-${m.receiveCount}`,
          md5OfBody: m.md5,
          attributes: {
            ApproximateReceiveCount: String(m.receiveCount),
            SentTimestamp: String(m.sentAt),
            SenderId: "AIDAEXAMPLE",
            ApproximateFirstReceiveTimestamp: String(m.firstReceiveAt),
            ...(m.groupId ? { MessageGroupId: m.groupId } : {}),
          },
          messageAttributes: Object.fromEntries(
            Object.entries(m.attributes).map(([k, a]) => [
              k,
              {
                dataType: a.DataType,
                ...(a.StringValue !== undefined ? { stringValue: a.StringValue } : {}),
                ...(a.BinaryValue !== undefined ? { binaryValue: a.BinaryValue } : {}),
                stringListValues: [],
                binaryListValues: [],
              },
            ]),
          ),
        };
      }),
    };
    const ids = batch.map((m) => m.id);
    this.log(
      this.options.key,
      `delivering ${ids.length === 1 ? `message ${ids[0]}` : `${ids.length} messages`}`,
    );
    let result: unknown;
    try {
      result = await this.deliver(this.options.key, event);
    } catch (error) {
      this.log(this.options.key, `the batch failed: ${(error as Error).message}`);
      return new Set(ids);
    }
    if (!this.options.reportBatchItemFailures) return new Set();
    const failures = (result as { batchItemFailures?: { itemIdentifier?: unknown }[] } | null)
      ?.batchItemFailures;
    if (!Array.isArray(failures)) return new Set();
    const named = failures.map((f) => f?.itemIdentifier);
    // Lambda treats a response naming an unknown (or no) id as a failure of the whole batch.
    if (named.some((id) => typeof id !== "string" || !ids.includes(id))) {
      this.log(this.options.key, "batchItemFailures names an unknown message id: the whole batch is retried");
      return new Set(ids);
    }
    return new Set(named as string[]);
  }

  private remove(m: Message): void {
    const i = this.messages.indexOf(m);
    if (i >= 0) this.messages.splice(i, 1);
  }
}

export interface SqsReceiver {
  /** `http://127.0.0.1:PORT`: the value for `AWS_ENDPOINT_URL_SQS`. */
  readonly endpoint: string;
  /** The URL an app uses for the queue (`POCKET_<KEY>_QUEUEURL`). */
  queueUrl(name: string): string;
  queue(name: string): LocalQueue | undefined;
  close(): Promise<void>;
}

/** The account id in local queue URLs (SQS's own examples use it). */
const LOCAL_ACCOUNT = "000000000000";

/** Starts the receiver on 127.0.0.1 (`port` 0: any free port). */
export async function startSqsReceiver(
  queues: LocalQueueOptions[],
  deliver: Deliver,
  log: ReceiverLog,
  port = 0,
): Promise<SqsReceiver> {
  const byName = new Map(queues.map((q) => [q.name, new LocalQueue(q, deliver, log)]));
  let endpoint = "";
  const server: Server = createServer((req, res) => {
    void handle(req, res);
  });
  const queueUrl = (name: string) => `${endpoint}/${LOCAL_ACCOUNT}/${name}`;
  const find = (url: unknown): LocalQueue => {
    const name = typeof url === "string" ? url.replace(/\/+$/, "").split("/").pop() : undefined;
    const q = name ? byName.get(name) : undefined;
    if (!q) {
      throw new SqsError(
        "com.amazonaws.sqs#QueueDoesNotExist",
        `The specified queue does not exist: ${String(url)}. pocket dev serves the queues of the stage's sqs handlers: ${[...byName.keys()].join(", ") || "none"}.`,
        "AWS.SimpleQueueService.NonExistentQueue",
      );
    }
    return q;
  };
  const sendOne = (q: LocalQueue, input: Record<string, unknown>) => {
    const body = input.MessageBody;
    if (typeof body !== "string" || body === "") {
      throw new SqsError(
        "com.amazonaws.sqs#MissingParameter",
        "MessageBody is required.",
        "MissingParameter",
      );
    }
    const attributes = (input.MessageAttributes ?? {}) as Record<string, MessageAttribute>;
    const delay = typeof input.DelaySeconds === "number" ? input.DelaySeconds : 0;
    if (delay < 0 || delay > 900) {
      throw new SqsError(
        "com.amazonaws.sqs#InvalidParameterValue",
        "DelaySeconds must be between 0 and 900.",
        "InvalidParameterValue",
      );
    }
    const m = q.send(
      body,
      attributes,
      delay,
      typeof input.MessageGroupId === "string" ? input.MessageGroupId : undefined,
    );
    return {
      MessageId: m.id,
      MD5OfMessageBody: m.md5,
      ...(Object.keys(attributes).length > 0 ? { MD5OfMessageAttributes: attributesMd5(attributes) } : {}),
    };
  };
  const actions: Record<string, (input: Record<string, unknown>) => unknown> = {
    SendMessage: (input) => sendOne(find(input.QueueUrl), input),
    SendMessageBatch: (input) => {
      const q = find(input.QueueUrl);
      const entries = Array.isArray(input.Entries) ? (input.Entries as Record<string, unknown>[]) : [];
      if (entries.length === 0 || entries.length > 10) {
        throw new SqsError(
          entries.length === 0
            ? "com.amazonaws.sqs#EmptyBatchRequest"
            : "com.amazonaws.sqs#TooManyEntriesInBatchRequest",
          "A batch holds 1 to 10 entries.",
          entries.length === 0
            ? "AWS.SimpleQueueService.EmptyBatchRequest"
            : "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
        );
      }
      const Successful: unknown[] = [];
      const Failed: unknown[] = [];
      for (const e of entries) {
        try {
          Successful.push({ Id: e.Id, ...sendOne(q, e) });
        } catch (error) {
          const s = error as SqsError;
          Failed.push({ Id: e.Id, SenderFault: true, Code: s.queryCode, Message: s.message });
        }
      }
      return { Successful, Failed };
    },
    GetQueueUrl: (input) => {
      find(input.QueueName);
      return { QueueUrl: queueUrl(String(input.QueueName)) };
    },
    // The Lambda integration deletes handled messages itself; an app that still calls
    // DeleteMessage (pocket_delete_sqs_task) gets the same empty answer SQS gives.
    DeleteMessage: (input) => {
      find(input.QueueUrl);
      return {};
    },
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const target = String(req.headers["x-amz-target"] ?? "");
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, {
        "content-type": "application/x-amz-json-1.0",
        "x-amzn-requestid": randomUUID(),
        ...headers,
      });
      res.end(JSON.stringify(body));
    };
    try {
      if (req.method !== "POST" || !target.startsWith("AmazonSQS.")) {
        throw new SqsError(
          "com.amazonaws.sqs#UnsupportedOperation",
          "pocket dev's SQS receiver speaks the AWS JSON 1.0 protocol (X-Amz-Target: AmazonSQS.<Action>), as boto3 and the AWS SDK v3 send it.",
          "AWS.SimpleQueueService.UnsupportedOperation",
        );
      }
      const action = actions[target.slice("AmazonSQS.".length)];
      if (!action) {
        throw new SqsError(
          "com.amazonaws.sqs#UnsupportedOperation",
          `pocket dev's SQS receiver does not serve ${target.slice("AmazonSQS.".length)}: only SendMessage, SendMessageBatch, GetQueueUrl and DeleteMessage.`,
          "AWS.SimpleQueueService.UnsupportedOperation",
        );
      }
      let input: Record<string, unknown>;
      try {
        input = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>;
      } catch {
        throw new SqsError(
          "com.amazonaws.sqs#InvalidParameterValue",
          "The request body is not JSON.",
          "InvalidParameterValue",
        );
      }
      reply(200, action(input));
    } catch (error) {
      if (!(error instanceof SqsError)) throw error;
      reply(
        error.status,
        { __type: error.type, message: error.message },
        {
          "x-amzn-query-error": `${error.queryCode};Sender`,
        },
      );
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    queueUrl,
    queue: (name) => byName.get(name),
    async close() {
      for (const q of byName.values()) q.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function md5(text: string | Buffer): string {
  return createHash("md5").update(text).digest("hex");
}

/**
 * MD5OfMessageAttributes as SQS computes it (the SDKs check it): for each attribute in name
 * order, the length-prefixed name, data type, a transport byte (1 string/number, 2 binary) and
 * the length-prefixed value.
 */
export function attributesMd5(attributes: Record<string, MessageAttribute>): string {
  const parts: Buffer[] = [];
  const field = (b: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    parts.push(len, b);
  };
  for (const name of Object.keys(attributes).sort()) {
    const a = attributes[name]!;
    field(Buffer.from(name, "utf8"));
    field(Buffer.from(a.DataType, "utf8"));
    if (a.BinaryValue !== undefined) {
      parts.push(Buffer.from([2]));
      field(Buffer.from(a.BinaryValue, "base64"));
    } else {
      parts.push(Buffer.from([1]));
      field(Buffer.from(a.StringValue ?? "", "utf8"));
    }
  }
  return md5(Buffer.concat(parts));
}

function preview(body: string): string {
  return body.length > 200 ? `${body.slice(0, 200)}...` : body;
}
