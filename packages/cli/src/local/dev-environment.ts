import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { HandlerContext, PocketContext } from "@magic-pocket/config";
import type { DevPorts } from "./dev-servers.js";
import { localEnvironment } from "./environment.js";
import { extraHostNames } from "./http-server.js";
import { dockerfileEnv } from "./launch.js";
import type { SqsReceiver } from "./sqs-receiver.js";

/**
 * The environment of `pocket dev`'s handler processes: the stage's variables pointed at the
 * local servers (`devEnvironment`), under what this machine passes on (`baseEnvironment`).
 */

export interface DevEnvironmentInput {
  ctx: PocketContext;
  /** The folder of pocket.toml. */
  projectDir: string;
  /** Secret values by variable name. */
  secrets: Record<string, string>;
  /** `--host`: its names are allowed hosts too. */
  host?: string;
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

/**
 * The variables every handler gets: the deployed function's (docs/runtime-contract.md), with the
 * stage's hosts, endpoints, distribution domains and queue URLs pointing at the local servers,
 * the Django storages and caches of the local fallback, and secrets as plain values.
 */
export function devEnvironment(
  o: DevEnvironmentInput,
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
 * What every handler process gets beneath the stage's variables: this process's credentials and
 * package paths, the Dockerfile's ENV, and placeholder credentials when there are none.
 */
export function baseEnvironment(parentEnv: NodeJS.ProcessEnv, dockerfile: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of PASS_THROUGH) if (parentEnv[k]) env[k] = parentEnv[k]!;
  Object.assign(env, dockerfileEnv(dockerfile));
  if (parentEnv.DJANGO_SETTINGS_MODULE) env.DJANGO_SETTINGS_MODULE = parentEnv.DJANGO_SETTINGS_MODULE;
  if (!hasCredentials(parentEnv)) {
    // The SDKs refuse to send unsigned requests; the local receiver does not check signatures.
    env.AWS_ACCESS_KEY_ID = "pocket-dev";
    env.AWS_SECRET_ACCESS_KEY = "pocket-dev";
  }
  return env;
}

/**
 * Every handler's environment while pocket dev runs: the stage's variables (`devEnvironment`)
 * over the base, under the handler's own launch variables. A changed `.env` replaces the stage's.
 */
export class DevEnvironments {
  private stage: Record<string, string>;

  constructor(
    private readonly input: DevEnvironmentInput,
    private readonly ports: DevPorts,
    private readonly receiver: Pick<SqsReceiver, "queueUrl" | "endpoint"> | undefined,
    private readonly python: boolean,
    private readonly base: Record<string, string>,
  ) {
    this.stage = this.stageVariables(input.secrets);
  }

  /** The stage's variables as they are now (the distributions route on them). */
  get variables(): Record<string, string> {
    return this.stage;
  }

  forHandler(launchEnv: Record<string, string>): Record<string, string> {
    return { ...this.base, ...this.stage, ...launchEnv };
  }

  /** New secrets; on an error the variables stay as they were. */
  reload(secrets: Record<string, string>): void {
    this.stage = this.stageVariables(secrets);
  }

  private stageVariables(secrets: Record<string, string>): Record<string, string> {
    const input = { ...this.input, secrets };
    return devEnvironment(input, this.ports.api, this.ports.cloudfront, this.receiver, this.python);
  }
}
