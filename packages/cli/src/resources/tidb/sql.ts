import { CliError } from "../../errors.js";

/**
 * The SQL pocket runs on the stage's TiDB cluster, as the cluster's root user: the stage's
 * database and its own SQL user (so stages sharing a cluster never share a password). mysql2 is
 * loaded only here, when a TiDB deploy needs it.
 */
export interface SqlTarget {
  host: string;
  port: number;
  user: string;
  password: string;
}

export interface StageGrant {
  database: string;
  user: string;
  /** The password a new user gets; */
  password: string;
  /** ...and an existing one too, when true (its stored URL is missing, so its password is unknown). */
  resetPassword: boolean;
}

const SYSTEM_DATABASES = new Set([
  "information_schema",
  "mysql",
  "performance_schema",
  "metrics_schema",
  "sys",
  "lightning_task_info",
  "test",
]);

async function connect(target: SqlTarget) {
  // mysql2 is CommonJS: under the bundle its functions sit on the default export.
  const loaded = await import("mysql2/promise");
  const mysql = (loaded as unknown as { default?: typeof loaded }).default ?? loaded;
  // TiDB Cloud only accepts TLS; the server's name is verified against the system CAs (plus
  // NODE_EXTRA_CA_CERTS, Node's standard way to trust a private CA).
  try {
    return await mysql.createConnection({
      host: target.host,
      port: target.port,
      user: target.user,
      password: target.password,
      connectTimeout: 20_000,
      ssl: { minVersion: "TLSv1.2", rejectUnauthorized: true, verifyIdentity: true },
    });
  } catch (error) {
    const message = (error as Error).message;
    throw new CliError(
      "tidb-sql-connect",
      `cannot connect to TiDB at ${target.host}:${target.port} as ${target.user}: ${message}`,
      {
        hint: /certificate|CERT_|self.signed/i.test(message)
          ? "pocket verifies the server's TLS certificate against the system CAs. If a proxy on your network re-signs TLS, trust its CA with NODE_EXTRA_CA_CERTS=/path/to/ca.pem."
          : "The cluster may still be starting, or a network filter blocks its port; deploy again in a minute.",
      },
    );
  }
}

/** Runs `work` on a root connection; a refused statement becomes one message that names it. */
async function withRoot<T>(
  target: SqlTarget,
  work: (conn: Awaited<ReturnType<typeof connect>>) => Promise<T>,
  secrets: string[] = [],
): Promise<T> {
  const conn = await connect(target);
  try {
    return await work(conn);
  } catch (error) {
    if (error instanceof CliError) throw error;
    const e = error as { message?: string; sql?: string };
    // The statement may hold a password: name its verb only.
    const verb = e.sql?.split(" ").slice(0, 2).join(" ") ?? "SQL";
    // A server message may quote the statement ("... near 'IDENTIFIED BY ...'"): mask passwords.
    let message = e.message ?? String(error);
    for (const secret of [target.password, ...secrets]) message = message.split(secret).join("****");
    throw new CliError("tidb-sql", `TiDB refused ${verb}: ${message}`, {
      hint: "Check the cluster at tidbcloud.com (quota, state), then deploy again.",
    });
  } finally {
    await conn.end().catch(() => undefined);
  }
}

/** CREATE DATABASE / USER IF NOT EXISTS, the password when given, and the user's grant on its database. */
export async function ensureStageDatabase(target: SqlTarget, grant: StageGrant): Promise<void> {
  await withRoot(
    target,
    async (conn) => {
      const db = conn.escapeId(grant.database);
      const user = `${conn.escape(grant.user)}@'%'`;
      await conn.query(`CREATE DATABASE IF NOT EXISTS ${db}`);
      const pw = conn.escape(grant.password);
      await conn.query(`CREATE USER IF NOT EXISTS ${user} IDENTIFIED BY ${pw}`);
      if (grant.resetPassword) await conn.query(`ALTER USER ${user} IDENTIFIED BY ${pw}`);
      await conn.query(`GRANT ALL PRIVILEGES ON ${db}.* TO ${user}`);
    },
    [grant.password],
  );
}

/** Drops the stage's database and user; returns the user databases that remain on the cluster. */
export async function dropStageDatabase(
  target: SqlTarget,
  grant: Pick<StageGrant, "database" | "user">,
): Promise<string[]> {
  return withRoot(target, async (conn) => {
    await conn.query(`DROP DATABASE IF EXISTS ${conn.escapeId(grant.database)}`);
    await conn.query(`DROP USER IF EXISTS ${conn.escape(grant.user)}@'%'`);
    const [rows] = await conn.query("SHOW DATABASES");
    return (rows as Record<string, string>[])
      .map((r) => Object.values(r)[0]!)
      .filter((name) => !SYSTEM_DATABASES.has(name.toLowerCase()));
  });
}
