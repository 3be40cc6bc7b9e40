import { createHash, randomUUID } from "node:crypto";
import { type SqsRecord, sqsEvent } from "./events.js";

/**
 * One queue of `pocket dev`'s SQS stand-in (sqs-receiver.ts), delivering its messages the way
 * Lambda's event source mapping does: in batches, a failed message visible again after the
 * visibility timeout, dead-lettered after maxReceiveCount.
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

export interface Message {
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

export interface MessageAttribute {
  DataType: string;
  StringValue?: string;
  BinaryValue?: string;
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

export function md5(text: string | Buffer): string {
  return createHash("md5").update(text).digest("hex");
}

function preview(body: string): string {
  return body.length > 200 ? `${body.slice(0, 200)}...` : body;
}
