import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  type Deliver,
  LocalQueue,
  type LocalQueueOptions,
  type MessageAttribute,
  md5,
  type ReceiverLog,
} from "./sqs-queue.js";

/**
 * A tiny SQS stand-in for `pocket dev`: it speaks the AWS JSON 1.0 protocol (what boto3 and the
 * AWS SDK v3 send: `X-Amz-Target: AmazonSQS.<Action>`) for the calls an app makes to queue work
 * (SendMessage, SendMessageBatch, GetQueueUrl, and DeleteMessage as a no-op), and hands each
 * message to its queue (sqs-queue.ts), which delivers it as Lambda's event source mapping does.
 */

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
  const queueUrl = (name: string) => `${endpoint}/${LOCAL_ACCOUNT}/${name}`;
  const actions = sqsActions(byName, queueUrl);
  const server: Server = createServer((req, res) => {
    void handleRequest(actions, req, res);
  });
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

type SqsAction = (input: Record<string, unknown>) => unknown;

/** The SQS calls the receiver answers, by action name. */
function sqsActions(
  byName: Map<string, LocalQueue>,
  queueUrl: (name: string) => string,
): Record<string, SqsAction> {
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
  return {
    SendMessage: (input) => sendMessage(find(input.QueueUrl), input),
    SendMessageBatch: (input) => sendMessageBatch(find(input.QueueUrl), input),
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
}

function sendMessage(q: LocalQueue, input: Record<string, unknown>) {
  const body = input.MessageBody;
  if (typeof body !== "string" || body === "") {
    throw new SqsError("com.amazonaws.sqs#MissingParameter", "MessageBody is required.", "MissingParameter");
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
}

/** Each entry sent as SendMessage would; an entry that fails is listed, the others still go. */
function sendMessageBatch(q: LocalQueue, input: Record<string, unknown>) {
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
      Successful.push({ Id: e.Id, ...sendMessage(q, e) });
    } catch (error) {
      const s = error as SqsError;
      Failed.push({ Id: e.Id, SenderFault: true, Code: s.queryCode, Message: s.message });
    }
  }
  return { Successful, Failed };
}

/** One AWS JSON 1.0 request: its action run on its JSON body, or the error SQS would answer. */
async function handleRequest(
  actions: Record<string, SqsAction>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, {
      "content-type": "application/x-amz-json-1.0",
      "x-amzn-requestid": randomUUID(),
      ...headers,
    });
    res.end(JSON.stringify(body));
  };
  try {
    const action = requestedAction(actions, req);
    reply(200, action(requestInput(chunks)));
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

function requestedAction(actions: Record<string, SqsAction>, req: IncomingMessage): SqsAction {
  const target = String(req.headers["x-amz-target"] ?? "");
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
  return action;
}

function requestInput(chunks: Buffer[]): Record<string, unknown> {
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>;
  } catch {
    throw new SqsError(
      "com.amazonaws.sqs#InvalidParameterValue",
      "The request body is not JSON.",
      "InvalidParameterValue",
    );
  }
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
