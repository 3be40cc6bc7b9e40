import type { ManagedSecretContext, SecretsContext } from "@magic-pocket/config";
import { CliError } from "../../errors.js";
import type { Change, DeployReport, Resource, RunContext } from "../resource.js";
import { type ManagedSecretStore, managedSecretStore } from "./store.js";
import { generateSecret, type SecretValues } from "./values.js";

/**
 * The stage's managed secrets (`[awscontainer.secrets.managed]`). Deploy only adds values that
 * are missing; an existing value is never regenerated, so redeploys never rotate keys by accident.
 */
export function secretsResource(secrets: SecretsContext, id = "secrets"): Resource {
  const storeOf = (run: RunContext): ManagedSecretStore =>
    managedSecretStore(run.aws(secrets.region), secrets, run.ctx.stage, run.ctx.project, {
      immediate: run.ctx.preview !== undefined,
    });
  const where =
    secrets.store === "sm" ? `Secrets Manager secret ${secrets.pocketKey}` : `SSM path ${secrets.ssmPath}`;

  const missing = (stored: SecretValues) =>
    Object.entries(secrets.managed).filter(([name]) => stored[name] === undefined);

  return {
    id,
    title: `managed secrets (${where})`,
    group: "awscontainer",
    dependsOn: ["neon", "tidb", "upstash"],
    keep: { unless: "withSecrets" },
    async status(run) {
      const stored = await storeOf(run).read();
      const absent = missing(stored).map(([n]) => n);
      if (absent.length === 0)
        return { state: "in-sync", detail: `${Object.keys(secrets.managed).length} values` };
      if (Object.keys(stored).length === 0) return { state: "missing" };
      return { state: "needs-update", detail: `missing ${absent.join(", ")}` };
    },
    async plan(run) {
      const stored = await storeOf(run).read();
      return missing(stored).map(
        ([name, spec]): Change => ({ action: "create", target: `secret ${name}`, detail: spec.type }),
      );
    },
    async deploy(run, progress) {
      const store = storeOf(run);
      const stored = await store.read();
      for (const name of Object.keys(stored)) {
        if (!secrets.managed[name]) {
          progress.log(
            `stored secret ${name} is no longer in pocket.toml; kept (delete it by hand if unused)`,
          );
        }
      }
      const added: string[] = [];
      const next: SecretValues = { ...stored };
      for (const [name, spec] of missing(stored)) {
        next[name] = valueFor(name, spec, run);
        added.push(name);
      }
      if (added.length === 0) return { changed: false, summary: "no changes" };
      // One write with every value: a failure above leaves the store untouched.
      await store.write(next);
      return { changed: true, summary: `added ${added.join(", ")}` };
    },
    async destroy(run): Promise<DeployReport> {
      const removed = await storeOf(run).remove();
      return { changed: removed, summary: removed ? "deleted" : "already absent" };
    },
  };
}

/** The managed secrets whose value a database resource's deploy outputs (never generated here). */
const VALUE_SOURCES = {
  neon_database_url: { resource: "neon", output: "databaseUrl" },
  tidb_database_url: { resource: "tidb", output: "databaseUrl" },
  upstash_redis_url: { resource: "upstash", output: "redisUrl" },
} as const;

function valueFor(
  name: string,
  spec: ManagedSecretContext,
  run: RunContext,
): string | { pem: string; pub: string } {
  const source = VALUE_SOURCES[spec.type as keyof typeof VALUE_SOURCES];
  if (source) {
    const url = run.outputs.get(source.resource)?.[source.output];
    if (!url) {
      throw new CliError(
        "secret-source-missing",
        `${name} (${spec.type}) is filled from the ${source.resource} database, which was not deployed in this run.`,
        { hint: "Run `pocket deploy` for this stage: it deploys the database first." },
      );
    }
    return url;
  }
  return generateSecret(spec, { password: run.credentials.basicAuthPasswords?.[name] });
}
