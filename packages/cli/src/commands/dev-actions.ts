import { dirname, join } from "node:path";
import { type ManagedSecretContext, type PocketContext, readDotEnv } from "@magic-pocket/config";
import { type AwsClients, awsClients } from "../aws/clients.js";
import { type GlobalOptions, loadStage } from "../config-loader.js";
import { withAwsErrors } from "../engine/aws-errors.js";
import { CliError } from "../errors.js";
import { startDev } from "../local/dev.js";
import { devSecrets, shellSettable, sourceLines } from "../local/dev-sources.js";
import { useColor } from "../output.js";
import { managedSecretStore } from "../resources/secrets/store.js";
import type { SecretValue } from "../resources/secrets/values.js";
import { writeOut } from "../util/stdio.js";
import { firstContainerOnly } from "./container-choice.js";

export interface DevCommandOptions {
  stage?: string;
  profile?: string;
  port: number;
  host?: string;
  remoteSecrets?: boolean;
}

/** `pocket dev`: runs until Ctrl-C (or SIGTERM), then stops every handler and exits 0. */
export async function devCommand(global: GlobalOptions, opts: DevCommandOptions): Promise<void> {
  const config = await loadStage(global, opts.stage);
  const ctx = config.context;
  const projectDir = dirname(config.file);
  // Read once: the deployed values do not change while pocket dev runs; .env is read again when
  // it changes, and the deployed values stay on top of it (the runtime's loading order).
  const remote = opts.remoteSecrets ? await remoteSecrets(ctx, opts.profile) : {};
  // .env < an exported secret name or DATABASE_URL < the deployed stage (local/dev-sources.ts).
  const settable = shellSettable(ctx);
  const sourced = () =>
    devSecrets(Object.fromEntries(readDotEnv(join(projectDir, ".env"))), process.env, settable, remote);
  const readSecrets = () => sourced().values;
  const secrets = readSecrets();
  const out = process.stderr;
  const session = await startDev({
    ctx,
    projectDir,
    port: opts.port,
    host: opts.host,
    secrets,
    readSecrets,
    write: (line) => out.write(`${line}\n`),
    color: useColor(out),
    visibilityTimeoutSeconds: process.env.POCKET_DEV_VISIBILITY_TIMEOUT
      ? Number(process.env.POCKET_DEV_VISIBILITY_TIMEOUT)
      : undefined,
  });
  const lines = [`pocket dev: stage ${ctx.stage} of ${ctx.project}`];
  const partial = firstContainerOnly(ctx, "dev");
  if (partial) lines.push(`  ${partial}`);
  for (const e of session.endpoints) {
    lines.push(`  ${e.kind === "api" ? `api ${e.name}` : `cloudfront ${e.name}`}: ${e.url}`);
  }
  for (const h of Object.values(ctx.container?.handlers ?? {})) {
    if (h.sqs) lines.push(`  queue ${h.key}: ${h.queueName} (local, ${session.sqsEndpoint})`);
  }
  lines.push(...sourceLines(ctx, projectDir, sourced()), "Ctrl-C to stop.");
  // The URLs go to stdout (something to read or pipe); the logs to stderr.
  writeOut(`${lines.join("\n")}\n`);

  await new Promise<void>((resolve) => {
    const done = () => {
      process.off("SIGINT", done);
      process.off("SIGTERM", done);
      resolve();
    };
    process.on("SIGINT", done);
    process.on("SIGTERM", done);
  });
  out.write("pocket dev: stopping (Ctrl-C again to stop without waiting)\n");
  // A handler that ignores the end of its input and SIGTERM would keep pocket dev waiting: a
  // second Ctrl-C ends it now (the drivers also end when their input closes with this process).
  const force = () => {
    out.write("pocket dev: stopped without waiting for the handlers\n");
    process.exit(130);
  };
  process.once("SIGINT", force);
  process.once("SIGTERM", force);
  try {
    await session.stop();
  } finally {
    process.off("SIGINT", force);
    process.off("SIGTERM", force);
  }
}

/**
 * The deployed stage's secret values, read-only: the managed ones from the stage's store and
 * each user secret from its own, as the runtimes would load them at cold start.
 */
export async function remoteSecrets(ctx: PocketContext, profile?: string): Promise<Record<string, string>> {
  const s = ctx.container?.secrets;
  if (!s) return {};
  const clients = awsClients(s.region, { profile });
  return withAwsErrors(clients.region, async () => {
    const stored = await managedSecretStore(clients, s, ctx.stage, ctx.project).read();
    const out: Record<string, string> = {};
    const missing: string[] = [];
    for (const [name, spec] of Object.entries(s.managed)) {
      const value = stored[name];
      if (value === undefined) {
        missing.push(name);
        continue;
      }
      Object.assign(out, managedVariables(spec, value));
    }
    if (missing.length > 0) {
      throw new CliError(
        "remote-secrets-missing",
        `stage ${ctx.stage} has no stored value for ${missing.join(", ")}.`,
        {
          hint: `Deploy the stage first (pocket deploy --stage ${ctx.stage}), or run without --remote-secrets.`,
        },
      );
    }
    for (const [name, u] of Object.entries(s.user)) out[name] = await userSecret(clients, u.name, u.store);
    return out;
  });
}

/** The variables a managed value sets (docs/runtime-contract.md, POCKET_SECRETS). */
function managedVariables(spec: ManagedSecretContext, value: SecretValue): Record<string, string> {
  if ("pemEnv" in spec) {
    const pair = typeof value === "string" ? { pem: value, pub: "" } : value;
    return { [spec.pemEnv]: pair.pem, [spec.pubEnv]: pair.pub };
  }
  return { [spec.env]: typeof value === "string" ? value : JSON.stringify(value) };
}

async function userSecret(clients: AwsClients, name: string, store: "sm" | "ssm"): Promise<string> {
  if (store === "sm") {
    const { GetSecretValueCommand } = await import("@aws-sdk/client-secrets-manager");
    const out = await (await clients.secretsManager()).send(new GetSecretValueCommand({ SecretId: name }));
    return out.SecretString ?? "";
  }
  const { GetParameterCommand } = await import("@aws-sdk/client-ssm");
  const out = await (await clients.ssm()).send(new GetParameterCommand({ Name: name, WithDecryption: true }));
  return out.Parameter?.Value ?? "";
}
