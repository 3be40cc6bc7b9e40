import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { jsonServer } from "./json-server.js";

/**
 * A contract server for the parts of Upstash's Developer API v2 that pocket uses, with the shapes
 * of Upstash's published OpenAPI reference: `GET /redis/databases` (an array of databases),
 * `POST /redis/database` (the new database, password included), `GET /redis/database/{id}`,
 * `PATCH /redis/update-budget/{id}` and `DELETE /redis/database/{id}` (both answer `"OK"`).
 * HTTP Basic auth of email and API key, as Upstash wants. Loopback only.
 */
export interface UpstashCall {
  method: string;
  path: string;
  body?: unknown;
}

interface Database {
  database_id: string;
  database_name: string;
  database_type: string;
  region: string;
  primary_region: string;
  port: number;
  creation_time: number;
  budget: number;
  state: string;
  password: string;
  user_email: string;
  endpoint: string;
  tls: boolean;
  eviction: boolean;
  rest_token: string;
}

export interface UpstashServer {
  url: string;
  calls: UpstashCall[];
  /** Database names, for assertions. */
  databases(): string[];
  close(): Promise<void>;
}

/** Primary regions Upstash accepts for a global database. */
const PRIMARY_REGIONS = [
  "us-east-1",
  "us-west-1",
  "us-west-2",
  "eu-central-1",
  "eu-west-1",
  "sa-east-1",
  "ap-southeast-1",
  "ap-southeast-2",
];

/** The variables that point pocket at `server` with these credentials. */
export function upstashVariables(
  server: UpstashServer,
  credentials: { email: string; apiKey: string },
): Record<string, string> {
  return {
    POCKET_UPSTASH_API_URL: server.url,
    UPSTASH_EMAIL: credentials.email,
    UPSTASH_API_KEY: credentials.apiKey,
  };
}

export async function startUpstashServer(options: { email: string; apiKey: string }): Promise<UpstashServer> {
  const databases = new Map<string, Database>();
  const calls: UpstashCall[] = [];
  let seq = 0;
  const basic = `Basic ${Buffer.from(`${options.email}:${options.apiKey}`).toString("base64")}`;

  const server: Server = jsonServer(({ method, url, headers, body }, send) => {
    const path = url.replace(/^\/v2/, "");
    calls.push({ method, path, ...(body === undefined ? {} : { body }) });
    if (headers.authorization !== basic) return send(401, "Unauthorized");
    const p = path.split("?")[0]!.split("/").filter(Boolean).map(decodeURIComponent);
    const db = p[2] ? databases.get(p[2]) : undefined;
    switch (`${method} ${p.slice(0, 2).join("/")}${p[2] ? "/*" : ""}`) {
      case "GET redis/databases":
        return send(200, [...databases.values()]);
      case "POST redis/database": {
        if (typeof body?.database_name !== "string" || body.database_name === "")
          return send(400, "database_name is required");
        if (body.region !== "global" || !PRIMARY_REGIONS.includes(body.primary_region))
          return send(400, "invalid region: global databases need a primary_region");
        const id = `db-${++seq}-0000-4000-8000-000000000000`;
        const created: Database = {
          database_id: id,
          database_name: body.database_name,
          database_type: "Pay as You Go",
          region: "global",
          primary_region: body.primary_region,
          port: 6379,
          creation_time: 1_700_000_000 + seq,
          budget: typeof body.budget === "number" ? body.budget : 20,
          state: "active",
          password: `Pw/with:url+syntax@${seq}`,
          user_email: options.email,
          endpoint: `apn1-stage-${seq}.upstash.io`,
          tls: body.tls === true,
          eviction: false,
          rest_token: `rest-token-${seq}`,
        };
        databases.set(id, created);
        return send(200, created);
      }
      case "GET redis/database/*":
        return db ? send(200, db) : send(404, "database not found");
      case "PATCH redis/update-budget/*":
        if (!db) return send(404, "database not found");
        if (typeof body?.budget !== "number") return send(400, "budget is required");
        db.budget = body.budget;
        return send(200, "OK");
      case "DELETE redis/database/*":
        if (!db) return send(404, "database not found");
        databases.delete(db.database_id);
        return send(200, "OK");
      default:
        return send(404, "not found");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v2`,
    calls,
    databases: () => [...databases.values()].map((d) => d.database_name),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
