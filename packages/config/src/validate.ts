import type * as z from "zod/mini";
import type { Issue, PathSegment } from "./diagnostics.js";
import { validateHeadSpelling } from "./head/front-door.js";
import { spellingOf } from "./head/spelling.js";
import { type NamedTablesSection, namedTables } from "./named-tables.js";
import { type CheckedSettings, crossSectionIssues, ok } from "./rules/cross.js";
import { apiDefaultRouteIssues } from "./schema/cloudfront.js";
import { fromZodIssue } from "./schema/issues.js";
import {
  type Credentials,
  distributionSchema,
  SECTION_NAMES,
  type SecretSource,
  type SectionEnv,
  type SectionName,
  type Settings,
  sectionSchemas,
} from "./schema/settings.js";
import { closest } from "./suggest.js";
import type { TomlTable } from "./toml/parse.js";

export type { Credentials };

export interface ValidationInput {
  /** The stage-merged document (stage tables removed). */
  doc: TomlTable;
  stage: string;
  stages: readonly string[];
  /**
   * Name of the folder that holds pocket.toml: the default project name
   * (docs/decisions.md#d4-project-root-and-name).
   */
  directoryName: string;
  /**
   * Looks up NEON_API_KEY / TIDB_* in the environment, then in .env
   * (docs/decisions.md#d3-only-documented-environment-variables).
   */
  credential: (name: string) => { value: string; source: SecretSource } | undefined;
}

export interface ValidationOutput {
  issues: Issue[];
  settings?: Settings;
  credentials: Credentials;
}

function parseSection<S extends z.ZodMiniType>(
  schema: S,
  value: unknown,
  path: PathSegment[],
  issues: Issue[],
): z.output<S> | "failed" {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  issues.push(...result.error.issues.flatMap((i) => fromZodIssue(i, schema, path)));
  return "failed";
}

/**
 * Two front doors, one schema (docs/decisions.md#d11-two-spellings-one-schema): a file in the
 * original's current spelling is rewritten into the seed's and validated by the same schemas.
 */
export function validateDocument(input: ValidationInput): ValidationOutput {
  const read = spellingOf(input.doc);
  if ("mixed" in read) return { issues: [read.mixed], credentials: {} };
  if (read.spelling === "head") return validateHeadSpelling(input, validateSeedSpelling);
  const out = validateSeedSpelling(input);
  const seedOnly = apiDefaultRouteIssues(input.doc);
  return seedOnly.length > 0 ? { issues: [...out.issues, ...seedOnly], credentials: out.credentials } : out;
}

function validateSeedSpelling(input: ValidationInput): ValidationOutput {
  const { doc, stage } = input;
  const issues = unknownSections(input);
  const env: SectionEnv = {
    directoryName: input.directoryName,
    vpcDefined: Object.hasOwn(doc, "vpc"),
    credential: input.credential,
    credentials: {},
    warnings: [],
  };
  const checked = checkSections(doc, env, issues);
  issues.push(...env.warnings);
  if (!Object.hasOwn(doc, "general")) issues.push(missingGeneral());
  checked.cloudfront = checkDistributions(doc, issues);
  issues.push(...crossSectionIssues(checked));

  const { general } = checked;
  if (issues.some((i) => i.severity !== "warning") || !ok(general)) {
    return { issues, credentials: env.credentials };
  }
  return { issues, settings: toSettings(checked, general, stage), credentials: env.credentials };
}

/** The sections that are one table each, in the order they are validated (`cloudfront` is a table of tables). */
const TABLE_SECTIONS = SECTION_NAMES.filter((name): name is SectionName => name !== "cloudfront");

const missingGeneral = (): Issue => ({
  code: "missing-section",
  message: "pocket.toml needs a [general] table",
  path: [],
  hint: '[general]\nregion = "ap-northeast-1"\nstages = ["dev", "prd"]',
});

function unknownSections(input: ValidationInput): Issue[] {
  const issues: Issue[] = [];
  for (const key of Object.keys(input.doc)) {
    if ((SECTION_NAMES as readonly string[]).includes(key)) continue;
    const guess = closest(key, [...SECTION_NAMES, ...input.stages]);
    issues.push({
      code: "unknown-key",
      message: `unknown top-level key "${key}"`,
      path: [key],
      hint: guess
        ? `Did you mean "${guess}"?`
        : `Sections are ${SECTION_NAMES.join(", ")}. If "${key}" is a stage, add it to general.stages.`,
    });
  }
  return issues;
}

/** Each table section on its own, so one broken section does not hide the others. */
function checkSections(doc: TomlTable, env: SectionEnv, issues: Issue[]): CheckedSettings {
  const schemas = sectionSchemas(env);
  // Keyed by a name from the list, so the value's type is the union of the sections'.
  const checked: Record<string, unknown> = {};
  for (const name of TABLE_SECTIONS) {
    // A section's schema is read (and so built) only when the file has the section.
    checked[name] = Object.hasOwn(doc, name)
      ? parseSection(schemas[name], doc[name], [name], issues)
      : undefined;
  }
  checked.cloudfront = {};
  return checked as CheckedSettings;
}

const DISTRIBUTIONS: NamedTablesSection = {
  key: "cloudfront",
  what: "distribution",
  example: "[cloudfront.main] with routes = [...]",
  hint: "Write [cloudfront.main] (one table per distribution).",
};

function checkDistributions(doc: TomlTable, issues: Issue[]): CheckedSettings["cloudfront"] {
  const distributions: CheckedSettings["cloudfront"] = {};
  const cloudfront = Object.hasOwn(doc, "cloudfront") ? doc.cloudfront : undefined;
  if (cloudfront === undefined) return distributions;
  for (const [name, value] of namedTables(cloudfront, DISTRIBUTIONS, issues))
    distributions[name] = parseSection(distributionSchema(), value, ["cloudfront", name], issues);
  return distributions;
}

/** The sections that validated, in `Settings`' key order (`pocket config show` prints it). */
function toSettings(checked: CheckedSettings, general: Settings["general"], stage: string): Settings {
  const distributions: Settings["cloudfront"] = {};
  for (const [name, d] of Object.entries(checked.cloudfront)) if (d !== "failed") distributions[name] = d;
  const settings: Settings = { stage, general, cloudfront: distributions };
  for (const name of TABLE_SECTIONS) {
    const value = checked[name];
    if (name !== "general" && ok(value)) (settings as Record<string, unknown>)[name] = value;
  }
  return settings;
}
