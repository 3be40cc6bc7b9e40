import type * as z from "zod/mini";
import type { Issue, PathSegment } from "./diagnostics.js";
import { isTable } from "./merge.js";
import { type CheckedSettings, crossSectionIssues, ok } from "./rules/cross.js";
import { fromZodIssue } from "./schema/issues.js";
import {
  type Credentials,
  distributionSchema,
  SECTION_NAMES,
  type SecretSource,
  type SectionEnv,
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

export function validateDocument(input: ValidationInput): ValidationOutput {
  const { doc, stage } = input;
  const issues: Issue[] = [];

  for (const key of Object.keys(doc)) {
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

  const env: SectionEnv = {
    directoryName: input.directoryName,
    vpcDefined: Object.hasOwn(doc, "vpc"),
    credential: input.credential,
    credentials: {},
    warnings: [],
  };
  const schemas = sectionSchemas(env);
  // A section's schema is read (and so built) only when the file has the section.
  const section = <S extends z.ZodMiniType>(name: keyof typeof schemas, schema: () => S) =>
    Object.hasOwn(doc, name) ? parseSection(schema(), doc[name], [name], issues) : undefined;
  const checked: CheckedSettings = {
    general: section("general", () => schemas.general),
    vpc: section("vpc", () => schemas.vpc),
    s3: section("s3", () => schemas.s3),
    neon: section("neon", () => schemas.neon),
    tidb: section("tidb", () => schemas.tidb),
    rds: section("rds", () => schemas.rds),
    awscontainer: section("awscontainer", () => schemas.awscontainer),
    ses: section("ses", () => schemas.ses),
    scheduler: section("scheduler", () => schemas.scheduler),
    cloudfront: {},
  };
  issues.push(...env.warnings);
  if (!Object.hasOwn(doc, "general")) {
    issues.push({
      code: "missing-section",
      message: "pocket.toml needs a [general] table",
      path: [],
      hint: '[general]\nregion = "ap-northeast-1"\nstages = ["dev", "prd"]',
    });
  }

  const cloudfront = Object.hasOwn(doc, "cloudfront") ? doc.cloudfront : undefined;
  if (cloudfront !== undefined && !isTable(cloudfront)) {
    issues.push({
      code: "invalid-type",
      message: "cloudfront must be a table of named distributions",
      path: ["cloudfront"],
      hint: "Write [cloudfront.main] (one table per distribution).",
    });
  } else if (cloudfront) {
    for (const [name, value] of Object.entries(cloudfront)) {
      if (!isTable(value)) {
        issues.push({
          code: "invalid-type",
          message: `cloudfront.${name} must be a table`,
          path: ["cloudfront", name],
          hint: `Distributions are named tables: [cloudfront.main] with routes = [...]. "${name}" looks like a distribution setting written one level too high.`,
        });
        continue;
      }
      checked.cloudfront[name] = parseSection(distributionSchema(), value, ["cloudfront", name], issues);
    }
  }

  issues.push(...crossSectionIssues(checked));

  const { general } = checked;
  if (issues.some((i) => i.severity !== "warning") || !ok(general)) {
    return { issues, credentials: env.credentials };
  }
  const distributions: Settings["cloudfront"] = {};
  for (const [name, d] of Object.entries(checked.cloudfront)) if (d !== "failed") distributions[name] = d;
  const settings: Settings = { stage, general, cloudfront: distributions };
  if (ok(checked.vpc)) settings.vpc = checked.vpc;
  if (ok(checked.s3)) settings.s3 = checked.s3;
  if (ok(checked.neon)) settings.neon = checked.neon;
  if (ok(checked.tidb)) settings.tidb = checked.tidb;
  if (ok(checked.rds)) settings.rds = checked.rds;
  if (ok(checked.awscontainer)) settings.awscontainer = checked.awscontainer;
  if (ok(checked.ses)) settings.ses = checked.ses;
  if (ok(checked.scheduler)) settings.scheduler = checked.scheduler;
  return { issues, settings, credentials: env.credentials };
}
