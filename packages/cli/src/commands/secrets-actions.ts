import { readFileSync } from "node:fs";
import { closest } from "@magic-pocket/config";
import type { GlobalOptions } from "../config-loader.js";
import { withAwsErrors } from "../engine/aws-errors.js";
import { confirmOrStop } from "../engine/confirm.js";
import { userSecretStates } from "../engine/preflight.js";
import { ProgressView } from "../engine/progress.js";
import { prepareStage } from "../engine/stage.js";
import { withStageLock } from "../engine/stage-lock.js";
import { CliError, EXIT } from "../errors.js";
import { writeJson } from "../output.js";
import type { RunContext } from "../resources/resource.js";
import {
  deleteUserSecret,
  describeUserSecret,
  readUserSecretValue,
  setCommand,
  type UserSecret,
  userSecretPresence,
  userSecretRegion,
  userSecretsOf,
  writeUserSecret,
} from "../resources/secrets/user-secrets.js";
import { maskSecret } from "../resources/secrets/values.js";
import { printable } from "../util/printable.js";
import { writeErr, writeOut } from "../util/stdio.js";
import { chooseContainer } from "./container-choice.js";
import type { StageOptions } from "./options.js";

/** With several `[container.<name>]`: the container whose user secrets the command acts on. */
interface ContainerOption {
  container?: string;
}

interface WriteOptions extends StageOptions, ContainerOption {
  forceUnlock?: boolean;
  yes?: boolean;
}

/** `pocket secrets set NAME`: the value from a no-echo prompt, a file or stdin, under the stage lock. */
export async function setSecret(
  global: GlobalOptions,
  name: string,
  opts: WriteOptions & { fromFile?: string; fromStdin?: boolean },
): Promise<void> {
  const run = await containerRun(global, opts, "secrets set");
  const secret = declared(run, name);
  const value = await readValue(secret, opts);
  const outcome = await underLock(run, "secrets set", opts, () =>
    writeUserSecret(clientsFor(run, secret), secret, value),
  );
  writeErr(
    `${outcome === "created" ? "Created" : "Updated"} user secret ${secret.env} (${printable(describeUserSecret(secret))}): ${value.length} characters.\n`,
  );
  if (outcome === "updated") {
    writeErr(
      `Running functions keep the old value until their next cold start; \`pocket resource awscontainer secrets reload --stage ${run.ctx.stage}\` starts new ones now.\n`,
    );
  }
}

/** `pocket secrets get NAME [--reveal]`: masked unless --reveal, and then the value alone on stdout. */
export async function getSecret(
  global: GlobalOptions,
  name: string,
  opts: StageOptions & ContainerOption & { reveal?: boolean },
): Promise<void> {
  const run = await containerRun(global, opts, "secrets get");
  const secret = declared(run, name);
  const value = await withAwsErrors(run.ctx.region, () =>
    readUserSecretValue(clientsFor(run, secret), secret, run.ctx.stage),
  );
  if (opts.reveal) {
    // Exactly the value for a pipe; a newline after it on a terminal, so the prompt is not glued on.
    writeOut(process.stdout.isTTY ? `${value}\n` : value);
    return;
  }
  writeOut(`${secret.env}: ${maskSecret(value)} (${printable(describeUserSecret(secret))})\n`);
}

/** `pocket secrets list`: every declared user secret and whether it exists; never a value. */
export async function listUserSecrets(
  global: GlobalOptions,
  opts: StageOptions & ContainerOption & { json?: boolean },
) {
  const run = await containerRun(global, opts, "secrets list");
  const states = await userSecretStates(run);
  if (opts.json) {
    // Where each one lives and whether it is there; the value is never read for the list.
    const where = ({ secret, presence }: (typeof states)[number]) => ({
      name: secret.env,
      secret: secret.name,
      store: secret.store,
      ...presence,
    });
    writeJson(states.map(where));
    return;
  }
  if (states.length === 0) {
    writeErr(`stage ${run.ctx.stage} declares no user secrets ([awscontainer.secrets.user]).\n`);
    return;
  }
  for (const { secret, presence } of states) {
    const state =
      presence.state === "present"
        ? "exists"
        : presence.state === "unknown"
          ? `unknown (${presence.reason})`
          : `${presence.state.replace(/-/g, " ")}: ${setCommand(secret.env, run.ctx.stage)}`;
    writeOut(`${secret.env}  ${printable(describeUserSecret(secret))}  ${printable(state)}\n`);
  }
}

/** `pocket secrets delete NAME`: asks (or --yes), then deletes under the stage lock. */
export async function deleteSecret(global: GlobalOptions, name: string, opts: WriteOptions): Promise<void> {
  const run = await containerRun(global, opts, "secrets delete");
  const secret = declared(run, name);
  const clients = clientsFor(run, secret);
  const before = await withAwsErrors(run.ctx.region, () => userSecretPresence(clients, secret));
  if (before.state === "missing" || before.state === "scheduled-for-deletion") {
    writeErr(`user secret ${secret.env} (${printable(describeUserSecret(secret))}) is already absent.\n`);
    return;
  }
  await confirmOrStop(
    run,
    `Delete user secret ${secret.env} (${describeUserSecret(secret)})? The functions of stage ${run.ctx.stage} fail at their next cold start without it.`,
  );
  const deleted = await underLock(run, "secrets delete", opts, () => deleteUserSecret(clients, secret));
  writeErr(
    deleted
      ? `Deleted user secret ${secret.env} (${printable(describeUserSecret(secret))})${secret.store === "sm" ? "; recoverable for 30 days" : ""}.\n`
      : `user secret ${secret.env} was already absent.\n`,
  );
}

/** The stage's run as the chosen container sees it (container-choice.ts: never the first one silently). */
async function containerRun(
  global: GlobalOptions,
  opts: StageOptions & ContainerOption,
  command: string,
): Promise<RunContext> {
  const { run } = await prepareStage(global, opts);
  const ctx = chooseContainer(run.ctx, opts.container, command);
  return ctx === run.ctx ? run : { ...run, ctx };
}

/** The declared user secret called `name`, or an error naming the nearest declared one. */
function declared(run: RunContext, name: string): UserSecret {
  const secrets = run.ctx.container?.secrets;
  const users = userSecretsOf(secrets);
  const found = users.find((u) => u.env === name);
  if (found) return found;
  const stage = run.ctx.stage;
  if (secrets?.managed[name]) {
    throw new CliError(
      "managed-secret-not-user",
      `${name} is a managed secret of stage ${stage}: pocket generates its value, so \`pocket secrets\` does not write it.`,
      { hint: "See `pocket resource awscontainer secrets --help`." },
    );
  }
  const names = users.map((u) => u.env);
  const guess = closest(name, names);
  throw new CliError(
    "unknown-user-secret",
    `pocket.toml declares no user secret ${JSON.stringify(name)} for stage ${stage}.`,
    {
      hint: guess
        ? `Did you mean ${guess}?`
        : names.length > 0
          ? `Declared: ${names.join(", ")}.`
          : `Declare it first: [awscontainer.secrets.user] ${name} = { name = "...", store = "sm" }.`,
    },
  );
}

function clientsFor(run: RunContext, secret: UserSecret) {
  return run.aws(userSecretRegion(secret, run.ctx.region));
}

/** A write under the stage lock, so it never interleaves with a deploy or another write. */
function underLock<T>(
  run: RunContext,
  command: string,
  opts: WriteOptions,
  work: () => Promise<T>,
): Promise<T> {
  const view = new ProgressView();
  return withAwsErrors(run.ctx.region, () =>
    withStageLock(
      run,
      view,
      { command, force: opts.forceUnlock === true, running: () => [] },
      async (lock) => {
        await lock.ensureHeld();
        return work();
      },
    ).finally(() => view.stop()),
  );
}

/** The value to store: from --from-file, --from-stdin (or a pipe), else a prompt that does not echo. */
async function readValue(
  secret: UserSecret,
  opts: { fromFile?: string; fromStdin?: boolean },
): Promise<string> {
  if (opts.fromFile !== undefined && opts.fromStdin) {
    throw new CliError("usage", "give --from-file or --from-stdin, not both.", { exitCode: EXIT.usage });
  }
  let value: string;
  if (opts.fromFile !== undefined) {
    try {
      value = readFileSync(opts.fromFile, "utf8");
    } catch (error) {
      throw new CliError(
        "secret-file-unreadable",
        `cannot read ${opts.fromFile}: ${(error as Error).message}`,
      );
    }
  } else if (opts.fromStdin || !process.stdin.isTTY) {
    value = await readStdin();
  } else {
    const { password, isCancel } = await import("@clack/prompts");
    const answer = await password({ message: `Value of ${secret.env}` });
    if (isCancel(answer)) throw new CliError("cancelled", "nothing was stored.");
    value = answer;
  }
  // `echo value > file` and a typed line end in a newline that is not part of the value.
  value = value.replace(/\r?\n$/, "");
  if (value === "") {
    throw new CliError("empty-secret-value", `the value for ${secret.env} is empty; nothing was stored.`, {
      hint: "Give the value on standard input, with --from-file, or at the prompt.",
    });
  }
  return value;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
