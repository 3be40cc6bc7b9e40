import type { CloudWatchLogsClient as LogsClient } from "@aws-sdk/client-cloudwatch-logs";
import type { ContainerContext, HandlerContext } from "@magic-pocket/config";
import { awsClients } from "../aws/clients.js";
import { explainAwsError } from "../aws/errors.js";
import { type GlobalOptions, loadStage } from "../config-loader.js";
import { useColor } from "../output.js";
import { secretMasker } from "../util/mask.js";
import { writeErr, writeOut } from "../util/stdio.js";
import { type ChosenHandler, chooseHandlers } from "./container-choice.js";
import { jsonEvent, jsonLine, type LogEvent, type Mask, parseSince, textEvent } from "./logs-format.js";
import { loadStageSecrets } from "./logs-secrets.js";

export interface LogsOptions {
  stage?: string;
  profile?: string;
  since?: string;
  follow?: boolean;
  filter?: string;
  json?: boolean;
  /** Print the stage's secret values where they occur instead of masking them. */
  showSecrets?: boolean;
  /** With several containers: read only this one's handlers. */
  container?: string;
}

/** Every event of one log group in [start, end], following nextToken. Undefined: no such group. */
async function fetchGroup(
  logs: LogsClient,
  handler: HandlerContext,
  start: number,
  filter: string | undefined,
): Promise<LogEvent[] | undefined> {
  const events: LogEvent[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const { FilterLogEventsCommand } = await import("@aws-sdk/client-cloudwatch-logs");
      const out = await logs.send(
        new FilterLogEventsCommand({
          logGroupName: handler.logGroupName,
          startTime: start,
          ...(filter ? { filterPattern: filter } : {}),
          ...(nextToken ? { nextToken } : {}),
        }),
      );
      for (const e of out.events ?? []) {
        events.push({
          handler: handler.key,
          timestamp: e.timestamp ?? 0,
          message: e.message ?? "",
          logStreamName: e.logStreamName,
          eventId: e.eventId,
        });
      }
      nextToken = out.nextToken;
    } while (nextToken);
  } catch (error) {
    if ((error as { name?: string }).name === "ResourceNotFoundException") return undefined;
    throw error;
  }
  return events;
}

/** True when the group has at least one stream, i.e. the function has run at least once. */
async function hasRun(logs: LogsClient, handler: HandlerContext): Promise<boolean> {
  try {
    const { DescribeLogStreamsCommand } = await import("@aws-sdk/client-cloudwatch-logs");
    const out = await logs.send(
      new DescribeLogStreamsCommand({ logGroupName: handler.logGroupName, limit: 1 }),
    );
    return (out.logStreams?.length ?? 0) > 0;
  } catch (error) {
    if ((error as { name?: string }).name === "ResourceNotFoundException") return false;
    throw error;
  }
}

/** `pocket logs`: the handlers' CloudWatch Logs merged by time; `--follow` polls until Ctrl-C. */
export async function logsCommand(global: GlobalOptions, names: string[], opts: LogsOptions): Promise<void> {
  const config = await loadStage(global, opts.stage);
  const container = config.context.container!;
  const chosen = chooseHandlers(config.context, names, opts.container);
  // With several containers a handler is shown as <container>.<handler> (keys repeat across them).
  const handlers = chosen.map((c) =>
    c.label === c.handler.key ? c.handler : { ...c.handler, key: c.label },
  );
  const start = parseSince(opts.since ?? "10m");
  const clients = awsClients(container.region, { profile: opts.profile });
  try {
    // Read once, before the first line is printed; values rotated during --follow are not seen.
    const mask = opts.showSecrets ? undefined : await stageSecretsMask(chosen, opts);
    const print = eventPrinter(container, handlers, opts, mask);
    const round = reader(await clients.logs(), handlers, start, opts, print);
    await round(true);
    if (opts.follow) await follow(() => round(false), opts);
  } catch (error) {
    throw explainAwsError(error, clients.region) ?? error;
  }
}

/** A masker of the secret values of the handlers' containers, when they have secrets. */
async function stageSecretsMask(chosen: ChosenHandler[], opts: LogsOptions): Promise<Mask | undefined> {
  const views = [...new Set(chosen.map((c) => c.ctx))].filter((ctx) => ctx.container?.secrets);
  if (views.length === 0) return undefined;
  const known = await Promise.all(
    views.map((ctx) =>
      loadStageSecrets(
        awsClients(ctx.container!.secrets!.region, { profile: opts.profile }),
        ctx.container!.secrets!,
        ctx.stage,
        ctx.project,
      ),
    ),
  );
  return secretMasker(known.flat());
}

/** One event as a JSON line (`--json`) or an aligned, coloured text line. */
function eventPrinter(
  container: ContainerContext,
  handlers: HandlerContext[],
  opts: LogsOptions,
  mask: Mask | undefined,
): (e: LogEvent) => void {
  const width = Math.max(...handlers.map((h) => h.key.length));
  const color = useColor(process.stdout);
  const index = new Map(Object.keys(container.handlers).map((k, i) => [k, i]));
  for (const [i, h] of handlers.entries()) if (!index.has(h.key)) index.set(h.key, i);
  return (e) => {
    if (opts.json) {
      writeOut(`${jsonLine(jsonEvent(e, { mask }))}\n`);
      return;
    }
    const line = textEvent(e, { width, color, index: index.get(e.handler) ?? 0, mask });
    if (line !== undefined) writeOut(`${line}\n`);
  };
}

/**
 * One read of every handler's group, printing what is new; the first also says which handlers
 * have no log yet. Each round starts a little before the newest event seen.
 */
function reader(
  logs: LogsClient,
  handlers: HandlerContext[],
  start: number,
  opts: LogsOptions,
  print: (e: LogEvent) => void,
): (first: boolean) => Promise<void> {
  const seen = new Set<string>();
  let since = start;
  return async (first) => {
    const results = await Promise.all(handlers.map((h) => fetchGroup(logs, h, since, opts.filter)));
    const events: LogEvent[] = [];
    for (const [i, result] of results.entries()) {
      const h = handlers[i]!;
      if (result === undefined) {
        if (first)
          writeErr(
            `${h.key}: no log group ${h.logGroupName} yet: the handler has never run (or the stage is not deployed)\n`,
          );
        continue;
      }
      if (first && result.length === 0 && !(await hasRun(logs, h)))
        writeErr(`${h.key}: has never run (log group ${h.logGroupName} is empty)\n`);
      events.push(...result);
    }
    // Stable merge by time; ties keep handler order, then CloudWatch's own order.
    events.sort((a, b) => a.timestamp - b.timestamp);
    for (const e of events) {
      const id = e.eventId ?? `${e.handler}\0${e.logStreamName}\0${e.timestamp}\0${e.message}`;
      if (seen.has(id)) continue;
      seen.add(id);
      print(e);
    }
    if (first && events.length === 0 && !opts.follow)
      writeErr(`no log events since ${new Date(start).toISOString()}\n`);
    // Events arrive late (ingestion delay): poll again from a little before the newest one,
    // the ids above make sure nothing prints twice.
    const newest = events.reduce((m, e) => Math.max(m, e.timestamp), since);
    since = Math.max(since, newest - 30_000);
  };
}

/** `--follow`: another round every POCKET_LOGS_POLL_MS until Ctrl-C (or POCKET_LOGS_MAX_POLLS). */
async function follow(round: () => Promise<void>, opts: LogsOptions): Promise<void> {
  const pollMs = Number(process.env.POCKET_LOGS_POLL_MS ?? 2000);
  const maxPolls = process.env.POCKET_LOGS_MAX_POLLS ? Number(process.env.POCKET_LOGS_MAX_POLLS) : Infinity;
  let stop = false;
  const onSignal = () => {
    stop = true;
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  if (!opts.json) writeErr("following (Ctrl-C to stop)\n");
  try {
    for (let n = 0; !stop && n < maxPolls; n++) {
      await sleepUnless(pollMs, () => stop);
      if (!stop) await round();
    }
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/** Sleeps in short steps so Ctrl-C ends `--follow` at once. */
async function sleepUnless(ms: number, stopped: () => boolean): Promise<void> {
  const end = Date.now() + ms;
  while (!stopped() && Date.now() < end) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(100, end - Date.now())));
  }
}
