import * as z from "zod/mini";
import type { Issue } from "../diagnostics.js";
import type { HeadFacts } from "../head/facts.js";
import { alarmsSchema } from "./alarms.js";
import { awscontainerSchema } from "./awscontainer.js";
import { backupSchema } from "./backup.js";
import { fail } from "./base.js";
import { distributionSchema } from "./cloudfront.js";
import { neonSchema, rdsSchema, tidbSchema, upstashSchema } from "./databases.js";
import { dsqlSchema } from "./dsql.js";
import { generalSchema, s3Schema } from "./general.js";
import { schedulerSchema } from "./scheduler.js";
import type { ManagedSecretSettings } from "./secrets.js";
import { sesSchema } from "./ses.js";
import { vpcSchema } from "./vpc.js";

/** Where an API key was found (its value is never part of settings shown to users). */
export type SecretSource = "environment" | ".env" | "pocket.toml";

/** Values read from the environment or .env that must never be printed. */
export interface Credentials {
  neonApiKey?: string;
  tidbPublicKey?: string;
  tidbPrivateKey?: string;
  upstashEmail?: string;
  upstashApiKey?: string;
  /** Managed secret name → the password a `basic_auth_credential` has in pocket.toml. */
  basicAuthPasswords?: Record<string, string>;
}

/**
 * What a section's schema needs to know beyond its own table: the folder name (the default
 * project name), whether the file has a [vpc], and where API keys come from. The transforms
 * that use it write found API keys into `credentials` and their warnings into `warnings`
 * (warnings are not zod issues: a zod issue fails the section).
 */
export interface SectionEnv {
  directoryName: string;
  vpcDefined: boolean;
  credential: (name: string) => { value: string; source: SecretSource } | undefined;
  credentials: Credentials;
  warnings: Issue[];
}

const KEY_IN_FILE_HINT =
  "pocket.toml is usually committed with your code; put the key in the environment or in .env instead.";

/** An API key written in the file wins over the environment, with a warning (it is usually committed). */
function apiKey(
  env: SectionEnv,
  inFile: string | undefined,
  variable: string,
  path: Issue["path"],
  what: string,
): { value: string; source: SecretSource } | undefined {
  if (inFile) {
    env.warnings.push({
      severity: "warning",
      code: "api-key-in-file",
      message: `${what} is written in pocket.toml`,
      path,
      hint: `${KEY_IN_FILE_HINT} (${variable})`,
    });
    return { value: inFile, source: "pocket.toml" };
  }
  return env.credential(variable);
}

/**
 * `use_vpc` (seed: absent = auto, true = required, false = off). The check runs after the value
 * is filled in, where `true` without a [vpc] can only have been written in the file.
 */
function resolveUseVpc<S extends z.ZodMiniType<{ useVpc?: boolean }>>(
  schema: S,
  section: "awscontainer" | "rds",
  env: SectionEnv,
) {
  return then(schema, (value) => ({ ...value, useVpc: value.useVpc ?? env.vpcDefined })).check(
    z.superRefine((value, ctx) => {
      if (value.useVpc === true && !env.vpcDefined) {
        fail(
          ctx,
          "use-vpc-without-vpc",
          `${section}.use_vpc = true, but there is no [vpc] table`,
          ["use_vpc"],
          'Add [vpc] with ref = "main" and zone_suffixes, or remove use_vpc.',
        );
      }
    }),
  );
}

/**
 * A `basic_auth_credential` password written in pocket.toml moves to the credentials (which are
 * never printed), so `pocket config show` cannot show it; the file gets a warning.
 */
function withoutPasswords<T extends { secrets?: { managed: Record<string, ManagedSecretSettings> } }>(
  c: T,
  env: SectionEnv,
): T {
  if (!c.secrets) return c;
  const managed: Record<string, ManagedSecretSettings> = {};
  for (const [name, spec] of Object.entries(c.secrets.managed)) {
    if (spec.type !== "basic_auth_credential" || spec.options.password === undefined) {
      managed[name] = spec;
      continue;
    }
    env.credentials.basicAuthPasswords ??= {};
    env.credentials.basicAuthPasswords[name] = spec.options.password;
    env.warnings.push({
      severity: "warning",
      code: "password-in-file",
      message: `the basic auth password of ${name} is written in pocket.toml`,
      path: ["awscontainer", "secrets", "managed", name, "options", "password"],
      hint: "pocket.toml is usually committed with your code; leave password out and pocket generates one (`pocket resource cloudfront credentials --show-password` prints it).",
    });
    managed[name] = { ...spec, options: { username: spec.options.username } };
  }
  return { ...c, secrets: { ...c.secrets, managed } };
}

/**
 * One schema per top-level section; each is validated on its own so one broken section does not
 * hide the others. The section tables' own schemas are built once, when a file first has the
 * section (each is a getter); the transforms here add what depends on the rest of the file or on
 * the environment.
 */
export function sectionSchemas(env: SectionEnv) {
  return {
    get general() {
      return then(generalSchema(), ({ projectName, ...g }) => ({
        ...g,
        projectName: projectName ?? env.directoryName,
        /** Where projectName came from: the file, or the name of the folder that holds pocket.toml. */
        projectNameSource: projectName === undefined ? ("directory" as const) : ("pocket.toml" as const),
      }));
    },
    get vpc() {
      return vpcSchema();
    },
    get s3() {
      return s3Schema();
    },
    get neon() {
      return then(neonSchema(), ({ neonApiKey, ...n }) => {
        const found = apiKey(env, neonApiKey, "NEON_API_KEY", ["neon", "neon_api_key"], "the Neon API key");
        if (found) env.credentials.neonApiKey = found.value;
        return { ...n, apiKeySource: found?.source };
      });
    },
    get tidb() {
      return then(tidbSchema(), ({ tidbPublicKey, tidbPrivateKey, ...t }) => {
        const what = "a TiDB API key";
        const pub = apiKey(env, tidbPublicKey, "TIDB_PUBLIC_KEY", ["tidb", "tidb_public_key"], what);
        const priv = apiKey(env, tidbPrivateKey, "TIDB_PRIVATE_KEY", ["tidb", "tidb_private_key"], what);
        if (pub) env.credentials.tidbPublicKey = pub.value;
        if (priv) env.credentials.tidbPrivateKey = priv.value;
        return { ...t, publicKeySource: pub?.source, privateKeySource: priv?.source };
      });
    },
    get upstash() {
      return then(upstashSchema(), (u) => {
        const email = env.credential("UPSTASH_EMAIL");
        const key = env.credential("UPSTASH_API_KEY");
        if (email) env.credentials.upstashEmail = email.value;
        if (key) env.credentials.upstashApiKey = key.value;
        return { ...u, apiKeySource: key?.source };
      });
    },
    get rds() {
      return resolveUseVpc(rdsSchema(), "rds", env);
    },
    get dsql() {
      return dsqlSchema();
    },
    get awscontainer() {
      return then(resolveUseVpc(awscontainerSchema(), "awscontainer", env), (c) => withoutPasswords(c, env));
    },
    get ses() {
      return sesSchema();
    },
    get scheduler() {
      return schedulerSchema();
    },
    get alarms() {
      return alarmsSchema();
    },
    get backup() {
      return backupSchema();
    },
  };
}

/** `schema`, then `transform` on its output (zod/mini's spelling of classic zod's `.transform`). */
function then<S extends z.ZodMiniType, T>(schema: S, transform: (value: z.output<S>) => T) {
  return z.pipe(schema, z.transform(transform));
}

type Sections = ReturnType<typeof sectionSchemas>;
export type SectionName = keyof Sections;
export type SectionSettings<K extends SectionName> = z.output<Sections[K]>;

export const SECTION_NAMES = [
  "general",
  "vpc",
  "s3",
  "neon",
  "tidb",
  "upstash",
  "rds",
  "dsql",
  "awscontainer",
  "ses",
  "scheduler",
  "alarms",
  "backup",
  "cloudfront",
] as const satisfies readonly (SectionName | "cloudfront")[];

export { distributionSchema };

// A section's settings after this file's transforms are `SectionSettings<"rds">`: one generic
// rather than an alias a section, whose names would shadow the schema files' own `RdsSettings`
// (the table as written, before the transforms above). AwsContainerSettings stays, as
// context/container.ts names it.
export type AwsContainerSettings = SectionSettings<"awscontainer">;
export type DistributionSettings = z.output<ReturnType<typeof distributionSchema>>;
export type { DjangoSettings } from "./django.js";

/** The validated, stage-merged configuration with every default filled in. */
export type Settings = {
  stage: string;
  general: SectionSettings<"general">;
  cloudfront: Record<string, DistributionSettings>;
  /** Set when the file uses the original's current spelling (`[container.<name>]`). */
  head?: HeadFacts;
} & { [K in Exclude<SectionName, "general">]?: SectionSettings<K> };
