import type * as z from "zod";
import type { Issue, PathSegment } from "./diagnostics.js";
import { isTable } from "./merge.js";
import { crossSectionIssues, type PartialSettings } from "./rules/cross.js";
import { djangoSchema } from "./schema/django.js";
import { fromZodIssue } from "./schema/issues.js";
import {
  DISTRIBUTION_SCHEMA,
  SECTION_NAMES,
  SECTION_SCHEMAS,
  type SecretSource,
  type Settings,
} from "./schema/settings.js";
import { closest } from "./suggest.js";
import type { TomlTable } from "./toml/parse.js";

export interface ValidationInput {
  /** The stage-merged document (stage tables removed). */
  doc: TomlTable;
  stage: string;
  stages: readonly string[];
  /** Name of the folder that holds pocket.toml: the default project name (DECISIONS 4). */
  directoryName: string;
  /** Looks up NEON_API_KEY / TIDB_* in the environment, then in .env (DECISIONS 3). */
  credential: (name: string) => { value: string; source: SecretSource } | undefined;
}

export interface ValidationOutput {
  issues: Issue[];
  settings?: Settings;
  credentials: Credentials;
}

/** Values read from the environment or .env that must never be printed. */
export interface Credentials {
  neonApiKey?: string;
  tidbPublicKey?: string;
  tidbPrivateKey?: string;
}

function parseSection<T>(
  schema: z.core.$ZodType,
  value: unknown,
  path: PathSegment[],
  issues: Issue[],
): T | "failed" {
  const result = (schema as z.ZodType).safeParse(value, { reportInput: true });
  if (result.success) return result.data as T;
  issues.push(...result.error.issues.flatMap((i) => fromZodIssue(i, schema, path)));
  return "failed";
}

const KEY_IN_FILE_HINT =
  "pocket.toml is usually committed with your code; put the key in the environment or in .env instead.";

export function validateDocument(input: ValidationInput): ValidationOutput {
  const { doc, stage } = input;
  const issues: Issue[] = [];
  const credentials: Credentials = {};

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

  const partial: PartialSettings = {
    general: undefined,
    vpc: undefined,
    s3: undefined,
    neon: undefined,
    tidb: undefined,
    rds: undefined,
    awscontainer: undefined,
    cloudfront: {},
  };
  const sections = partial as unknown as Record<string, unknown>;
  for (const [name, schema] of Object.entries(SECTION_SCHEMAS)) {
    if (!Object.hasOwn(doc, name)) continue;
    sections[name] = parseSection(schema, doc[name], [name], issues);
  }
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
      partial.cloudfront[name] = parseSection(DISTRIBUTION_SCHEMA, value, ["cloudfront", name], issues);
    }
  }

  // use_vpc (seed: absent = auto, true = required, false = off).
  const vpcDefined = partial.vpc !== undefined;
  for (const name of ["awscontainer", "rds"] as const) {
    const section = partial[name];
    if (section === undefined || section === "failed") continue;
    const wanted = (section as { useVpc?: boolean }).useVpc;
    if (wanted === true && !vpcDefined) {
      issues.push({
        code: "use-vpc-without-vpc",
        message: `${name}.use_vpc = true, but there is no [vpc] table`,
        path: [name, "use_vpc"],
        hint: 'Add [vpc] with ref = "main" and zone_suffixes, or remove use_vpc.',
      });
    }
    (section as { useVpc: boolean }).useVpc = wanted ?? vpcDefined;
  }

  if (partial.general !== undefined && partial.general !== "failed") {
    const g = partial.general as unknown as Record<string, unknown>;
    g.projectNameSource = g.projectName === undefined ? "directory" : "pocket.toml";
    g.projectName ??= input.directoryName;
    g.djangoFallback ??= djangoSchema.parse({});
  }
  const neon = partial.neon;
  if (neon !== undefined && neon !== "failed") {
    const inFile = (neon as { neonApiKey?: string }).neonApiKey;
    const found = inFile
      ? { value: inFile, source: "pocket.toml" as const }
      : input.credential("NEON_API_KEY");
    delete (neon as { neonApiKey?: string }).neonApiKey;
    if (inFile) {
      issues.push({
        severity: "warning",
        code: "api-key-in-file",
        message: "the Neon API key is written in pocket.toml",
        path: ["neon", "neon_api_key"],
        hint: `${KEY_IN_FILE_HINT} (NEON_API_KEY)`,
      });
    }
    if (found) {
      credentials.neonApiKey = found.value;
      neon.apiKeySource = found.source;
    }
  }
  const tidb = partial.tidb;
  if (tidb !== undefined && tidb !== "failed") {
    for (const [field, env, cred, src] of [
      ["tidbPublicKey", "TIDB_PUBLIC_KEY", "tidbPublicKey", "publicKeySource"],
      ["tidbPrivateKey", "TIDB_PRIVATE_KEY", "tidbPrivateKey", "privateKeySource"],
    ] as const) {
      const t = tidb as unknown as Record<string, string | undefined>;
      const inFile = t[field];
      const found = inFile ? { value: inFile, source: "pocket.toml" as const } : input.credential(env);
      delete t[field];
      if (inFile) {
        const key = field === "tidbPublicKey" ? "tidb_public_key" : "tidb_private_key";
        issues.push({
          severity: "warning",
          code: "api-key-in-file",
          message: "a TiDB API key is written in pocket.toml",
          path: ["tidb", key],
          hint: `${KEY_IN_FILE_HINT} (${env})`,
        });
      }
      if (found) {
        credentials[cred] = found.value;
        t[src] = found.source;
      }
    }
  }

  issues.push(...crossSectionIssues(partial));

  if (issues.some((i) => i.severity !== "warning")) return { issues, credentials };
  const settings = { ...partial, stage } as unknown as Settings;
  for (const key of Object.keys(settings) as (keyof Settings)[]) {
    if (settings[key] === undefined) delete settings[key];
  }
  return { issues, settings, credentials };
}
