import { basename, dirname, join } from "node:path";
import { buildContext } from "./context/build.js";
import type { PocketContext } from "./context/types.js";
import { type Diagnostic, formatPath, hasErrors, type Issue, type PathSegment } from "./diagnostics.js";
import { readDotEnv } from "./files.js";
import type { HeadContainerView } from "./head/facts.js";
import { inContainerSpelling } from "./head/front-door.js";
import { withHeadNames } from "./head/names.js";
import { withAllowRules } from "./head/waf-allow.js";
import { isTable, type MergedDocument, mergeStage } from "./merge.js";
import { type StageKind, stageKind } from "./preview.js";
import { environmentSizeIssues } from "./rules/environment.js";
import { nameIssues } from "./rules/names.js";
import { extraResourceWarnings } from "./rules/secrets.js";
import { lifecycleWarnings, storageSyncIssues } from "./rules/storage.js";
import { SECTION_NAMES, type Settings } from "./schema/settings.js";
import { type ConfigSource, readConfigSource, type SourceOptions } from "./source.js";
import { locate, nodeAt } from "./toml/locations.js";
import { type ParsedToml, parseToml, type TomlValue } from "./toml/parse.js";
import { type Credentials, validateDocument } from "./validate.js";

export { type ConfigSource, MAX_CONFIG_BYTES, readConfigSource, type SourceOptions } from "./source.js";

export interface LoadedConfig {
  file: string;
  settings: Settings;
  context: PocketContext;
  warnings: Diagnostic[];
  /** Secrets read from the environment or .env: never print these. */
  credentials: Credentials;
}

export type LoadResult =
  | { ok: true; source: ConfigSource; config: LoadedConfig }
  | { ok: false; source?: ConfigSource; diagnostics: Diagnostic[] };

export interface ValidateAllResult {
  source?: ConfigSource;
  stages: string[];
  diagnostics: Diagnostic[];
}

interface Prepared {
  source: ConfigSource;
  parsed: ParsedToml;
  stages: string[];
  diagnostics: Diagnostic[];
  env: Record<string, string | undefined>;
}

/** Read, parse and check what must hold before any stage can be merged. */
function prepare(
  options: SourceOptions,
): { ok: true; prepared: Prepared } | { ok: false; source?: ConfigSource; diagnostics: Diagnostic[] } {
  const read = readConfigSource(options);
  if (!read.ok) return read;
  const { source } = read;
  const result = parseOnce(source);
  if (!result.ok) return { ok: false, source, diagnostics: [result.diagnostic] };
  const { parsed } = result;
  const diagnostics: Diagnostic[] = [];
  const place = (issue: Issue): Diagnostic => toDiagnostic(issue, source.file, parsed);
  diagnostics.push(...reservedKeyIssues(parsed.value).map(place));
  const general = parsed.value.general;
  const rawStages = isTable(general) ? general.stages : undefined;
  if (!isTable(general) || !Array.isArray(rawStages)) {
    // Section validation reports the precise problem; without stages nothing can be merged.
    const out = validateDocument({
      doc: parsed.value,
      stage: "",
      stages: [],
      directoryName: "",
      credential: () => undefined,
    });
    const missing = out.issues.filter((i) => i.path[0] === "general" || i.code === "missing-section");
    return { ok: false, source, diagnostics: (missing.length ? missing : out.issues).map(place) };
  }
  const stages = rawStages.filter((s): s is string => typeof s === "string");
  const seen = new Set<string>();
  rawStages.forEach((s, i) => {
    if (typeof s !== "string") return;
    const at = ["general", "stages", i];
    if (seen.has(s))
      diagnostics.push(place({ code: "stage-duplicate", message: `stage "${s}" is listed twice`, path: at }));
    seen.add(s);
    if ((SECTION_NAMES as readonly string[]).includes(s)) {
      diagnostics.push(
        place({
          code: "stage-name-reserved",
          message: `stage "${s}" has the name of a section`,
          path: at,
          hint: `Stage tables are written [${s}.x]; "${s}" would be ambiguous. Pick another name.`,
        }),
      );
    }
    const table = parsed.value[s];
    if (table !== undefined && !isTable(table)) {
      diagnostics.push(
        place({
          code: "stage-not-table",
          message: `top-level key "${s}" is a stage, so it must be a table like [${s}.awscontainer]`,
          path: [s],
        }),
      );
    }
  });
  return { ok: true, prepared: { source, parsed, stages, diagnostics, env: options.env ?? process.env } };
}

/**
 * The last file parsed, with its text: a command reads the stage names (listStages) and then
 * loads the stage (loadConfig) from one file, which is parsed once (bench/config-show.mjs).
 * Nothing changes a parsed document (each stage is merged into objects of its own, and every
 * stage of a file is merged from one parse already), so both calls may share it.
 */
let lastParse: { file: string; text: string; result: ReturnType<typeof parseToml> } | undefined;

function parseOnce(source: ConfigSource): ReturnType<typeof parseToml> {
  if (lastParse?.file !== source.file || lastParse.text !== source.text) {
    lastParse = { file: source.file, text: source.text, result: parseToml(source.text, source.file) };
  }
  return lastParse.result;
}

/**
 * Keys JavaScript objects treat specially. pocket.toml never needs them, and a user key (a
 * handler, an env var, a Django setting) spelled so would vanish or change an object's prototype
 * once it becomes an object key, so each is refused where it is written.
 */
const RESERVED_KEYS = new Set(["__proto__", "constructor", "prototype"]);

function reservedKeyIssues(value: TomlValue): Issue[] {
  const issues: Issue[] = [];
  // One path, extended and shortened while walking: the file's every key is visited.
  const path: PathSegment[] = [];
  const walk = (node: TomlValue) => {
    if (Array.isArray(node)) {
      node.forEach((item, i) => {
        path.push(i);
        walk(item);
        path.pop();
      });
    } else if (isTable(node)) {
      for (const key of Object.keys(node)) {
        path.push(key);
        if (RESERVED_KEYS.has(key)) {
          issues.push({
            code: "reserved-key",
            message: `"${key}" cannot be used as a key in pocket.toml`,
            path: [...path],
            hint: `"${key}" has a special meaning in JavaScript, where pocket reads the file; rename it.`,
          });
        }
        walk(node[key]!);
        path.pop();
      }
    }
  };
  walk(value);
  return issues;
}

function toDiagnostic(
  issue: Issue,
  file: string,
  parsed: { locations: ParsedToml["locations"] },
  stages?: string[],
): Diagnostic {
  const prefer = issue.code === "unknown-key" || issue.code === "missing-key" ? "key" : "value";
  return {
    severity: issue.severity ?? "error",
    code: issue.code,
    message: issue.message,
    path: formatPath(issue.path),
    file,
    position: locate(parsed.locations, issue.path, prefer),
    hint: issue.hint,
    stages,
  };
}

function credentialLookup(prepared: Prepared) {
  let dotenv: Map<string, string> | undefined;
  return (name: string) => {
    const fromEnv = prepared.env[name];
    if (fromEnv) return { value: fromEnv, source: "environment" as const };
    dotenv ??= readDotEnv(join(dirname(prepared.source.file), ".env"));
    const fromFile = dotenv.get(name);
    return fromFile ? { value: fromFile, source: ".env" as const } : undefined;
  };
}

interface StageRun {
  merged: MergedDocument;
  issues: Issue[];
  settings?: Settings;
  context?: PocketContext;
  credentials: Credentials;
}

/** `tables`: whose stage tables to merge (a preview stage takes its base's). */
function runStage(prepared: Prepared, stage: string, tables: string | undefined = stage): StageRun {
  const merged = mergeStage(prepared.parsed, tables, prepared.stages);
  const out = validateDocument({
    doc: merged.value,
    stage,
    stages: prepared.stages,
    directoryName: basename(dirname(prepared.source.file)),
    credential: credentialLookup(prepared),
  });
  const run: StageRun = { merged, issues: out.issues, settings: out.settings, credentials: out.credentials };
  if (out.settings) {
    const context = buildContext(out.settings);
    // A file in the original's current spelling gets that version's names (docs/decisions.md#d11-two-spellings-one-schema).
    const { head } = out.settings;
    // Another container's view: its own container, API routes and schedules.
    const contextOf = (view: HeadContainerView) =>
      buildContext({
        ...out.settings!,
        awscontainer: view.awscontainer,
        cloudfront: view.cloudfront,
        scheduler: view.scheduler,
      });
    run.context = head
      ? withAllowRules(withHeadNames(context, head, contextOf), head.wafExactPaths, head.wafHeaderRules)
      : context;
    const found = [
      ...nameIssues(run.context),
      ...storageSyncIssues(out.settings, run.context),
      ...environmentSizeIssues(run.context),
      ...extraResourceWarnings(run.context),
      ...lifecycleWarnings(run.context),
    ];
    if (!head) run.issues.push(...found);
    else {
      run.issues.push(...found.map((i) => inContainerSpelling(i, head.container)));
      // Every other container's names meet the same limits.
      for (const [name, c] of Object.entries(run.context.containers ?? {})) {
        if (name === head.container) continue;
        const ctx = { ...run.context, container: c, scheduler: run.context.containerSchedulers?.[name] };
        run.issues.push(...nameIssues(ctx).map((i) => inContainerSpelling(i, name)));
      }
    }
  }
  return run;
}

/** Load one stage: settings with defaults, the derived context, and every problem found. */
export function loadConfig(options: SourceOptions & { stage: string }): LoadResult {
  const p = prepare(options);
  if (!p.ok) return p;
  const { prepared } = p;
  const { source } = prepared;
  const diagnostics = [...prepared.diagnostics];
  const general = prepared.parsed.value.general as Record<string, unknown>;
  const kind = stageKind(general, prepared.stages, options.stage);
  if (kind.kind === "unknown" || kind.kind === "bad-preview-name") {
    diagnostics.push(stageRefused(prepared, options.stage, kind));
    return { ok: false, source, diagnostics };
  }
  const tables = kind.kind === "preview" ? kind.base : options.stage;
  const run = runStage(prepared, options.stage, tables);
  diagnostics.push(...run.issues.map((i) => toDiagnostic(i, source.file, run.merged)));
  // Tables of the other stages are still checked for shape (docs/decisions.md#d7-stage-merge).
  for (const other of prepared.stages) {
    if (other === tables || !isTable(prepared.parsed.value[other])) continue;
    diagnostics.push(...problemsInStageTables(prepared, other));
  }
  const errors = hasErrors(diagnostics);
  if (errors || !run.settings || !run.context) return { ok: false, source, diagnostics: dedupe(diagnostics) };
  return {
    ok: true,
    source,
    config: {
      file: source.file,
      settings: run.settings,
      context: run.context,
      warnings: dedupe(diagnostics),
      credentials: run.credentials,
    },
  };
}

/** A `--stage` that is neither listed nor a preview stage (docs/decisions.md#e19-preview-stages). */
function stageRefused(
  prepared: Prepared,
  stage: string,
  kind: Extract<StageKind, { kind: "unknown" | "bad-preview-name" }>,
): Diagnostic {
  const listed = prepared.stages.map((s) => JSON.stringify(s)).join(", ");
  const at = kind.kind === "unknown" ? ["general", "stages"] : ["general", "preview_stages"];
  const base = {
    severity: "error" as const,
    file: prepared.source.file,
    path: at.join("."),
    position: locate(prepared.parsed.locations, at, "value"),
  };
  if (kind.kind === "bad-preview-name") {
    return {
      ...base,
      code: "preview-stage-name",
      message: `preview stage "${stage}" matches general.preview_stages "${kind.pattern}" but is not a valid stage name`,
      hint: "Stage names are at most 128 lower case letters, digits, '.', '_' or '-', starting with a letter or digit.",
    };
  }
  const preview = kind.pattern ? ` nor matches general.preview_stages "${kind.pattern}"` : "";
  return {
    ...base,
    code: "unknown-stage",
    message: `stage "${stage}" is not in general.stages [${listed}]${preview}`,
    hint: kind.pattern
      ? `Pick one of the listed stages or a name like "${kind.pattern.replaceAll("*", "42")}", or add the new one to general.stages.`
      : "Pick one of the listed stages, or add the new one to general.stages.",
  };
}

function problemsInStageTables(prepared: Prepared, stage: string): Diagnostic[] {
  const run = runStage(prepared, stage);
  return run.issues
    .filter((i) => {
      const node = nodeAt(run.merged.locations, i.path) ?? deepest(run.merged, i.path);
      return node !== undefined && run.merged.stageNodes.has(node);
    })
    .map((i) => toDiagnostic(i, prepared.source.file, run.merged, [stage]));
}

function deepest(merged: MergedDocument, path: Issue["path"]) {
  for (let n = path.length; n >= 0; n--) {
    const node = nodeAt(merged.locations, path.slice(0, n));
    if (node) return node;
  }
  return undefined;
}

/** Validate every stage (`pocket config validate` without --stage). */
export function validateAllStages(options: SourceOptions): ValidateAllResult {
  const p = prepare(options);
  if (!p.ok) return { source: p.source, stages: [], diagnostics: p.diagnostics };
  const { prepared } = p;
  const byKey = new Map<string, Diagnostic>();
  const order: string[] = [];
  for (const d of prepared.diagnostics) {
    byKey.set(key(d), d);
    order.push(key(d));
  }
  const perStage = new Map<string, Set<string>>();
  for (const stage of prepared.stages) {
    const run = runStage(prepared, stage);
    for (const issue of run.issues) {
      const d = toDiagnostic(issue, prepared.source.file, run.merged);
      const k = key(d);
      if (!byKey.has(k)) {
        byKey.set(k, d);
        order.push(k);
      }
      if (!perStage.has(k)) perStage.set(k, new Set());
      perStage.get(k)!.add(stage);
    }
  }
  const diagnostics = order.map((k) => {
    const d = byKey.get(k)!;
    const stages = perStage.get(k);
    return stages && stages.size < prepared.stages.length ? { ...d, stages: [...stages] } : d;
  });
  return { source: prepared.source, stages: prepared.stages, diagnostics };
}

function key(d: Diagnostic): string {
  return `${d.code}|${d.path}|${d.position?.line}:${d.position?.column}|${d.message}`;
}

function dedupe(list: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return list.filter((d) => {
    const k = key(d);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** `general.preview_stages` of a pocket.toml, if it sets one, without validating the rest. */
export function listPreviewPattern(options: SourceOptions): string | undefined {
  const p = prepare(options);
  const general = p.ok ? p.prepared.parsed.value.general : undefined;
  const pattern = isTable(general) ? general.preview_stages : undefined;
  return typeof pattern === "string" ? pattern : undefined;
}

/** The stage names of a pocket.toml without validating the rest (for prompts and errors). */
export function listStages(options: SourceOptions): string[] {
  const p = prepare(options);
  return p.ok ? p.prepared.stages : [];
}
