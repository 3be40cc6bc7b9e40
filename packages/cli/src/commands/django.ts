import type { Command } from "commander";
import type { GlobalOptions } from "../config-loader.js";

import { awsCommand, subcommand } from "./options.js";

const actions = () => import("./django-actions.js");

/** `pocket django ...`: the Django path (init, manage, deploystatic, storage upload). */
export function registerDjango(program: Command, global: () => GlobalOptions): void {
  const django = subcommand(
    program,
    "django",
    "run a Django project on the stage: init, manage, deploystatic, storage upload",
  );

  django
    .command("init")
    .description(
      "make the Django project in this folder deployable: pocket.toml, Dockerfile, settings.py wired",
    )
    .option("--region <region>", "the stage region (default: the AWS profile's region, else ap-northeast-1)")
    .option("--database <kind>", "neon, rds, tidb or none (asked in a terminal; none without one)")
    .option("-y, --yes", "ask nothing: take the options and defaults")
    .option("-f, --force", "replace an existing pocket.toml, pocket.Dockerfile and .dockerignore")
    .option(
      "--spelling <spelling>",
      "seed ([awscontainer], the default) or container ([container.main], the original's current spelling)",
    )
    .option(
      "--from-registry",
      "the Dockerfile installs the published pocket-cli-runtime instead of the wheel this pocket carries into .pocket/",
    )
    .addHelpText(
      "after",
      '\nWrites pocket.toml, pocket.Dockerfile, .dockerignore, .env (a dev SECRET_KEY; git-ignored) when missing,\nputs the Python runtime wheel this pocket carries into .pocket/ (refreshed on every run), and wires settings.py between\n"# >>> pocket: ... >>>" markers (the replaced lines stay as comments). Running it again changes nothing.\nA settings file it cannot edit safely is left alone; the blocks to paste are printed with the reason.',
    )
    .action(async (opts) => (await actions()).initCommand(opts));

  awsCommand(django, "manage", "run a management command in the stage's Lambda and print its output")
    .argument("<command>", "the management command, e.g. migrate")
    .argument("[args...]", "its arguments; put options after --, e.g. -- --noinput")
    .option("--async", "queue the command on the management handler's SQS queue instead of waiting")
    .option("--handler <key>", "the handler to use (default: the management command handler)")
    .option("--container <name>", "with several [container.<name>]: the container to run it in")
    .allowUnknownOption()
    .addHelpText("after", "\nExit status: the command's own exit status (0 when --async queued it).")
    .action(async (command: string, args: string[], opts) =>
      (await actions()).manageCommand(global(), command, args, opts),
    );

  awsCommand(
    django,
    "deploystatic",
    "collectstatic locally, then upload changed files to the stage's static storage",
  )
    .option("--dryrun", "show what would be uploaded, change nothing")
    .option("--skip-collectstatic", "upload what the last run collected (needs --source)")
    .option("--source <dir>", "upload this folder instead of running collectstatic")
    .option("--delete", "delete objects under the static prefix that the collected folder lacks")
    .option("--link", "run collectstatic --link (default: the staticfiles storage's link)")
    .option("--no-link", "run collectstatic without --link, whatever the storage says")
    .addHelpText(
      "after",
      "\ncollectstatic runs with POCKET_PYTHON (default python3) and the runtime's get_storages() honouring\nPOCKET_STATICFILES_BACKEND_OVERRIDE / POCKET_STATICFILES_LOCATION_OVERRIDE. Unchanged files\n(same MD5) are skipped; hashed names get a one-year immutable Cache-Control.",
    )
    .action(async (opts) => (await actions()).deploystaticCommand(global(), opts));

  const storage = django.command("storage").description("the stage's Django storages");
  awsCommand(
    storage,
    "upload",
    "upload a local folder to one of the stage's S3 storages (changed files only)",
  )
    .argument("<name>", "the storage name in [awscontainer.django.storages], e.g. default")
    .option("--source <dir>", "the folder to upload (default: the storage's local fallback location)")
    .option("--delete", "delete objects under the storage's location that are not in the folder")
    .option("--dryrun", "show what would change, change nothing")
    .action(async (name: string, opts) => (await actions()).storageUploadCommand(global(), name, opts));
}
