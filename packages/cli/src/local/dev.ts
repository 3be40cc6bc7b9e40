import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { styleText } from "node:util";
import type { HandlerContext, PocketContext } from "@magic-pocket/config";
import { CliError } from "../errors.js";
import { writeErr } from "../util/stdio.js";
import {
  fileResponse,
  type LocalDistribution,
  localDistribution,
  notFound,
  parseCookies,
  routeRequest,
} from "./cloudfront.js";
import { localEnvironment } from "./environment.js";
import { queueArn } from "./events.js";
import {
  closeServers,
  extraHostNames,
  gatewayError,
  type HttpResponseParts,
  httpResponse,
  listenLocal,
  localUrl,
  readBody,
  requestEvent,
  writeResponse,
} from "./http-server.js";
import { dockerfileEnv, type Launch, resolveLaunch } from "./launch.js";
import { HandlerError, type HandlerProcess, startHandlerProcess } from "./process.js";
import { type SqsReceiver, startSqsReceiver } from "./sqs-receiver.js";
import { DEFAULT_IGNORED_DIRS, watchSources } from "./watch.js";

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

export interface DevEndpoint {
  kind: "api" | "cloudfront";
  name: string;
  url: string;
  port: number;
}

export interface DevSession {
  endpoints: DevEndpoint[];
  sqsEndpoint?: string;
  /** The environment each handler runs with (for tests and `--verbose`-style inspection). */
  environment: Record<string, string>;
  stop(): Promise<void>;
}

/** Variables of this process that a handler process gets too: where to find credentials and packages. */
const PASS_THROUGH = [
  "HOME",
  "USER",
  "TMPDIR",
  "SSL_CERT_FILE",
  "PYTHONPATH",
  "VIRTUAL_ENV",
  "DJANGO_SETTINGS_MODULE",
  "AWS_PROFILE",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_CONFIG_FILE",
  "AWS_SHARED_CREDENTIALS_FILE",
];

/** Processes per API handler at most: concurrency for a browser, not a load test. */
const MAX_INSTANCES = 4;

const COLORS = ["cyan", "magenta", "yellow", "green", "blue", "red"] as const;

export async function startDev(o: DevOptions): Promise<DevSession> {
  const c = o.ctx.container;
  if (!c) {
    throw new CliError(
      "no-container",
      `stage ${o.ctx.stage} has no [awscontainer]: pocket dev runs its handlers.`,
      {
        hint: "Add [awscontainer] with a handler to pocket.toml.",
      },
    );
  }
  const parentEnv = o.parentEnv ?? process.env;
  const all = Object.values(c.handlers);
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
  const width = Math.max(...served.map((h) => h.key.length), 3);
  const colorOf = new Map(served.map((h, i) => [h.key, COLORS[i % COLORS.length]!]));
  const prefix = (key: string) => {
    const tag = `[${key}]`.padEnd(width + 2);
    const color = colorOf.get(key);
    return o.color && color ? styleText(color, tag, { validateStream: false }) : tag;
  };
  const log = (key: string, line: string) => o.write(`${prefix(key)} ${line}`);

  const launches = new Map<string, Launch>();
  for (const h of served) launches.set(h.key, resolveLaunch(h.key, h.command, o.projectDir, parentEnv));

  // Ports: the APIs first, in pocket.toml order, then the distributions.
  let next = o.port;
  const apiPorts = new Map<string, number>();
  for (const h of served) if (h.apigateway) apiPorts.set(h.key, next++);
  const distributions = Object.values(o.ctx.cloudfront ?? {});
  const cfPorts = new Map<string, number>();
  for (const cf of distributions) cfPorts.set(cf.name, next++);

  const handlers = new Map<string, DevHandler>();
  const deliver = (key: string, event: unknown) => handlers.get(key)!.invoke(event);
  const queues = served.filter((h) => h.sqs && h.queueName);
  let receiver: SqsReceiver | undefined;
  if (queues.length > 0) {
    receiver = await startSqsReceiver(
      queues.map((h) => ({
        key: h.key,
        name: h.queueName!,
        arn: queueArn(h.queueName!, { region: c.region }),
        batchSize: h.sqs!.batchSize,
        visibilityTimeoutSeconds: o.visibilityTimeoutSeconds ?? h.visibilityTimeout ?? h.timeout * 6,
        maxReceiveCount: h.sqs!.deadLetterMaxReceiveCount,
        reportBatchItemFailures: h.sqs!.reportBatchItemFailures,
        deadLetterName: h.deadLetterQueueName,
      })),
      deliver,
      log,
    );
  }

  const usesPython = [...launches.values()].some((l) => l.runtime === "python");
  let environment = devEnvironment(o, apiPorts, cfPorts, receiver, usesPython);
  const baseEnv: Record<string, string> = {};
  for (const k of PASS_THROUGH) if (parentEnv[k]) baseEnv[k] = parentEnv[k]!;
  Object.assign(baseEnv, dockerfileEnv(join(o.projectDir, c.dockerfilePath)));
  if (parentEnv.DJANGO_SETTINGS_MODULE) baseEnv.DJANGO_SETTINGS_MODULE = parentEnv.DJANGO_SETTINGS_MODULE;
  if (!hasCredentials(parentEnv)) {
    // The SDKs refuse to send unsigned requests; the local receiver does not check signatures.
    baseEnv.AWS_ACCESS_KEY_ID = "pocket-dev";
    baseEnv.AWS_SECRET_ACCESS_KEY = "pocket-dev";
  }

  const servers: import("node:http").Server[] = [];
  const endpoints: DevEndpoint[] = [];
  const stopAll = async () => {
    watcher?.close();
    await closeServers(servers);
    await receiver?.close();
    await Promise.all([...handlers.values()].map((h) => h.stop()));
  };
  let watcher: { close(): void } | undefined;
  try {
    for (const [key, port] of apiPorts) {
      servers.push(
        ...(await listen(port, o.host, async (req, res) => {
          const started = Date.now();
          const body = await readBody(req);
          const h = handlers.get(key);
          // The ports are taken before the handlers start: a request in between waits for nothing.
          const parts = h ? await invokeHttp(h, requestEvent(req, body, port)) : gatewayError(503);
          writeResponse(res, parts);
          log(key, `${req.method} ${req.url} -> ${parts.status} (${Date.now() - started} ms)`);
        })),
      );
      endpoints.push({ kind: "api", name: key, url: localUrl(port, o.host), port });
    }
    for (const cf of distributions) {
      const port = cfPorts.get(cf.name)!;
      const dist = localDistribution(o.ctx, cf, o.projectDir);
      for (const line of dist.unserved) o.write(`${prefix("cloudfront")} ${cf.name}: ${line}: answers 404`);
      servers.push(...(await listen(port, o.host, (req, res) => serveDistribution(dist, port, req, res))));
      endpoints.push({ kind: "cloudfront", name: cf.name, url: localUrl(port, o.host), port });
    }
  } catch (error) {
    await stopAll();
    throw error;
  }

  // Handlers start once every port is ours, so a taken port stops pocket dev before any process runs.
  for (const h of served) {
    const launch = launches.get(h.key)!;
    handlers.set(
      h.key,
      new DevHandler(
        h,
        launch,
        { ...baseEnv, ...environment, ...launch.env },
        o.projectDir,
        (line) => log(h.key, line),
        // Lambda runs concurrent requests in separate sandboxes; a queue's batches come one at a time.
        h.apigateway ? Math.max(1, Math.min(h.reservedConcurrency ?? MAX_INSTANCES, MAX_INSTANCES)) : 1,
      ),
    );
  }
  await Promise.all([...handlers.values()].map((h) => h.ready()));

  async function serveDistribution(
    dist: LocalDistribution,
    port: number,
    req: import("node:http").IncomingMessage,
    res: import("node:http").ServerResponse,
  ): Promise<void> {
    const started = Date.now();
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q >= 0 ? url.slice(0, q) : url;
    const routed = routeRequest(dist, path, {
      query: q >= 0 ? url.slice(q + 1) : undefined,
      cookies: parseCookies(req.headers.cookie),
      env: environment,
    });
    const body = await readBody(req);
    let parts: HttpResponseParts;
    if (routed.kind === "api") {
      const h = handlers.get(routed.handler);
      parts = h ? await invokeHttp(h, requestEvent(req, body, port)) : gatewayError(503);
    } else if (routed.kind === "file") {
      parts = req.method === "GET" || req.method === "HEAD" ? await fileResponse(routed.file) : notFound();
    } else if (routed.kind === "redirect") {
      parts = {
        status: 302,
        headers: [
          ["location", routed.location],
          ["cache-control", "no-store"],
        ],
        body: Buffer.alloc(0),
      };
    } else {
      parts = notFound();
    }
    writeResponse(res, req.method === "HEAD" ? { ...parts, body: Buffer.alloc(0) } : parts);
    o.write(
      `${prefix("cloudfront")} ${dist.name}: ${req.method} ${url} -> ${parts.status} (${Date.now() - started} ms)`,
    );
  }

  async function invokeHttp(
    h: DevHandler,
    event: ReturnType<typeof requestEvent>,
  ): Promise<HttpResponseParts> {
    try {
      return httpResponse(await h.invoke(event));
    } catch (error) {
      return gatewayError((error as { code?: string }).code === "handler-timeout" ? 503 : 500);
    }
  }

  if (o.watch !== false) {
    const buildDirs = new Set([...launches.values()].flatMap((l) => (l.buildDir ? [l.buildDir] : [])));
    const ignorePaths = distributions.flatMap((cf) =>
      localDistribution(o.ctx, cf, o.projectDir).routes.flatMap((r) => (r.folder ? [r.folder.dir] : [])),
    );
    for (const s of Object.values(o.ctx.djangoFallback.storages)) {
      const loc = (s.OPTIONS as { location?: string } | undefined)?.location;
      if (loc) ignorePaths.push(join(o.projectDir, loc));
    }
    watcher = watchSources(
      o.projectDir,
      (changed) => {
        const what = changed.length === 1 ? changed[0] : `${changed[0]} and ${changed.length - 1} more`;
        if (changed.includes(".env") && o.readSecrets) {
          try {
            environment = devEnvironment(
              { ...o, secrets: o.readSecrets() },
              apiPorts,
              cfPorts,
              receiver,
              usesPython,
            );
            for (const h of handlers.values())
              h.env = { ...baseEnv, ...environment, ...launches.get(h.context.key)!.env };
          } catch (error) {
            o.write(`pocket dev: .env not reloaded: ${(error as Error).message}`);
          }
        }
        for (const h of handlers.values()) void h.restart(`${what} changed`);
      },
      { ignoreDirs: DEFAULT_IGNORED_DIRS.filter((d) => !buildDirs.has(d)), ignorePaths },
    );
  }

  for (const h of all) {
    if (!h.apigateway && !h.sqs) {
      o.write(
        `${prefix(h.key)} not started: it has neither apigateway nor sqs (run it with \`pocket invoke\` once deployed)`,
      );
    }
  }
  return {
    endpoints,
    sqsEndpoint: receiver?.endpoint,
    environment,
    stop: stopAll,
  };
}

async function listen(
  port: number,
  host: string | undefined,
  handler: (
    req: import("node:http").IncomingMessage,
    res: import("node:http").ServerResponse,
  ) => Promise<void>,
) {
  try {
    return await listenLocal(
      port,
      (req, res) => {
        handler(req, res).catch((error: Error) => {
          if (!res.headersSent) writeResponse(res, gatewayError(500));
          writeErr(`pocket dev: ${error.message}\n`);
        });
      },
      { host },
    );
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (e.code === "ERR_SOCKET_BAD_PORT") {
      throw new CliError(
        "invalid-port",
        `port ${port} is out of range (the APIs and distributions need one port each).`,
        {
          hint: "Pass a lower first port with --port N.",
          exitCode: 2,
        },
      );
    }
    if (e.code === "EADDRINUSE" || e.code === "EACCES") {
      throw new CliError(
        "port-in-use",
        `port ${port} is ${e.code === "EACCES" ? "not allowed" : "in use"}.`,
        {
          hint: "Pass another first port with --port N (pocket dev uses it and the ports above it).",
        },
      );
    }
    throw error;
  }
}

/**
 * The variables every handler gets: the deployed function's (docs/runtime-contract.md), with the
 * stage's hosts, endpoints, distribution domains and queue URLs pointing at the local servers,
 * the Django storages and caches of the local fallback, and secrets as plain values.
 */
export function devEnvironment(
  o: Pick<DevOptions, "ctx" | "projectDir" | "secrets" | "host">,
  apiPorts: Map<string, number>,
  cfPorts: Map<string, number>,
  receiver: Pick<SqsReceiver, "queueUrl" | "endpoint"> | undefined,
  python: boolean,
): Record<string, string> {
  const c = o.ctx.container!;
  const vars = { ...localEnvironment(o.ctx).variables };
  // Secrets arrive as values below; with POCKET_SECRETS the runtimes would call AWS for them.
  delete vars.POCKET_SECRETS;
  const hosts: string[] = [];
  for (const [key, port] of apiPorts) {
    const api = c.handlers[key]!.apigateway!;
    vars[api.hostEnv] = `localhost:${port}`;
    vars[api.endpointEnv] = `http://localhost:${port}`;
    hosts.push(`localhost:${port}`);
  }
  // Django compares ALLOWED_HOSTS without the port: the bare names make local requests pass.
  vars.POCKET_HOSTS = [...hosts, "localhost", "127.0.0.1", ...extraHostNames(o.host)].join(",");
  for (const cf of Object.values(o.ctx.cloudfront ?? {})) {
    const port = cfPorts.get(cf.name);
    if (port !== undefined) vars[cf.domainEnv] = `localhost:${port}`;
  }
  for (const h of Object.values(c.handlers) as HandlerContext[]) {
    if (h.sqs && h.queueName && receiver) vars[h.sqs.queueUrlEnv] = receiver.queueUrl(h.queueName);
  }
  if (receiver) vars.AWS_ENDPOINT_URL_SQS = receiver.endpoint;
  if (vars.POCKET_DJANGO !== undefined) {
    const fallback = o.ctx.djangoFallback;
    vars.POCKET_DJANGO = JSON.stringify({
      storages: fallback.storages,
      caches: fallback.caches,
      settings: c.django.settings,
    });
  }
  Object.assign(vars, o.secrets);
  // No CloudFront sends the origin-verify header to a local handler: with the value set, both
  // runtimes would refuse every request (docs/runtime-contract.md, POCKET_ORIGIN_VERIFY_SECRET).
  delete vars.POCKET_ORIGIN_VERIFY_SECRET;
  // Deployed without a DATABASE_URL, the Python runtime uses SQLite in /tmp (the only writable
  // place on Lambda); here the database belongs next to pocket.toml, as a local run keeps it.
  if (python && !vars.DATABASE_URL) vars.DATABASE_URL = `sqlite:///${join(o.projectDir, "db.sqlite3")}`;
  return vars;
}

function hasCredentials(env: NodeJS.ProcessEnv): boolean {
  if (env.AWS_ACCESS_KEY_ID || env.AWS_PROFILE) return true;
  const home = env.HOME ?? homedir();
  return [
    env.AWS_SHARED_CREDENTIALS_FILE,
    env.AWS_CONFIG_FILE,
    join(home, ".aws", "credentials"),
    join(home, ".aws", "config"),
  ].some((f) => f !== undefined && existsSync(f));
}

/**
 * One handler's processes, replaced when the sources change or when one died (Lambda starts a
 * new sandbox after a crash or a timeout). Like Lambda, events that arrive while every instance
 * is busy get another instance, up to `maxInstances`; each instance runs one event at a time.
 * A handler whose INIT failed answers its events with that error until the next change.
 */
class DevHandler {
  private instances: Instance[] = [];
  private generation = 0;
  private stopped = false;

  constructor(
    readonly context: HandlerContext,
    private readonly launch: Launch,
    public env: Record<string, string>,
    private readonly projectDir: string,
    private readonly log: (line: string) => void,
    private readonly maxInstances: number,
  ) {
    this.instances.push(this.spawn(Promise.resolve()));
  }

  private spawn(after: Promise<unknown>): Instance {
    return { process: after.then(() => this.start()), busy: 0, generation: this.generation };
  }

  private async start(): Promise<HandlerProcess | Error> {
    const started = Date.now();
    try {
      const p = await startHandlerProcess({
        runtime: this.launch.runtime,
        handler: this.launch.handler,
        env: this.env,
        cwd: this.projectDir,
        executable: this.launch.executable,
        functionName: this.context.functionName,
        memoryMb: this.context.memorySize,
        timeoutSeconds: this.context.timeout,
        onLog: (line) => this.log(line),
      });
      this.log(
        `ready: ${this.launch.describe}, ${this.launch.handler}, pid ${p.pid} (${Date.now() - started} ms)`,
      );
      return p;
    } catch (error) {
      const message = (error as Error).message;
      this.log(`failed to start: ${message}`);
      if (this.launch.runtime === "python" && /No module named '?pocket'?\b/.test(message)) {
        this.log(
          `hint: pocket's Python runtime is not importable by ${this.launch.executable}: install it in the project's virtualenv (pip install the wheel \`pocket django init\` put in .pocket/) or point POCKET_PYTHON at an interpreter that has it.`,
        );
      }
      this.log("fix the code and save: the handler restarts on the next change");
      return error as Error;
    }
  }

  async ready(): Promise<void> {
    await Promise.all(this.instances.map((i) => i.process));
  }

  /** An idle instance, else a new one while under the limit, else the least busy. */
  private pick(): Instance {
    const idle = this.instances.find((i) => i.busy === 0);
    if (idle) return idle;
    if (this.instances.length < this.maxInstances) {
      const fresh = this.spawn(Promise.resolve());
      this.instances.push(fresh);
      return fresh;
    }
    return this.instances.reduce((a, b) => (b.busy < a.busy ? b : a));
  }

  async invoke(event: unknown, retried = false): Promise<unknown> {
    const instance = this.pick();
    instance.busy += 1;
    let p: HandlerProcess | Error | undefined;
    try {
      p = await instance.process;
      if (p instanceof Error) throw p;
      return await p.invoke(event);
    } catch (error) {
      // INIT failed: every event gets that error until a change restarts the handler.
      if (p === undefined || p instanceof Error) throw error;
      if (error instanceof HandlerError) {
        const f = error.failure;
        this.log(`${f.errorType}: ${f.errorMessage}`);
        for (const line of f.stackTrace.join("\n").trimEnd().split("\n").slice(-12))
          this.log(`  ${line.trimEnd()}`);
        throw error;
      }
      if (instance.generation !== this.generation) {
        // A restart (source change) stopped the process under this event: run it on a new one.
        if (!retried && !this.stopped) return this.invoke(event, true);
        throw error;
      }
      this.log((error as Error).message);
      // The process is gone (a crash, or killed at the timeout): the next event gets a new one.
      this.drop(instance, p);
      throw error;
    } finally {
      instance.busy -= 1;
    }
  }

  private drop(instance: Instance, p: HandlerProcess): void {
    const i = this.instances.indexOf(instance);
    if (i >= 0) this.instances.splice(i, 1);
    void p.stop();
    if (this.instances.length === 0 && !this.stopped) {
      this.log("a new process starts for the next event");
      this.instances.push(this.spawn(Promise.resolve()));
    }
  }

  restart(reason: string): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.log(`restarting: ${reason}`);
    this.generation += 1;
    const old = this.instances;
    const gone = Promise.all(
      old.map((i) => i.process.then((p) => (p instanceof Error ? undefined : p.stop()))),
    );
    const fresh = this.spawn(gone);
    this.instances = [fresh];
    return fresh.process.then(() => undefined);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const all = this.instances;
    this.instances = [];
    await Promise.all(all.map((i) => i.process.then((p) => (p instanceof Error ? undefined : p.stop()))));
  }
}

interface Instance {
  process: Promise<HandlerProcess | Error>;
  /** Events given to it and not yet answered. */
  busy: number;
  /** The restart it belongs to: an event that fails on an older one was cut off by a restart. */
  generation: number;
}
