import type { Server } from "node:http";
import { join } from "node:path";
import { styleText } from "node:util";
import type { ContainerContext, HandlerContext, PocketContext } from "@magic-pocket/config";
import { CliError } from "../errors.js";
import { localDistribution } from "./cloudfront.js";
import { baseEnvironment, DevEnvironments } from "./dev-environment.js";
import { DevHandler, maxInstances } from "./dev-handler.js";
import { type DevEndpoint, type DevPorts, listenEndpoints } from "./dev-servers.js";
import { queueArn } from "./events.js";
import { closeServers } from "./http-server.js";
import { type Launch, resolveLaunch } from "./launch.js";
import { type SqsReceiver, startSqsReceiver } from "./sqs-receiver.js";
import { DEFAULT_IGNORED_DIRS, watchSources } from "./watch.js";

export type { DevEndpoint } from "./dev-servers.js";

/**
 * `pocket dev`: the stage's handlers on this machine, each in a long-lived process with the
 * environment the deployed function gets (hosts, endpoints and queue URLs pointing here), its
 * API on a local port, its distribution too, its queue fed by a local SQS receiver, and a
 * restart when a source file changes.
 */
export interface DevOptions {
  ctx: PocketContext;
  /** The folder of pocket.toml: the task root the handlers run in. */
  projectDir: string;
  /** The first port; the next APIs and distributions take the ports above it. */
  port: number;
  /** `--host`: the address to listen on (default: loopback); requests may also name it in Host. */
  host?: string;
  /** Secret values by variable name (`.env`, and the deployed ones with --remote-secrets). */
  secrets: Record<string, string>;
  /** Reads the secrets again when `.env` changes (default: they stay as given). */
  readSecrets?: () => Record<string, string>;
  /** This process's environment (interpreter choice, credentials, PYTHONPATH pass through). */
  parentEnv?: NodeJS.ProcessEnv;
  /** One log line (already prefixed). */
  write: (line: string) => void;
  color?: boolean;
  /** Seconds a failed message stays invisible (default: the queue's visibility timeout). */
  visibilityTimeoutSeconds?: number;
  /** Restart handlers on source changes (default true). */
  watch?: boolean;
}

export interface DevSession {
  endpoints: DevEndpoint[];
  sqsEndpoint?: string;
  /** The environment each handler runs with (for tests and `--verbose`-style inspection). */
  environment: Record<string, string>;
  stop(): Promise<void>;
}

const COLORS = ["cyan", "magenta", "yellow", "green", "blue", "red"] as const;

type DevLog = (key: string, line: string) => void;

export async function startDev(o: DevOptions): Promise<DevSession> {
  const { container, all, served } = servedHandlers(o);
  const parentEnv = o.parentEnv ?? process.env;
  const log = devLog(o, served);
  const launches = new Map<string, Launch>(
    served.map((h) => [h.key, resolveLaunch(h.key, h.command, o.projectDir, parentEnv)]),
  );
  const ports = assignPorts(o, served);
  const handlers = new Map<string, DevHandler>();
  const receiver = await startQueues(o, container, served, handlers, log);
  const usesPython = [...launches.values()].some((l) => l.runtime === "python");
  const base = baseEnvironment(parentEnv, join(o.projectDir, container.dockerfilePath));
  const env = new DevEnvironments(o, ports, receiver, usesPython, base);

  const servers: Server[] = [];
  let watcher: { close(): void } | undefined;
  const stop = async () => {
    watcher?.close();
    await closeServers(servers);
    await receiver?.close();
    await Promise.all([...handlers.values()].map((h) => h.stop()));
  };
  let endpoints: DevEndpoint[];
  try {
    endpoints = await listenEndpoints(
      { ...o, handlers, environment: () => env.variables, log },
      ports,
      servers,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  // Handlers start once every port is ours, so a taken port stops pocket dev before any process runs.
  for (const h of served) {
    const launch = launches.get(h.key)!;
    const line = (text: string) => log(h.key, text);
    handlers.set(
      h.key,
      new DevHandler(h, launch, env.forHandler(launch.env), o.projectDir, line, maxInstances(h)),
    );
  }
  await Promise.all([...handlers.values()].map((h) => h.ready()));
  if (o.watch !== false) {
    watcher = watchChanges(o, launches, (changed) => restartOnChange(o, changed, env, handlers, launches));
  }
  reportUnserved(all, log);
  return { endpoints, sqsEndpoint: receiver?.endpoint, environment: env.variables, stop };
}

/** A source change restarts every handler; a changed `.env` first gives them its secrets. */
function restartOnChange(
  o: DevOptions,
  changed: string[],
  env: DevEnvironments,
  handlers: Map<string, DevHandler>,
  launches: Map<string, Launch>,
): void {
  if (changed.includes(".env") && o.readSecrets) {
    try {
      env.reload(o.readSecrets());
      for (const h of handlers.values()) h.env = env.forHandler(launches.get(h.context.key)!.env);
    } catch (error) {
      o.write(`pocket dev: .env not reloaded: ${(error as Error).message}`);
    }
  }
  const what = changed.length === 1 ? changed[0] : `${changed[0]} and ${changed.length - 1} more`;
  for (const h of handlers.values()) void h.restart(`${what} changed`);
}

function reportUnserved(all: HandlerContext[], log: DevLog): void {
  for (const h of all) {
    if (!h.apigateway && !h.sqs) {
      log(
        h.key,
        "not started: it has neither apigateway nor sqs (run it with `pocket invoke` once deployed)",
      );
    }
  }
}

/** The stage's handlers, and those pocket dev runs (an API or a queue); an error when there are none. */
function servedHandlers(o: DevOptions): {
  container: ContainerContext;
  all: HandlerContext[];
  served: HandlerContext[];
} {
  const container = o.ctx.container;
  if (!container) {
    throw new CliError(
      "no-container",
      `stage ${o.ctx.stage} has no [awscontainer]: pocket dev runs its handlers.`,
      {
        hint: "Add [awscontainer] with a handler to pocket.toml.",
      },
    );
  }
  const all = Object.values(container.handlers);
  const served = all.filter((h) => h.apigateway || h.sqs);
  if (served.length === 0) {
    throw new CliError(
      "nothing-to-serve",
      `stage ${o.ctx.stage} has no handler with apigateway or sqs to run locally.`,
      {
        hint: "Give a handler `apigateway = {}` (an HTTP API) or `sqs = {}` (a queue worker) in pocket.toml.",
      },
    );
  }
  return { container, all, served };
}

/** Log lines prefixed with the handler's key (padded to the longest, one color each). */
function devLog(o: DevOptions, served: HandlerContext[]): DevLog {
  const width = Math.max(...served.map((h) => h.key.length), 3);
  const colorOf = new Map(served.map((h, i) => [h.key, COLORS[i % COLORS.length]!]));
  const prefix = (key: string) => {
    const tag = `[${key}]`.padEnd(width + 2);
    const color = colorOf.get(key);
    return o.color && color ? styleText(color, tag, { validateStream: false }) : tag;
  };
  return (key, line) => o.write(`${prefix(key)} ${line}`);
}

/** Ports: the APIs first, in pocket.toml order, then the distributions. */
function assignPorts(o: DevOptions, served: HandlerContext[]): DevPorts {
  let next = o.port;
  const api = new Map<string, number>();
  for (const h of served) if (h.apigateway) api.set(h.key, next++);
  const cloudfront = new Map<string, number>();
  for (const cf of Object.values(o.ctx.cloudfront ?? {})) cloudfront.set(cf.name, next++);
  return { api, cloudfront };
}

/** The local SQS receiver for the queue handlers (none without one), delivering to their processes. */
async function startQueues(
  o: DevOptions,
  container: ContainerContext,
  served: HandlerContext[],
  handlers: ReadonlyMap<string, DevHandler>,
  log: DevLog,
): Promise<SqsReceiver | undefined> {
  const queues = served.filter((h) => h.sqs && h.queueName);
  if (queues.length === 0) return undefined;
  return startSqsReceiver(
    queues.map((h) => ({
      key: h.key,
      name: h.queueName!,
      arn: queueArn(h.queueName!, { region: container.region }),
      batchSize: h.sqs!.batchSize,
      visibilityTimeoutSeconds: o.visibilityTimeoutSeconds ?? h.visibilityTimeout ?? h.timeout * 6,
      maxReceiveCount: h.sqs!.deadLetterMaxReceiveCount,
      reportBatchItemFailures: h.sqs!.reportBatchItemFailures,
      deadLetterName: h.deadLetterQueueName,
    })),
    (key, event) => handlers.get(key)!.invoke(event),
    log,
  );
}

/**
 * Watches the project for source changes, leaving out what changes without one: the handlers'
 * build output is watched (a rebuilt bundle restarts them), the SPA folders and the local
 * storages are not (they are served or written while the app runs).
 */
function watchChanges(
  o: DevOptions,
  launches: Map<string, Launch>,
  onChange: (changed: string[]) => void,
): { close(): void } {
  const buildDirs = new Set([...launches.values()].flatMap((l) => (l.buildDir ? [l.buildDir] : [])));
  const ignorePaths = Object.values(o.ctx.cloudfront ?? {}).flatMap((cf) =>
    localDistribution(o.ctx, cf, o.projectDir).routes.flatMap((r) => (r.folder ? [r.folder.dir] : [])),
  );
  for (const s of Object.values(o.ctx.djangoFallback.storages)) {
    const loc = (s.OPTIONS as { location?: string } | undefined)?.location;
    if (loc) ignorePaths.push(join(o.projectDir, loc));
  }
  return watchSources(o.projectDir, onChange, {
    ignoreDirs: DEFAULT_IGNORED_DIRS.filter((d) => !buildDirs.has(d)),
    ignorePaths,
  });
}
