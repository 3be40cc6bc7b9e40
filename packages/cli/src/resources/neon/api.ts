import { CliError } from "../../errors.js";
import { parseJson } from "../../util/json.js";
import { maskKey } from "../../util/mask.js";
import { sleep } from "../../util/time.js";
import { type VendorApi, vendorFetch } from "../../util/vendor-fetch.js";

/**
 * A small client for the Neon API v2 (https://api-docs.neon.tech). Only what the deploy needs:
 * projects, branches, endpoints, roles, databases and operations. Neon runs changes as background
 * operations and answers 423 Locked while one is running, so every change waits for its
 * operations and 423 is retried with backoff (the reference slept a fixed 2 s instead).
 */
export interface NeonProject {
  id: string;
  name: string;
}
export interface NeonBranch {
  id: string;
  name: string;
  parent_id?: string;
}
export interface NeonEndpoint {
  id: string;
  host: string;
  branch_id: string;
  type: string;
}
export interface NeonOperation {
  id: string;
  status: string;
  action?: string;
  error?: string;
}

export interface NeonApiOptions {
  apiKey: string;
  /** Set from `POCKET_NEON_API_URL` by the engine (a proxy, or the contract server in tests). */
  baseUrl?: string;
  /** Milliseconds between operation polls (tests shorten it). */
  pollMs?: number;
}

const DEFAULT_URL = "https://console.neon.tech/api/v2";
const NEON: VendorApi = { code: "neon-unreachable", name: "the Neon API", overrides: "POCKET_NEON_API_URL" };
const TERMINAL = new Set(["finished", "skipped", "cancelled"]);

export class NeonApi {
  private readonly baseUrl: string;
  private readonly pollMs: number;

  constructor(private readonly options: NeonApiOptions) {
    this.baseUrl = (options.baseUrl ?? DEFAULT_URL).replace(/\/$/, "");
    this.pollMs = options.pollMs ?? 1000;
  }

  /** The project named in pocket.toml; project-scoped keys cannot list, so fall back to the key's own. */
  async project(name: string): Promise<NeonProject> {
    const listed = await this.request<{ projects: NeonProject[] }>("GET", "/projects", undefined, {
      allow: [401, 403, 404],
    });
    if (listed.status === 200) {
      const found = listed.body.projects.find((p) => p.name === name);
      if (found) return found;
      throw new CliError(
        "neon-project-missing",
        `the Neon project "${name}" does not exist for this API key.`,
        {
          hint: `Create it in the Neon console (or fix neon.project_name); projects visible: ${
            listed.body.projects.map((p) => p.name).join(", ") || "none"
          }.`,
        },
      );
    }
    // A project-scoped key names its project in the refusal.
    const id = /subject_project_id:"?([\w-]+)"?/.exec(listed.message ?? "")?.[1];
    if (!id) throw this.failure("GET /projects", listed.status, listed.message);
    const { project } = (await this.request<{ project: NeonProject }>("GET", `/projects/${id}`)).body;
    if (project.name !== name) {
      throw new CliError(
        "neon-project-mismatch",
        `the Neon API key belongs to project "${project.name}", not "${name}".`,
        { hint: "Use an API key for this project, or set neon.project_name to the key's project." },
      );
    }
    return project;
  }

  async branch(projectId: string, name: string): Promise<NeonBranch | undefined> {
    const { branches } = (
      await this.request<{ branches: NeonBranch[] }>("GET", `/projects/${projectId}/branches`)
    ).body;
    return branches.find((b) => b.name === name);
  }

  async endpoint(projectId: string, branchId: string): Promise<NeonEndpoint | undefined> {
    const { endpoints } = (
      await this.request<{ endpoints: NeonEndpoint[] }>("GET", `/projects/${projectId}/endpoints`)
    ).body;
    return endpoints.find((e) => e.branch_id === branchId);
  }

  async hasRole(projectId: string, branchId: string, role: string): Promise<boolean> {
    const r = await this.request(
      "GET",
      `/projects/${projectId}/branches/${branchId}/roles/${enc(role)}`,
      undefined,
      {
        allow: [404],
      },
    );
    return r.status === 200;
  }

  async hasDatabase(projectId: string, branchId: string, database: string): Promise<boolean> {
    const { databases } = (
      await this.request<{ databases: { name: string }[] }>(
        "GET",
        `/projects/${projectId}/branches/${branchId}/databases`,
      )
    ).body;
    return databases.some((d) => d.name === database);
  }

  async createBranch(projectId: string, name: string, parentId?: string): Promise<NeonBranch> {
    const r = await this.change<{ branch: NeonBranch }>(
      projectId,
      "POST",
      `/projects/${projectId}/branches`,
      {
        branch: { name, ...(parentId ? { parent_id: parentId } : {}) },
        endpoints: [{ type: "read_write" }],
      },
    );
    return r.branch;
  }

  async createRole(projectId: string, branchId: string, role: string): Promise<void> {
    await this.change(projectId, "POST", `/projects/${projectId}/branches/${branchId}/roles`, {
      role: { name: role },
    });
  }

  async createDatabase(projectId: string, branchId: string, database: string, owner: string): Promise<void> {
    await this.change(projectId, "POST", `/projects/${projectId}/branches/${branchId}/databases`, {
      database: { name: database, owner_name: owner },
    });
  }

  async revealPassword(projectId: string, branchId: string, role: string): Promise<string> {
    const r = await this.request<{ password: string }>(
      "GET",
      `/projects/${projectId}/branches/${branchId}/roles/${enc(role)}/reveal_password`,
    );
    return r.body.password;
  }

  async deleteEndpoint(projectId: string, endpointId: string): Promise<void> {
    await this.change(projectId, "DELETE", `/projects/${projectId}/endpoints/${endpointId}`);
  }

  async deleteBranch(projectId: string, branchId: string): Promise<void> {
    await this.change(projectId, "DELETE", `/projects/${projectId}/branches/${branchId}`);
  }

  /** A request that starts operations: waits until every one of them has ended. */
  private async change<T>(projectId: string, method: string, path: string, body?: unknown): Promise<T> {
    const r = await this.request<T & { operations?: NeonOperation[] }>(method, path, body);
    for (const op of r.body.operations ?? []) await this.waitFor(projectId, op);
    return r.body;
  }

  private async waitFor(projectId: string, first: NeonOperation): Promise<void> {
    let op = first;
    for (let i = 0; i < 600 && !TERMINAL.has(op.status); i++) {
      if (op.status === "failed" && i > 30) {
        throw new CliError(
          "neon-operation-failed",
          `Neon operation ${op.action ?? op.id} failed: ${op.error ?? "no reason given"}.`,
          {
            hint: "Check the project's operations in the Neon console, then deploy again.",
          },
        );
      }
      await sleep(this.pollMs);
      op = (
        await this.request<{ operation: NeonOperation }>("GET", `/projects/${projectId}/operations/${op.id}`)
      ).body.operation;
    }
    if (!TERMINAL.has(op.status)) {
      throw new CliError(
        "neon-operation-timeout",
        `Neon operation ${op.action ?? op.id} did not finish (${op.status}).`,
        {
          hint: "Neon may be busy; run the deploy again in a few minutes.",
        },
      );
    }
  }

  private async request<T>(
    method: string,
    path: string,
    body?: unknown,
    options: { allow?: number[] } = {},
  ): Promise<{ status: number; body: T; message?: string }> {
    for (let attempt = 0; ; attempt++) {
      const res = await vendorFetch(NEON, `${this.baseUrl}${path}`, {
        method,
        authorization: `Bearer ${this.options.apiKey}`,
        body,
      });
      const text = await res.text();
      const json = parseJson(text);
      if (res.ok) return { status: res.status, body: json as T };
      const message = (json as { message?: string } | undefined)?.message ?? text.slice(0, 200);
      // 423: another operation holds the project; 429/5xx: transient.
      if ((res.status === 423 || res.status === 429 || res.status >= 500) && attempt < 8) {
        await sleep(Math.min(this.pollMs * 2 ** attempt, 15_000));
        continue;
      }
      if (options.allow?.includes(res.status)) return { status: res.status, body: json as T, message };
      throw this.failure(`${method} ${path}`, res.status, message);
    }
  }

  private failure(what: string, status: number, message: string | undefined): CliError {
    if (status === 401) {
      return new CliError(
        "neon-unauthorized",
        `the Neon API rejected the key (${maskKey(this.options.apiKey)}).`,
        {
          hint: "Set NEON_API_KEY (environment or .env next to pocket.toml) to a valid key from the Neon console.",
        },
      );
    }
    return new CliError("neon-api", `Neon API ${what} answered ${status}: ${message ?? "no message"}`, {
      hint: "Check the Neon console for the project's state, then deploy again.",
    });
  }
}

const enc = encodeURIComponent;
