import { DEFAULT_REGION, profileRegion } from "../aws/region.js";
import { invocationDir } from "../cwd.js";
import { CliError } from "../errors.js";
import { initNodeProject } from "../init/node.js";
import { writeErr } from "../util/stdio.js";

export async function initCommand(opts: {
  runtime: string;
  region?: string;
  yes?: boolean;
  fromRegistry?: boolean;
}): Promise<void> {
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
  });
  for (const f of result.written) writeErr(`wrote ${f}\n`);
  for (const line of result.refreshed) writeErr(`${line}\n`);
  for (const f of result.kept) writeErr(`kept  ${f} (exists; not overwritten)\n`);
  writeErr(`\nNext:\n${result.nextSteps.map((s) => `  ${s}`).join("\n")}\n`);
}
