/**
 * SQS workers and sends. A handler with `sqs = {}` in pocket.toml gets a queue whose URL the deploy
 * puts in `POCKET_<KEY>_QUEUEURL`; `report_batch_item_failures` decides whether Lambda reads the
 * handler's `batchItemFailures` (only the failed records come back) or only its success (an error
 * returns the whole batch, and the dead-letter queue catches what keeps failing). The handler
 * learns which from `POCKET_<KEY>_REPORT_BATCH_ITEM_FAILURES`, where `<KEY>` is the handler whose
 * queue URL ends in the record's queue name.
 */
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { LambdaContext } from "./apigateway.js";
import { envLoaded, loadEnv } from "./env.js";
import { PocketRuntimeError } from "./errors.js";
import { pocketRegion, queueUrlVariable } from "./names.js";

export interface SqsRecord {
  messageId: string;
  receiptHandle?: string;
  body: string;
  attributes?: Record<string, string | undefined>;
  messageAttributes?: Record<string, unknown>;
  md5OfBody?: string;
  eventSource?: string;
  eventSourceARN?: string;
  awsRegion?: string;
}

export interface SqsEvent {
  Records: SqsRecord[];
}

export interface SqsBatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

// biome-ignore lint/suspicious/noExplicitAny: the body's shape is the app's to declare
export type SqsRecordHandler<T = any> = (
  body: T,
  record: SqsRecord,
  context: LambdaContext | undefined,
) => unknown;

export interface SqsHandlerOptions {
  /** Overrides `POCKET_<KEY>_REPORT_BATCH_ITEM_FAILURES` (tests; a handler outside a stage). */
  reportBatchItemFailures?: boolean;
  /** Where failed records are reported (default: console.error); bodies are never logged. */
  logError?: (message: string, error: unknown) => void;
}

export type SqsHandler = (event: SqsEvent, context?: LambdaContext) => Promise<SqsBatchResponse>;

/** The body as JSON when it parses as JSON, else the text itself. */
export function parseBody(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

/** The handler key (`<KEY>` form) whose queue URL ends with the queue named in `arn`. */
export function handlerKeyForQueue(arn: string | undefined, env: NodeJS.ProcessEnv = process.env) {
  const queue = arn?.split(":").at(-1);
  if (!queue) return undefined;
  for (const [name, url] of Object.entries(env)) {
    const m = /^POCKET_(.+)_QUEUEURL$/.exec(name);
    if (m && url && url.split("/").at(-1) === queue) return m[1];
  }
  return undefined;
}

/** The handler's `report_batch_item_failures` as the deploy passed it; `true` when not given. */
export function reportsBatchItemFailures(
  arn: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  const key = handlerKeyForQueue(arn, env);
  if (!key) return true;
  const variable = `POCKET_${key}_REPORT_BATCH_ITEM_FAILURES`;
  const value = env[variable];
  if (value === undefined || value === "true") return true;
  if (value === "false") return false;
  throw new PocketRuntimeError("invalid-environment", `${variable} must be "true" or "false"`, {
    location: variable,
  });
}

/**
 * Runs `fn` for each record, in order, with the body parsed as JSON when it is JSON. Reporting
 * failures: returns `{ batchItemFailures }` naming the records that threw; on a FIFO queue the
 * records after a failure are returned unprocessed too, so the group's order holds. Not
 * reporting: the first error is rethrown, so Lambda retries the batch.
 */
export function sqsHandler<T = unknown>(
  fn: SqsRecordHandler<T>,
  options: SqsHandlerOptions = {},
): SqsHandler {
  const logError = options.logError ?? ((message, error) => console.error(message, error));
  return async (event, context) => {
    if (!envLoaded()) await loadEnv();
    if (!Array.isArray((event as Partial<SqsEvent> | null)?.Records)) {
      throw new PocketRuntimeError(
        "invalid-event",
        "the worker received an event that is not an SQS batch; check that pocket.toml gives this handler `sqs` " +
          "and points `command` at the right export",
      );
    }
    const failures: { itemIdentifier: string }[] = [];
    const records = event.Records;
    let fifoFailed = false;
    for (const record of records) {
      const report = options.reportBatchItemFailures ?? reportsBatchItemFailures(record.eventSourceARN);
      if (fifoFailed) {
        failures.push({ itemIdentifier: record.messageId });
        continue;
      }
      try {
        await fn(parseBody(record.body) as T, record, context);
      } catch (error) {
        if (!report) throw error;
        logError(`SQS message ${record.messageId} failed; reported for retry`, error);
        failures.push({ itemIdentifier: record.messageId });
        if (record.eventSourceARN?.endsWith(".fifo")) fifoFailed = true;
      }
    }
    return { batchItemFailures: failures };
  };
}

export interface EnqueueOptions {
  /** Seconds before the message becomes visible (0 to 900; standard queues only). */
  delaySeconds?: number;
  /** FIFO queues: the message group. */
  groupId?: string;
  /** FIFO queues without content-based deduplication: the deduplication id. */
  deduplicationId?: string;
}

const sqsClients = new Map<string, Promise<SQSClient>>();

function sqsClient(region: string | undefined): Promise<SQSClient> {
  const key = region ?? "";
  let client = sqsClients.get(key);
  if (!client) {
    // The SDK sends to the queue URL's host unless told otherwise; an endpoint set through the
    // environment (a local SQS, a test's moto) must win over the URL the deploy recorded.
    const endpointSet = Boolean(process.env.AWS_ENDPOINT_URL_SQS || process.env.AWS_ENDPOINT_URL);
    client = import("@aws-sdk/client-sqs").then(
      ({ SQSClient }) =>
        new SQSClient({
          ...(region ? { region } : {}),
          ...(endpointSet ? { useQueueUrlAsEndpoint: false } : {}),
        }),
    );
    sqsClients.set(key, client);
  }
  return client;
}

/**
 * Sends `body` (as JSON) to the queue of handler `handlerKey` (`POCKET_<KEY>_QUEUEURL`) and
 * returns the message id. A handler without a queue on this stage is an error, never a silent
 * inline run.
 */
export async function enqueue(
  handlerKey: string,
  body: unknown,
  options: EnqueueOptions = {},
): Promise<string> {
  const variable = queueUrlVariable(handlerKey);
  const url = process.env[variable];
  if (!url) {
    throw new PocketRuntimeError(
      "queue-not-configured",
      `${variable} is not set: the handler '${handlerKey}' has no SQS queue here. Add \`sqs = {}\` to ` +
        `[awscontainer.handlers.${handlerKey}] and deploy (locally, set it in .env to a queue you can reach)`,
      { location: variable },
    );
  }
  const text = JSON.stringify(body);
  if (text === undefined) {
    throw new PocketRuntimeError(
      "invalid-message",
      `enqueue('${handlerKey}'): the body cannot be sent as JSON`,
      {
        location: variable,
      },
    );
  }
  const [{ SendMessageCommand }, client] = await Promise.all([
    import("@aws-sdk/client-sqs"),
    sqsClient(pocketRegion()),
  ]);
  const out = await client.send(
    new SendMessageCommand({
      QueueUrl: url,
      MessageBody: text,
      DelaySeconds: options.delaySeconds,
      MessageGroupId: options.groupId,
      MessageDeduplicationId: options.deduplicationId,
    }),
  );
  return out.MessageId ?? "";
}
