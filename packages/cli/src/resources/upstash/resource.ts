import type { UpstashContext } from "@magic-pocket/config";
import { CliError } from "../../errors.js";
import { type VendorKeyHelp, vendorKeys } from "../../util/vendor-fetch.js";
import type { DeployReport, Progress, Resource, RunContext } from "../resource.js";
import { vendorDatabaseResource } from "../vendor-database.js";
import { UpstashApi, type UpstashDatabase } from "./api.js";

const UPSTASH_KEYS: VendorKeyHelp = {
  code: "upstash-key-missing",
  message: "[upstash] is configured but UPSTASH_EMAIL or UPSTASH_API_KEY is not set.",
  create: "Create a management API key in Upstash Console > Account > Management API",
  variables: ["UPSTASH_EMAIL", "UPSTASH_API_KEY"],
};

/** The Upstash API client for the stage's credentials, or the error that says where they go. */
export function upstashApi(run: Pick<RunContext, "credentials" | "vendorEndpoints">): UpstashApi {
  const { upstashEmail, upstashApiKey } = run.credentials;
  const [email, apiKey] = vendorKeys([upstashEmail, upstashApiKey], UPSTASH_KEYS);
  return new UpstashApi({ email, apiKey, baseUrl: run.vendorEndpoints.upstashApi });
}

/**
 * The stage's Upstash Redis database, `{project}-{stage}` in Singapore (the original's names and
 * region). Its output `redisUrl` fills `upstash_redis_url` managed secrets and is never printed;
 * reading it again gives the same URL, so a redeploy changes nothing.
 */
export function upstashResource(upstash: UpstashContext): Resource {
  return vendorDatabaseResource("upstash", {
    title: `Upstash Redis database ${upstash.databaseName}`,
    status: async (run) => {
      const db = await upstashApi(run).findDatabase(upstash.databaseName);
      if (!db) return { state: "missing" };
      return db.budget !== undefined && db.budget !== upstash.budget
        ? { state: "needs-update", detail: `budget $${db.budget}, pocket.toml says $${upstash.budget}` }
        : { state: "in-sync", detail: `endpoint ${db.endpoint}` };
    },
    plan: async (run) => {
      const db = await upstashApi(run).findDatabase(upstash.databaseName);
      if (!db) {
        return [
          {
            action: "create",
            target: `Upstash database ${upstash.databaseName}`,
            detail: `${upstash.primaryRegion}, budget $${upstash.budget}`,
          },
        ];
      }
      return db.budget !== undefined && db.budget !== upstash.budget
        ? [{ action: "update", target: `Upstash database ${upstash.databaseName}`, detail: "budget" }]
        : [];
    },
    deploy: async (run, progress) => {
      const { summary, db } = await ensureUpstash(upstash, upstashApi(run), progress);
      return {
        changed: summary !== "no changes",
        summary,
        outputs: { redisUrl: upstashRedisUrl(db), endpoint: db.endpoint },
      };
    },
    destroy: async (run, progress): Promise<DeployReport> => {
      const api = upstashApi(run);
      const db = await api.findDatabase(upstash.databaseName);
      if (!db) return { changed: false, summary: "already absent" };
      progress.update(`deleting database ${upstash.databaseName}`);
      await api.deleteDatabase(db.database_id);
      return { changed: true, summary: "deleted" };
    },
  });
}

/**
 * The stage's database, created when missing and its budget set as pocket.toml says, with its
 * password: what deploy does, and `pocket resource upstash store-url` with provisioning by command
 * (docs/decisions.md#b12-provisioning-by-command).
 */
export async function ensureUpstash(
  upstash: UpstashContext,
  api: UpstashApi,
  progress: Progress,
): Promise<{ summary: string; db: UpstashDatabase }> {
  progress.update("looking up the Upstash database");
  const found = await api.findDatabase(upstash.databaseName);
  let summary = "no changes";
  let db: UpstashDatabase;
  if (!found) {
    progress.update(`creating database ${upstash.databaseName}`);
    db = await api.createDatabase(upstash.databaseName, upstash.primaryRegion, upstash.budget);
    summary = "created";
  } else {
    if (found.budget !== undefined && found.budget !== upstash.budget) {
      progress.update(`setting the budget to $${upstash.budget}`);
      await api.updateBudget(found.database_id, upstash.budget);
      summary = `budget set to $${upstash.budget}`;
    }
    db = found;
  }
  if (db.password === undefined) db = await api.database(db.database_id);
  return { summary, db };
}

/**
 * `rediss://default:password@endpoint:port`: TLS (the database is created with it), the `default`
 * user, the password percent-encoded.
 */
export function upstashRedisUrl(db: UpstashDatabase): string {
  if (!db.password) {
    throw new CliError(
      "upstash-password-missing",
      `the Upstash database ${db.database_name} has no password.`,
      {
        hint: "Check the database in the Upstash console, then deploy again.",
      },
    );
  }
  const scheme = db.tls === false ? "redis" : "rediss";
  return `${scheme}://default:${encodeURIComponent(db.password)}@${db.endpoint}:${db.port}`;
}
