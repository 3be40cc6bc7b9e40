import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { jsonServer } from "./json-server.js";

/**
 * A contract server for the parts of the Neon API v2 that pocket uses, with the response shapes
 * of Neon's published API reference: `{projects}`, `{branch, endpoints, operations}`, `{role}`,
 * `{password}`, `{operation}`. Changes start operations that stay "running" for one poll, and
 * while one runs any other change answers 423 Locked, as Neon does. Loopback only.
 */
export interface NeonCall {
  method: string;
  path: string;
  body?: unknown;
}

interface Branch {
  id: string;
  name: string;
  parent_id?: string;
  roles: Map<string, string>;
  databases: Map<string, string>;
}

export interface NeonServer {
  url: string;
  calls: NeonCall[];
  /** Branch names of the project, for assertions. */
  branches(): string[];
  close(): Promise<void>;
}

/** What points pocket at this server with `apiKey`, polling its operations without waiting. */
export function neonVariables(server: NeonServer, apiKey: string): Record<string, string> {
  return { POCKET_NEON_API_URL: server.url, POCKET_NEON_POLL_MS: "5", NEON_API_KEY: apiKey };
}

export async function startNeonServer(options: { apiKey: string; projectName: string }): Promise<NeonServer> {
  const projectId = "floral-king-961888";
  const branches = new Map<string, Branch>([
    ["br-main", { id: "br-main", name: "main", roles: new Map(), databases: new Map() }],
  ]);
  const endpoints = new Map<string, { id: string; host: string; branch_id: string; type: string }>([
    [
      "ep-main",
      {
        id: "ep-main",
        host: "ep-main.ap-southeast-1.aws.neon.tech",
        branch_id: "br-main",
        type: "read_write",
      },
    ],
  ]);
  const operations = new Map<string, { id: string; action: string; status: string; polls: number }>();
  const calls: NeonCall[] = [];
  let seq = 0;
  const running = () => [...operations.values()].some((o) => o.status === "running");
  const startOp = (action: string) => {
    const op = { id: `op-${++seq}`, action, status: "running", polls: 0 };
    operations.set(op.id, op);
    return { id: op.id, action, status: op.status };
  };

  const server: Server = jsonServer(({ method, url, headers, body }, send) => {
    const path = url.replace(/^\/api\/v2/, "");
    calls.push({ method, path, ...(body === undefined ? {} : { body }) });
    if (headers.authorization !== `Bearer ${options.apiKey}`) {
      return send(401, { code: "", message: "authorization failed" });
    }
    if (method !== "GET" && running()) {
      return send(423, { code: "", message: "project already has running operations" });
    }
    const p = path.split("/").filter(Boolean).map(decodeURIComponent);
    if (p[0] !== "projects") return send(404, { message: "not found" });
    if (p.length === 1) return send(200, { projects: [{ id: projectId, name: options.projectName }] });
    if (p[1] !== projectId) return send(404, { message: "project not found" });
    const rest = p.slice(2);
    const key = `${method} ${rest.map((s, i) => (i % 2 === 1 ? "*" : s)).join("/")}`;
    const branch = rest[1] ? branches.get(rest[1]) : undefined;
    switch (key) {
      case "GET operations/*": {
        const op = operations.get(rest[1]!);
        if (!op) return send(404, { message: "operation not found" });
        if (op.polls++ >= 1) op.status = "finished";
        return send(200, {
          operation: { id: op.id, action: op.action, status: op.status, project_id: projectId },
        });
      }
      case "GET branches":
        return send(200, {
          branches: [...branches.values()].map(({ id, name, parent_id }) => ({
            id,
            name,
            parent_id,
            project_id: projectId,
          })),
        });
      case "POST branches": {
        const id = `br-${++seq}`;
        const parentId = body.branch.parent_id ?? "br-main";
        const parent = branches.get(parentId);
        if (!parent) return send(404, { message: "parent branch not found" });
        // A child branch starts as a copy of its parent: same roles (and passwords), same databases.
        const b: Branch = {
          id,
          name: body.branch.name,
          parent_id: parentId,
          roles: new Map(parent.roles),
          databases: new Map(parent.databases),
        };
        branches.set(id, b);
        const ep = {
          id: `ep-${seq}`,
          host: `ep-${seq}.ap-southeast-1.aws.neon.tech`,
          branch_id: id,
          type: "read_write",
        };
        endpoints.set(ep.id, ep);
        return send(201, {
          branch: { id, name: b.name, parent_id: b.parent_id, project_id: projectId },
          endpoints: [ep],
          operations: [startOp("create_branch"), startOp("start_compute")],
        });
      }
      case "GET endpoints":
        return send(200, { endpoints: [...endpoints.values()] });
      case "DELETE endpoints/*": {
        if (!endpoints.delete(rest[1]!)) return send(404, { message: "endpoint not found" });
        return send(200, { endpoint: { id: rest[1] }, operations: [startOp("suspend_compute")] });
      }
      case "DELETE branches/*": {
        if (!branch) return send(404, { message: "branch not found" });
        branches.delete(branch.id);
        return send(200, {
          branch: { id: branch.id, name: branch.name },
          operations: [startOp("delete_timeline")],
        });
      }
      case "GET branches/*/roles/*": {
        if (!branch?.roles.has(rest[3]!)) return send(404, { message: "role not found" });
        return send(200, { role: { branch_id: branch.id, name: rest[3], protected: false } });
      }
      case "POST branches/*/roles": {
        if (!branch) return send(404, { message: "branch not found" });
        const password = "Pw/with:url+syntax@1";
        branch.roles.set(body.role.name, password);
        return send(201, {
          role: { branch_id: branch.id, name: body.role.name, password },
          operations: [startOp("apply_config")],
        });
      }
      case "GET branches/*/roles/*/reveal_password": {
        const password = branch?.roles.get(rest[3]!);
        if (!password) return send(404, { message: "role not found" });
        return send(200, { password });
      }
      case "GET branches/*/databases":
        if (!branch) return send(404, { message: "branch not found" });
        return send(200, {
          databases: [...branch.databases].map(([name, owner]) => ({
            branch_id: branch.id,
            name,
            owner_name: owner,
          })),
        });
      case "POST branches/*/databases": {
        if (!branch) return send(404, { message: "branch not found" });
        branch.databases.set(body.database.name, body.database.owner_name);
        return send(201, {
          database: {
            branch_id: branch.id,
            name: body.database.name,
            owner_name: body.database.owner_name,
          },
          operations: [startOp("apply_config")],
        });
      }
      default:
        return send(404, { message: `no route ${key}` });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/v2`,
    calls,
    branches: () => [...branches.values()].map((b) => b.name),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
