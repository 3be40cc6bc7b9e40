import { DEFAULT_REGION, profileRegion } from "../aws/region.js";
import { invocationDir } from "../cwd.js";
import { CliError } from "../errors.js";
import { spellingOption } from "../init/container-spelling.js";
import { initNodeProject } from "../init/node.js";
import { writeErr, writeOut } from "../util/stdio.js";

/** `pocket init`'s options, as commander parses them. */
export interface InitOptions {
  runtime: string;
  region?: string;
  yes?: boolean;
  fromRegistry?: boolean;
  with?: string;
  spelling?: string;
}

export async function initCommand(opts: InitOptions): Promise<void> {
  const spelling = spellingOption(opts.spelling);
  if (opts.runtime !== "node") {
    throw new CliError("unknown-runtime", `pocket init knows no runtime "${opts.runtime}".`, {
      hint:
        opts.runtime === "python" || opts.runtime === "django"
          ? "For a Django project run `pocket django init` in the folder of manage.py."
          : "Use --runtime node.",
      exitCode: 2,
    });
  }
  const dir = invocationDir();
  const result = await initNodeProject(dir, {
    region: opts.region ?? profileRegion() ?? DEFAULT_REGION,
    yes: opts.yes === true,
    interactive: process.stdin.isTTY === true && process.stderr.isTTY === true,
    fromRegistry: opts.fromRegistry === true,
    with: parseWith(opts.with),
    spelling,
  });
  if (result.kind === "needs-patch") {
    // The patch alone on stdout: `pocket init --runtime node > fix.patch && git apply fix.patch`.
    writeOut(result.patch ?? "");
    throw new CliError("init-app-needs-edit", result.nextSteps.join("\n"), {
      hint: "Nothing was written. In a terminal, `pocket init --runtime node` asks and makes the edit; --yes makes it without asking.",
    });
  }
  if (result.app) {
    writeErr(
      `${result.app.framework} app in ${result.app.source}${result.app.patched ? " (edited: its server starts only with `node`)" : " (left as it is)"}\n`,
    );
  }
  for (const f of result.written) writeErr(`wrote ${f}\n`);
  for (const line of result.refreshed) writeErr(`${line}\n`);
  for (const f of result.kept) writeErr(`kept  ${f} (exists; not overwritten)\n`);
  writeErr(`\nNext:\n${result.nextSteps.map((s) => `  ${s}`).join("\n")}\n`);
}

function parseWith(list: string | undefined): { worker: boolean; tasks: boolean } {
  const names = (list ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => n !== "worker" && n !== "tasks");
  if (unknown.length > 0) {
    throw new CliError("init-with-unknown", `--with knows worker and tasks, not ${unknown.join(", ")}.`, {
      hint: "For example: pocket init --runtime node --with worker,tasks",
      exitCode: 2,
    });
  }
  return { worker: names.includes("worker"), tasks: names.includes("tasks") };
}
