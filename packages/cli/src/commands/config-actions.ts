import { writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { pocketTomlJsonSchema, validateAllStages } from "@magic-pocket/config";
import { type GlobalOptions, loadStage, throwIfNotFound } from "../config-loader.js";
import { invocationDir } from "../cwd.js";
import { CliError } from "../errors.js";
import { printDiagnostics, writeJson } from "../output.js";
import { writeErr, writeOut } from "../util/stdio.js";
import { toYaml } from "../util/yaml.js";

export async function validateCommand(global: GlobalOptions, opts: { stage?: string }): Promise<void> {
  if (opts.stage) {
    const config = await loadStage(global, opts.stage);
    writeErr(`${config.file}: stage ${opts.stage} is valid\n`);
    return;
  }
  const result = validateAllStages({ configPath: global.config, cwd: invocationDir() });
  throwIfNotFound(result.diagnostics);
  const sources = new Map<string, string>();
  if (result.source) sources.set(result.source.file, result.source.text);
  printDiagnostics(result.diagnostics, sources);
  if (result.diagnostics.some((d) => d.severity === "error")) {
    throw new CliError("invalid-config", "pocket.toml has errors.", { exitCode: 1 });
  }
  writeErr(`${result.source?.file}: valid (stages: ${result.stages.join(", ")})\n`);
}

export async function showCommand(
  global: GlobalOptions,
  opts: { stage?: string; json?: boolean },
): Promise<void> {
  const config = await loadStage(global, opts.stage);
  const view = { settings: config.settings, context: config.context };
  if (opts.json) {
    writeJson(view);
    return;
  }
  writeOut(`# ${config.file}, stage ${config.settings.stage}\n${toYaml(view)}`);
}

export async function schemaCommand(opts: { output?: string }): Promise<void> {
  const text = `${JSON.stringify(pocketTomlJsonSchema(), null, 2)}\n`;
  if (opts.output) {
    writeOutputFile(opts.output, text);
    writeErr(`wrote ${opts.output}\n`);
  } else {
    writeOut(text);
  }
}

/**
 * Writes `-o <file>` relative to the folder pocket was run in (cwd.ts: `npx pocket` starts in the
 * package root). A path that cannot be written is the user's to fix, not a bug in pocket.
 */
function writeOutputFile(output: string, text: string): void {
  const path = resolve(invocationDir(), output);
  try {
    writeFileSync(path, text);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why: Record<string, [string, string]> = {
      ENOENT: [
        `the folder ${dirname(path)} does not exist`,
        "create the folder first, or give a path in an existing one.",
      ],
      ENOTDIR: [`a part of ${dirname(path)} is a file, not a folder`, "give a path whose folders exist."],
      EISDIR: ["it is a folder", `give a file name, e.g. -o ${join(output, "pocket.schema.json")}`],
      EACCES: ["permission denied", "choose a path you can write to."],
      EPERM: ["permission denied", "choose a path you can write to."],
      EROFS: ["the file system is read-only", "choose a path you can write to."],
    };
    const [reason, hint] = why[code ?? ""] ?? [(error as Error).message, "choose another path."];
    throw new CliError("output-not-writable", `cannot write ${output}: ${reason}.`, { hint });
  }
}
