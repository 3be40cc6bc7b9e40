import { type Diagnostic, type LoadedConfig, listStages, loadConfig } from "@magic-pocket/config";
import { noteConfigInput } from "./config-cache/inputs.js";
import { invocationDir } from "./cwd.js";
import { CliError } from "./errors.js";
import { printDiagnostics } from "./output.js";
import { resolveStage } from "./stage.js";

export interface GlobalOptions {
  config?: string;
}

/** A missing pocket.toml is one sentence, not a diagnostics listing. */
export function throwIfNotFound(diagnostics: readonly Diagnostic[]): void {
  const [first] = diagnostics;
  if (diagnostics.length === 1 && first?.code === "config-not-found") {
    throw new CliError("config-not-found", first.message, { hint: first.hint, exitCode: 1 });
  }
}

/**
 * Loads pocket.toml for one stage or stops with the diagnostics printed. Every command that
 * needs settings goes through here, so errors look the same everywhere.
 */
export async function loadStage(
  global: GlobalOptions,
  stageOption: string | undefined,
): Promise<LoadedConfig> {
  const source = { configPath: global.config, cwd: invocationDir() };
  const stage = await resolveStage(stageOption, listStages(source));
  const result = loadConfig({ ...source, stage });
  const sources = new Map<string, string>();
  if (result.source) sources.set(result.source.file, result.source.text);
  if (!result.ok) {
    throwIfNotFound(result.diagnostics);
    printDiagnostics(result.diagnostics, sources);
    throw new CliError("invalid-config", "pocket.toml has errors; nothing was done.", { exitCode: 1 });
  }
  printDiagnostics(result.config.warnings, sources);
  // The file inputs of a cached `pocket config show` (docs/decisions.md#p25-config-show-cache).
  noteConfigInput({ ...result.source, searchedFrom: global.config === undefined ? source.cwd : undefined });
  return result.config;
}
