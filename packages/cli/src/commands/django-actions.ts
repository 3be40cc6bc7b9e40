import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
import { awsClients } from "../aws/clients.js";
import { explainAwsError } from "../aws/errors.js";
import { deletionForbidden } from "../buckets/owners.js";
import { applySync, planSync, type SyncTarget, syncSummary } from "../buckets/sync.js";
import { type GlobalOptions, loadStage } from "../config-loader.js";
import { invocationDir } from "../cwd.js";
import {
  DATABASES,
  type DatabaseChoice,
  DEFAULT_REGION,
  ignoreDotEnv,
  initFiles,
  placeRuntime,
  profileRegion,
  settingsModule,
  usesCompressedStatic,
  usesOriginVerify,
  wireSettings,
  writeDotEnv,
  writeInitFile,
} from "../django/init.js";
import { invokeManagement, managementHandler, queueHandler, queueManagement } from "../django/management.js";
import { collectstatic, localStaticBackend, storageTarget } from "../django/static.js";
import { ProgressView } from "../engine/progress.js";
import { CliError } from "../errors.js";
import { describeRefresh } from "../init/carried-runtimes.js";
import { inSpelling, spellingOption } from "../init/container-spelling.js";
import { writeErr, writeOut } from "../util/stdio.js";
import { chooseContainer } from "./container-choice.js";

interface AwsOptions {
  stage?: string;
  profile?: string;
}

async function withAwsErrors<T>(region: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw explainAwsError(error, region) ?? error;
  }
}

export async function manageCommand(
  global: GlobalOptions,
  command: string,
  args: string[],
  opts: AwsOptions & { async?: boolean; handler?: string; container?: string },
): Promise<void> {
  const config = await loadStage(global, opts.stage);
  const container = chooseContainer(config.context, opts.container, "django manage").container;
  const event = { command, args, kwargs: {} };
  const clients = awsClients(container?.region ?? config.context.region, { profile: opts.profile });
  await withAwsErrors(clients.region, async () => {
    if (opts.async) {
      const handler = queueHandler(container, opts.handler);
      const id = await queueManagement(clients, handler, event);
      writeErr(`queued ${command} on ${handler.queueName} (message ${id})\n`);
      return;
    }
    const handler = managementHandler(container, opts.handler);
    writeErr(`running ${command} in ${handler.functionName}...\n`);
    const result = await invokeManagement(clients, handler, event);
    writeOut(result.output.endsWith("\n") || result.output === "" ? result.output : `${result.output}\n`);
    if (result.exitCode !== 0) {
      writeErr(`${command} exited with status ${result.exitCode}\n`);
      process.exitCode = result.exitCode;
    }
  });
}

async function sync(
  clients: ReturnType<typeof awsClients>,
  dir: string,
  target: SyncTarget,
  options: { delete: boolean; dryrun: boolean; protect?: (key: string) => boolean },
): Promise<void> {
  if (!existsSync(dir)) {
    throw new CliError("sync-source-missing", `the folder ${dir} does not exist.`, {
      hint: "Pass --source with the folder to upload.",
    });
  }
  const actions = await planSync(clients, dir, target, {
    delete: options.delete,
    protect: options.protect,
    appliedNext: !options.dryrun,
  });
  const changes = actions.filter((a) => a.kind !== "keep");
  const where = `s3://${target.bucket}/${target.prefix}${target.prefix ? "/" : ""}`;
  if (options.dryrun) {
    for (const a of changes) writeErr(`(dryrun) ${a.kind === "delete" ? "delete" : "upload"}: ${a.key}\n`);
    writeErr(`dryrun: would ${syncSummary(actions)} at ${where}; nothing was changed\n`);
    return;
  }
  const view = new ProgressView();
  const line = view.for("sync", where);
  try {
    await applySync(clients, target, changes, (done, total, action) =>
      line.update(`${action.kind === "delete" ? "delete" : "upload"}: ${action.key} (${done}/${total})`),
    );
    line.done(syncSummary(actions), changes.length > 0 ? "ok" : "skip");
  } catch (error) {
    line.done((error as Error).message, "fail");
    throw error;
  } finally {
    view.stop();
  }
}

export async function deploystaticCommand(
  global: GlobalOptions,
  opts: AwsOptions & {
    dryrun?: boolean;
    skipCollectstatic?: boolean;
    source?: string;
    delete?: boolean;
    /** --link / --no-link; unset: the storage's `link` (docs/decisions.md#i3-static-files-for-django). */
    link?: boolean;
  },
): Promise<void> {
  const config = await loadStage(global, opts.stage);
  const storages = config.context.container?.django.storages ?? {};
  const entry = storages.staticfiles;
  const link = opts.link ?? config.settings.awscontainer?.django?.storages.staticfiles?.link === true;
  if (!entry) {
    throw new CliError("no-static-storage", "this stage has no staticfiles storage.", {
      hint: 'Add staticfiles = { store = "s3", location = "static", static = true, manifest = true } to [awscontainer.django.storages].',
    });
  }
  const target = storageTarget("staticfiles", entry);
  const backend = localStaticBackend(entry);
  const projectDir = dirname(config.file);
  let dir = opts.source ? resolve(invocationDir(), opts.source) : undefined;
  let temp: string | undefined;
  if (opts.skipCollectstatic && !dir) {
    throw new CliError("no-source", "--skip-collectstatic needs --source DIR (what to upload).");
  }
  try {
    if (!dir) {
      temp = mkdtempSync(join(tmpdir(), "pocket-static-"));
      dir = temp;
      writeErr(`collectstatic${link ? " --link" : ""} (${backend.split(".").pop()}) into a build folder\n`);
      await collectstatic(projectDir, backend, dir, link);
    }
    const clients = awsClients(config.context.region, { profile: opts.profile });
    await withAwsErrors(clients.region, () =>
      sync(clients, dir!, target, {
        delete: opts.delete === true,
        dryrun: opts.dryrun === true,
        // Never another storage's uploads, nor a front end nested under the static prefix.
        protect: deletionForbidden(config.context, target.bucket, {
          prefix: target.prefix,
          storage: "staticfiles",
        }),
      }),
    );
  } finally {
    if (temp) rmSync(temp, { recursive: true, force: true });
  }
}

export async function storageUploadCommand(
  global: GlobalOptions,
  name: string,
  opts: AwsOptions & { source?: string; delete?: boolean; dryrun?: boolean },
): Promise<void> {
  const config = await loadStage(global, opts.stage);
  const storages = config.context.container?.django.storages ?? {};
  if (!storages[name]) {
    throw new CliError("unknown-storage", `there is no storage "${name}" on this stage.`, {
      hint: `Storages: ${Object.keys(storages).join(", ") || "none"} ([awscontainer.django.storages]).`,
    });
  }
  const target = storageTarget(name, storages[name]);
  const projectDir = dirname(config.file);
  let source = opts.source;
  if (!source) {
    const local = config.context.djangoFallback.storages[name];
    const location = (local?.OPTIONS as { location?: string } | undefined)?.location;
    if (!local || !/FileSystemStorage|StaticFilesStorage/.test(local.BACKEND) || !location) {
      throw new CliError("no-local-source", `the local fallback of "${name}" names no folder to upload.`, {
        hint: "Pass --source DIR, or give the storage a filesystem location in [general.django_fallback.storages].",
      });
    }
    source = location;
  }
  const dir = isAbsolute(source) ? source : resolve(opts.source ? invocationDir() : projectDir, source);
  const clients = awsClients(config.context.region, { profile: opts.profile });
  await withAwsErrors(clients.region, () =>
    sync(clients, dir, target, {
      delete: opts.delete === true,
      dryrun: opts.dryrun === true,
      // Never another storage's uploads, nor a front end nested under this storage's prefix.
      protect: deletionForbidden(config.context, target.bucket, { prefix: target.prefix, storage: name }),
    }),
  );
}

export interface InitOptions {
  region?: string;
  database?: string;
  yes?: boolean;
  force?: boolean;
  fromRegistry?: boolean;
  spelling?: string;
}

/** `pocket django init`: pocket.toml and the Dockerfile, the runtime wheel, .env, and the settings wired. */
export async function initCommand(opts: InitOptions): Promise<void> {
  const spelling = spellingOption(opts.spelling);
  const projectDir = invocationDir();
  const module = settingsModule(projectDir);
  const interactive = !opts.yes && process.stdin.isTTY === true && process.stderr.isTTY === true;
  const tomlExists = existsSync(join(projectDir, "pocket.toml"));
  const database = await chooseDatabase(opts, interactive && (!tomlExists || opts.force === true));
  if (tomlExists && !opts.force && (opts.database !== undefined || opts.region !== undefined)) {
    writeErr("note: --database and --region shape a new pocket.toml; the existing one is kept as is\n");
  }
  const files = initFiles(projectDir, module, {
    region: opts.region ?? profileRegion() ?? DEFAULT_REGION,
    database: database ?? "none",
    fromRegistry: opts.fromRegistry === true,
    compressed: usesCompressedStatic(projectDir, module),
  }).map((f) =>
    basename(f.path) === "pocket.toml" ? { ...f, content: inSpelling(f.content, spelling) } : f,
  );
  for (const f of files) await writeOrKeep(f, projectDir, opts.force === true, interactive);
  const runtime = placeLocalFiles(projectDir);
  reportWiring(wireSettings(projectDir, module, usesOriginVerify(projectDir)));
  writeOut(
    `\nLocally: pip install "./${runtime.file}[storages]" && python manage.py migrate && python manage.py runserver\nDeploy:  pocket deploy --stage dev && pocket django manage migrate --stage dev -- --noinput\n`,
  );
}

/** `--database`, checked; else asked on a terminal when a new pocket.toml is written. */
async function chooseDatabase(opts: InitOptions, ask: boolean): Promise<DatabaseChoice | undefined> {
  if (opts.database !== undefined && !(DATABASES as readonly string[]).includes(opts.database)) {
    throw new CliError(
      "usage",
      `--database must be one of ${DATABASES.join(", ")}; got "${opts.database}".`,
      {
        exitCode: 2,
      },
    );
  }
  if (opts.database || !ask) return opts.database as DatabaseChoice | undefined;
  const { isCancel, select } = await import("@clack/prompts");
  const answer = await select({
    message: "Which database should the stages use?",
    options: [
      { value: "none", label: "none", hint: "bring your own DATABASE_URL (SQLite locally)" },
      { value: "neon", label: "Neon", hint: "serverless PostgreSQL, a branch per stage" },
      { value: "rds", label: "Aurora Serverless v2", hint: "PostgreSQL in a VPC" },
      { value: "tidb", label: "TiDB Cloud Serverless", hint: "MySQL-compatible" },
    ],
    initialValue: "none",
  });
  if (isCancel(answer)) throw new CliError("cancelled", "cancelled; nothing was written.");
  return answer as DatabaseChoice;
}

/** A file is written when missing, replaced with --force or when the user agrees, else kept. */
async function writeOrKeep(
  f: Parameters<typeof writeInitFile>[0],
  projectDir: string,
  force: boolean,
  interactive: boolean,
): Promise<void> {
  const rel = relative(projectDir, f.path);
  if (!existsSync(f.path)) {
    writeInitFile(f);
    writeErr(`wrote ${rel}\n`);
    return;
  }
  if (readFileSync(f.path, "utf8") === f.content) {
    writeErr(`${rel} is up to date\n`);
    return;
  }
  let replace = force;
  if (!replace && interactive) {
    const { confirm, isCancel } = await import("@clack/prompts");
    const answer = await confirm({ message: `${rel} exists. Replace it?`, initialValue: false });
    replace = !isCancel(answer) && answer === true;
  }
  if (replace) {
    writeInitFile(f);
    writeErr(`replaced ${rel}\n`);
  } else {
    writeErr(`kept ${rel}${replace ? "" : " (exists; --force replaces it)"}\n`);
  }
}

/** The runtime wheel, .env and its .gitignore line; returns the wheel placed. */
function placeLocalFiles(projectDir: string): ReturnType<typeof placeRuntime> {
  // The wheel is placed even with --from-registry: the local virtualenv installs it (below).
  const runtime = placeRuntime(projectDir);
  writeErr(`${describeRefresh(runtime)}\n`);
  const env = writeDotEnv(projectDir);
  writeErr(`${env === "wrote" ? "wrote .env (a development SECRET_KEY, DEBUG=true)" : "kept .env"}\n`);
  const ignored = ignoreDotEnv(projectDir);
  if (ignored !== "kept") writeErr(`${ignored === "wrote" ? "wrote" : "added .env to"} .gitignore\n`);
  return runtime;
}

/** What wiring the settings did, line by line; or the blocks to add by hand. */
function reportWiring(outcome: ReturnType<typeof wireSettings>): void {
  if (outcome.kind === "edited") {
    writeErr(
      `wired ${outcome.file}${outcome.replaced.length > 0 ? ` (replaced ${outcome.replaced.join(", ")}; the old lines stay as comments)` : ""}\n`,
    );
    // Each line of the project's that would have won over pocket's block, and why it is pocket's.
    for (const l of outcome.lines) {
      writeErr(
        `  line ${l.line}${l.nested ? " (inside a block)" : ""}: ${l.name} commented out: ${l.reason}\n`,
      );
    }
  } else if (outcome.kind === "unchanged") {
    writeErr(`${outcome.file} is already wired\n`);
  } else {
    writeErr(`left ${outcome.file} unchanged: ${outcome.reason}.\n`);
    writeOut(`\nAdd these blocks to ${outcome.file} by hand:\n\n${outcome.blocks}\n`);
  }
}
