/*
 * The stage of two `[container.<name>]` (the original's current spelling) that the
 * several-containers tests deploy, check the permissions of, and run commands against: `web`
 * (the Django app, from Dockerfile) and `v2` (from v2/Dockerfile), each with a `wsgi` handler.
 * What a test adds (triggers, managed or user secrets, a boundary, more handlers) is given per
 * container, so each file's stage reads as what it differs in.
 */

/** A handler's table: its command and, when invoked by a trigger, which (`apigateway`, `sqs`). */
export interface HandlerSpec {
  command: string;
  trigger?: "apigateway" | "sqs";
}

/** One `[container.<name>]` as a test stage declares it. */
export interface ContainerSpec {
  dockerfile: string;
  handlers: Record<string, HandlerSpec>;
  /** A managed SECRET_KEY (a 50-character password), as the getting-started container has. */
  secretKey?: boolean;
  /** `permissions_boundary` for the container's roles. */
  boundary?: string;
  /** User secrets, each name to the SSM parameter holding it. */
  userSecrets?: Record<string, string>;
}

/** The Django WSGI handler, behind API Gateway unless `trigger` says otherwise. */
export const DJANGO_WSGI = "pocket.django.lambda_handlers.wsgi_handler";
/** The Django management-command handler an SQS queue feeds. */
export const DJANGO_SQS_WORKER = "pocket.django.lambda_handlers.sqs_management_command_handler";

/** `web` and `v2` as the deploying tests declare them: each wsgi behind API Gateway, SECRET_KEY managed, web's worker on SQS. */
export function servedContainers(
  extra: { boundary?: string; v2Handlers?: Record<string, HandlerSpec> } = {},
): Record<string, ContainerSpec> {
  const common = { secretKey: true, ...(extra.boundary ? { boundary: extra.boundary } : {}) };
  return {
    web: {
      dockerfile: "Dockerfile",
      ...common,
      handlers: {
        wsgi: { command: DJANGO_WSGI, trigger: "apigateway" },
        worker: { command: DJANGO_SQS_WORKER, trigger: "sqs" },
      },
    },
    v2: {
      dockerfile: "v2/Dockerfile",
      ...common,
      handlers: { wsgi: { command: "app.handler", trigger: "apigateway" }, ...extra.v2Handlers },
    },
  };
}

/** `web` and `v2` with one untriggered wsgi handler each: the stage the image tests (promotion, history) deploy. */
export function imageContainers(): Record<string, ContainerSpec> {
  return {
    web: { dockerfile: "Dockerfile", handlers: { wsgi: { command: DJANGO_WSGI } } },
    v2: { dockerfile: "v2/Dockerfile", handlers: { wsgi: { command: "app.handler" } } },
  };
}

/**
 * Two schedules of a two-container stage: `nightly` starts the first container's `web.worker`
 * through the SQS scheduler, `tick` starts `v2Handler` of the second container directly.
 */
export function twoContainerSchedules(v2Handler: string): string {
  return `[scheduler.schedules.nightly]
scheduler = "pocket.sqs_scheduler"
cron = "0 3 * * ? *"
handler = "web.worker"
message = { command = "clearsessions", args = [], kwargs = {} }

[scheduler.schedules.tick]
rate = "1 hour"
handler = "${v2Handler}"
input = { task = "tick" }
`;
}

/** The `[container.<name>]` tables of a pocket.toml, one block a container, in the given order. */
export function containerTables(containers: Record<string, ContainerSpec>): string {
  return Object.entries(containers)
    .map(([name, spec]) => containerTable(name, spec))
    .join("\n");
}

function containerTable(name: string, spec: ContainerSpec): string {
  const lines = [`[container.${name}]`, `dockerfile_path = "${spec.dockerfile}"`];
  if (spec.boundary) lines.push(`permissions_boundary = "${spec.boundary}"`);
  if (spec.secretKey)
    lines.push(
      `[container.${name}.secrets.managed]`,
      'SECRET_KEY = { type = "password", options = { length = 50 } }',
    );
  for (const [key, handler] of Object.entries(spec.handlers)) {
    lines.push(`[container.${name}.handlers.${key}]`, `command = "${handler.command}"`);
    if (handler.trigger) lines.push(`${handler.trigger} = {}`);
  }
  const users = Object.entries(spec.userSecrets ?? {});
  if (users.length > 0)
    lines.push(
      `[container.${name}.secrets.user]`,
      ...users.map(([key, parameter]) => `${key} = { name = "${parameter}", store = "ssm" }`),
    );
  return `${lines.join("\n")}\n`;
}
