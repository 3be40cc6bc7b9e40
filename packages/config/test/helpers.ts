import { type Diagnostic, type LoadedConfig, loadConfig, type PocketContext } from "../src/index.js";

/** The base `[general]` of the loader vectors observed on the original. */
export const GENERAL = `[general]
region = "ap-northeast-1"
project_name = "testprj"
stages = ["dev", "prd"]
`;

export const CONTAINER = `[awscontainer]
dockerfile_path = "Dockerfile"

[awscontainer.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"
`;

export function load(
  source: string,
  stage = "dev",
  env: Record<string, string> = {},
): { ok: true; config: LoadedConfig } | { ok: false; diagnostics: Diagnostic[] } {
  const r = loadConfig({ configPath: "/virtual/testprj/pocket.toml", source, env, stage });
  return r.ok ? { ok: true, config: r.config } : { ok: false, diagnostics: r.diagnostics };
}

/** The context of a file that must load, failing the test with its diagnostics otherwise. */
export function context(source: string, stage = "dev", env: Record<string, string> = {}): PocketContext {
  const r = load(source, stage, env);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => `${d.code} ${d.path}: ${d.message}`).join("\n"));
  return r.config.context;
}

/** The diagnostics of a file that must not load. */
export function problems(source: string, stage = "dev", env: Record<string, string> = {}): Diagnostic[] {
  const r = load(source, stage, env);
  if (r.ok) throw new Error("expected diagnostics, but the file loaded");
  return r.diagnostics;
}

export const codes = (ds: Diagnostic[]) => ds.map((d) => d.code);
