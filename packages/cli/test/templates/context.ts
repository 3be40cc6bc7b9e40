import { type LoadedConfig, loadConfig } from "@magic-pocket/config";

/** Loads an inline pocket.toml for one stage, failing the test with the diagnostics if invalid. */
export function loadInline(toml: string, stage = "dev"): LoadedConfig {
  const result = loadConfig({ configPath: "/virtual/myapp/pocket.toml", source: toml, env: {}, stage });
  if (!result.ok) {
    throw new Error(
      `test config is invalid:\n${result.diagnostics.map((d) => `${d.code} ${d.path}: ${d.message}`).join("\n")}`,
    );
  }
  return result.config;
}
