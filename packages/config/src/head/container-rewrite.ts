import { isTable } from "../merge.js";
import { storedUrlSuffix } from "../schema/secrets.js";
import { newTable, type TomlTable } from "../toml/parse.js";
import { type AutoDatabase, autoDatabaseType } from "./auto-database.js";
import { without } from "./renamed.js";

/** What the rewrite needs from outside the file: names are formatted for the stage being read. */
export interface RewriteEnv {
  stage: string;
  /** The folder of pocket.toml: the project name when `general.project_name` is absent. */
  directoryName: string;
}

/**
 * The container table. The original builds on CodeBuild unless told otherwise; `shared` moves a
 * managed secret to the project's key (collected in `shared`); `rds_database_url` is what [rds]
 * does anyway; `auto_database_url` is the URL of the stage's one database (auto-database.ts).
 */
export function rewriteContainer(
  c: TomlTable,
  name: string,
  shared: string[],
  hasRds: boolean,
  format: (t: string) => string,
  autoDatabase?: AutoDatabase,
): TomlTable {
  const out = without(c, "ecr_name");
  if (!Object.hasOwn(c, "build")) out.build = "codebuild";
  if (isTable(c.secrets)) {
    const secrets = without(c.secrets);
    if (isTable(c.secrets.managed)) {
      const managed = newTable();
      for (const [key, written] of Object.entries(c.secrets.managed)) {
        const auto = isTable(written) && written.type === "auto_database_url";
        // Without one database the front door reports it (autoDatabaseIssues): nothing to rewrite.
        if (auto && !autoDatabase) continue;
        const spec = auto && autoDatabase ? { ...written, type: autoDatabaseType(autoDatabase) } : written;
        if (!isTable(spec)) {
          managed[key] = spec;
          continue;
        }
        // [rds] hands DATABASE_URL to the runtime itself (built from the cluster's secret).
        if (spec.type === "rds_database_url" && hasRds && key === "DATABASE_URL") continue;
        if (spec.shared === true) shared.push(key);
        managed[key] = without(spec, "shared");
      }
      secrets.managed = managed;
    }
    // Managed secrets live in the container's store unless every one is shared; with a mix, the
    // shared ones are in the shared store beside it (shared-store.ts).
    const stored = isTable(secrets.managed) ? Object.keys(secrets.managed).length : 0;
    if (!Object.hasOwn(c.secrets, "pocket_key_format") && (shared.length === 0 || shared.length < stored)) {
      secrets.pocket_key_format = `{stage}-{project}-${name}-{namespace}`;
    }
    if (isTable(c.secrets.user)) {
      const user = newTable();
      for (const [key, spec] of Object.entries(c.secrets.user)) {
        const stored =
          isTable(spec) && STORED_TYPES.includes(String(spec.type)) && !Object.hasOwn(spec, "name");
        const named = stored ? storedUrl(spec as TomlTable, c.secrets) : spec;
        user[key] =
          isTable(named) && typeof named.name === "string" ? { ...named, name: format(named.name) } : named;
      }
      secrets.user = user;
    }
    out.secrets = secrets;
  }
  return out;
}

/** `{stage}`, `{project}` and `{namespace}` in a user secret's name (the original formats them). */
export function formatter(doc: TomlTable, env: RewriteEnv): (t: string) => string {
  const general = isTable(doc.general) ? doc.general : {};
  const values: Record<string, string> = {
    stage: env.stage,
    project: typeof general.project_name === "string" ? general.project_name : env.directoryName,
    namespace: typeof general.namespace === "string" ? general.namespace : "pocket",
  };
  return (t) => t.replace(/\{(stage|project|namespace)\}/g, (_, k: string) => values[k]!);
}

/**
 * A user secret of a database-URL `type` (the original's "stored mode"): a secret provisioned
 * before deploy under a name derived from the type, `/{pocket_key}-user/{type}` in SSM or
 * `{pocket_key}-user/{type}` in Secrets Manager, with the project's key.
 */
function storedUrl(spec: TomlTable, secrets: TomlTable): TomlTable {
  const out = without(spec, "type");
  const store = (spec.store ?? secrets.store) === "ssm" ? "/" : "";
  const key =
    typeof secrets.pocket_key_format === "string"
      ? secrets.pocket_key_format
      : "{stage}-{project}-{namespace}";
  out.name = `${store}${key}${storedUrlSuffix(String(spec.type))}`;
  return out;
}

/**
 * The `type`s a user secret may have (anything else, or `type` beside `name`, stays in the table
 * to be reported as written).
 */
const STORED_TYPES = ["neon_database_url", "tidb_database_url", "upstash_redis_url"];
