import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, realpathSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/**
 * A real PostgreSQL server for a test: Debian's postgresql (python/scripts/test.sh installs it
 * when missing), started from initdb/pg_ctl in a temporary folder, as python/tests/test_rds_backend.py
 * does. Password logins over TCP on 127.0.0.1; the superuser over the folder's socket.
 */
export interface Postgres {
  port: number;
  /** A database and its owner with a password; the DATABASE_URL a user would store. */
  createDatabase(name: string, user: string, password: string): string;
  stop(): void;
}

function pgBin(): string {
  const onPath = spawnSync("sh", ["-c", "command -v initdb"], { encoding: "utf8" }).stdout.trim();
  // (test.sh links initdb and pg_ctl onto PATH: psql lives beside their real files.)
  if (onPath) return dirname(realpathSync(onPath));
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(a) - Number(b)) : [];
  const bin = versions.length > 0 ? join(root, versions.at(-1)!, "bin") : undefined;
  if (!bin || !existsSync(join(bin, "initdb"))) {
    throw new Error(
      "PostgreSQL is not installed: run bash python/scripts/test.sh once (it installs Debian's postgresql)",
    );
  }
  return bin;
}

async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

export async function startPostgres(): Promise<Postgres> {
  const bin = pgBin();
  // PostgreSQL refuses to run as root: the postgres account runs it then.
  const asServer = process.getuid?.() === 0 ? ["runuser", "-u", "postgres", "--"] : [];
  const root = mkdtempSync(join(tmpdir(), "pocket-pg-"));
  if (asServer.length > 0) {
    const ids = execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim();
    const gid = execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim();
    chownSync(root, Number(ids), Number(gid));
  }
  const spawnAs = (cmd: string, args: string[]) => {
    const [exe, ...rest] = [...asServer, join(bin, cmd), ...args];
    return spawnSync(exe!, rest, { encoding: "utf8" });
  };
  const run = (cmd: string, args: string[]) => {
    const r = spawnAs(cmd, args);
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stdout}${r.stderr}`);
    return r.stdout;
  };
  const data = join(root, "data");
  run("initdb", ["-D", data, "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256"]);
  const port = await freePort();
  run("pg_ctl", [
    "-D",
    data,
    "-l",
    join(root, "log"),
    "-o",
    `-p ${port} -k ${root} -c listen_addresses=127.0.0.1`,
    "-w",
    "start",
  ]);
  const sql = (statement: string) =>
    run("psql", [
      "-h",
      root,
      "-p",
      String(port),
      "-U",
      "postgres",
      "-d",
      "postgres",
      "-v",
      "ON_ERROR_STOP=1",
      "-c",
      statement,
    ]);
  return {
    port,
    createDatabase(name, user, password) {
      sql(`CREATE USER ${user} PASSWORD '${password}'`);
      sql(`CREATE DATABASE ${name} OWNER ${user}`);
      return `postgres://${user}:${password}@127.0.0.1:${port}/${name}`;
    },
    stop() {
      spawnAs("pg_ctl", ["-D", data, "-m", "immediate", "stop"]);
      rmSync(root, { recursive: true, force: true });
    },
  };
}
