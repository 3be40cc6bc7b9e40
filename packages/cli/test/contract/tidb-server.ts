import { createHash, randomBytes } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { jsonServer } from "./json-server.js";
import { type MysqlServer, startMysqlServer } from "./mysql-server.js";

/**
 * A contract server for the TiDB Cloud API v1beta1 that pocket uses (IAM `projects`; Serverless
 * `clusters` list/create/delete and `clusters/{id}/password`), with the published shapes
 * (`{projects, nextPageToken}`, `{clusters, nextPageToken}`, cluster `clusterId`, `displayName`,
 * `state`, `userPrefix`, `endpoints.public.{host,port}`). Every request must carry a valid HTTP
 * Digest (RFC 7616, MD5, qop=auth) answer for the key pair, as TiDB Cloud requires. New
 * clusters are CREATING for one list, then ACTIVE, and their public endpoint is a MySQL-protocol
 * server on loopback (with TLS) that checks the root password set through the API and
 * records every statement (see mysql-server.ts). Loopback only.
 */
export interface TidbCall {
  method: string;
  path: string;
  body?: Record<string, unknown>;
}

interface Cluster {
  clusterId: string;
  displayName: string;
  state: string;
  userPrefix: string;
  rootPassword: string;
  labels: Record<string, string>;
  region: { name: string };
  lists: number;
}

export interface TidbServer {
  url: string;
  calls: TidbCall[];
  /** Statements the SQL endpoint ran, with the user that ran them. */
  statements: { user: string; sql: string }[];
  /** The SQL endpoint (its CA file goes in NODE_EXTRA_CA_CERTS). */
  sql: MysqlServer;
  clusters(): Cluster[];
  /** Statements matching this are refused with a MySQL syntax error (cleared with undefined). */
  failStatements(pattern: RegExp | undefined): void;
  /** Databases on the (one) SQL endpoint. */
  databases: Set<string>;
  close(): Promise<void>;
}

export async function startTidbServer(options: {
  publicKey: string;
  privateKey: string;
  projects: { id: string; name: string }[];
}): Promise<TidbServer> {
  const realm = "tidb.cloud";
  const nonces = new Set<string>();
  const calls: TidbCall[] = [];
  const clusters = new Map<string, Cluster>();
  const statements: { user: string; sql: string }[] = [];
  const databases = new Set<string>(["information_schema", "mysql", "test"]);
  let seq = 0;
  let failing = /^$^/;

  // The SQL endpoint (TLS, like TiDB Cloud's): `{prefix}.root` with the cluster's current root password.
  const sql = await startMysqlServer({
    password: (user) => [...clusters.values()].find((c) => user === `${c.userPrefix}.root`)?.rootPassword,
    query: (user, query) => {
      statements.push({ user, sql: query });
      if (failing.test(query)) {
        // What MySQL says about a syntax error: it quotes the statement from the error on.
        throw new Error(
          `You have an error in your SQL syntax; check the manual that corresponds to your TiDB version for the right syntax to use line 1 column 30 near "${query.slice(17)}"`,
        );
      }
      const create = /^CREATE DATABASE IF NOT EXISTS `([^`]+)`/.exec(query);
      if (create) databases.add(create[1]!);
      const drop = /^DROP DATABASE IF EXISTS `([^`]+)`/.exec(query);
      if (drop) databases.delete(drop[1]!);
      return /^SHOW DATABASES/i.test(query) ? [...databases] : undefined;
    },
  });

  const authorized = (method: string, url: string, header: string | undefined): boolean => {
    if (!header?.startsWith("Digest ")) return false;
    const f: Record<string, string> = {};
    for (const m of header.slice(7).matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]*))/g)) f[m[1]!] = m[2] ?? m[3] ?? "";
    if (f.username !== options.publicKey || f.realm !== realm || !nonces.has(f.nonce!) || f.uri !== url)
      return false;
    const md5 = (s: string) => createHash("md5").update(s).digest("hex");
    const ha1 = md5(`${options.publicKey}:${realm}:${options.privateKey}`);
    const ha2 = md5(`${method}:${url}`);
    return f.qop === "auth" && f.response === md5(`${ha1}:${f.nonce}:${f.nc}:${f.cnonce}:auth:${ha2}`);
  };

  const publicCluster = (c: Cluster) => ({
    clusterId: c.clusterId,
    displayName: c.displayName,
    state: c.state,
    userPrefix: c.userPrefix,
    region: c.region,
    labels: c.labels,
    endpoints: { public: { host: sql.host, port: sql.port, disabled: false } },
  });

  const server: Server = jsonServer(({ method, url, headers, body }, send) => {
    if (!authorized(method, url, headers.authorization)) {
      const nonce = randomBytes(12).toString("hex");
      nonces.add(nonce);
      return send(
        401,
        { code: 16, message: "Unauthorized" },
        {
          "WWW-Authenticate": `Digest realm="${realm}", qop="auth", nonce="${nonce}", opaque="${randomBytes(4).toString("hex")}", algorithm=MD5`,
        },
      );
    }
    const path = new URL(url, "http://x").pathname;
    calls.push({ method, path: url, body });
    const query = new URL(url, "http://x").searchParams;
    if (method === "GET" && path === "/iam/v1beta1/projects") {
      return send(200, {
        projects: options.projects.map((p) => ({ ...p, orgId: "1", createTime: "2024-01-01T00:00:00Z" })),
      });
    }
    if (method === "GET" && path === "/serverless/v1beta1/clusters") {
      const projectId = /^projectId=(.+)$/.exec(query.get("filter") ?? "")?.[1];
      const list = [...clusters.values()].filter(
        (c) => !projectId || c.labels["tidb.cloud/project"] === projectId,
      );
      for (const c of list) {
        if (c.state === "CREATING" && ++c.lists > 1) c.state = "ACTIVE";
      }
      return send(200, { clusters: list.map(publicCluster), totalSize: list.length });
    }
    if (method === "POST" && path === "/serverless/v1beta1/clusters") {
      const id = String(10_000_000_000 + ++seq);
      const c: Cluster = {
        clusterId: id,
        displayName: String(body?.displayName),
        state: "CREATING",
        userPrefix: `${randomBytes(8).toString("hex").slice(0, 15)}`,
        rootPassword: String(body?.rootPassword),
        labels: (body?.labels as Record<string, string>) ?? {},
        region: body?.region as { name: string },
        lists: 0,
      };
      clusters.set(id, c);
      return send(200, publicCluster(c));
    }
    const one = /^\/serverless\/v1beta1\/clusters\/(\d+)(\/password)?$/.exec(path);
    const cluster = one ? clusters.get(one[1]!) : undefined;
    if (one && !cluster) return send(404, { code: 5, message: "cluster not found" });
    if (cluster && method === "PUT" && one?.[2]) {
      cluster.rootPassword = String(body?.password);
      return send(200, {});
    }
    if (cluster && method === "DELETE" && !one?.[2]) {
      clusters.delete(cluster.clusterId);
      return send(200, { ...publicCluster(cluster), state: "DELETING" });
    }
    send(404, { code: 5, message: `no route ${method} ${path}` });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    statements,
    sql,
    databases,
    failStatements: (pattern) => {
      failing = pattern ?? /^$^/;
    },
    clusters: () => [...clusters.values()],
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await sql.close();
    },
  };
}
