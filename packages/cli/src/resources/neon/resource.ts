import type { NeonContext } from "@magic-pocket/config";
import { CliError } from "../../errors.js";
import { type VendorKeyHelp, vendorKeys } from "../../util/vendor-fetch.js";
import type { Change, DeployReport, Progress, Resource, ResourceStatus, RunContext } from "../resource.js";
import { vendorDatabaseResource } from "../vendor-database.js";
import { NeonApi, type NeonBranch, type NeonEndpoint, type NeonProject } from "./api.js";

/** What exists of the stage's Neon branch (docs/decisions.md#b4-neon-branch-per-stage). */
interface NeonState {
  project: NeonProject;
  branch?: NeonBranch;
  endpoint?: NeonEndpoint;
  role: boolean;
  database: boolean;
}

const NEON_KEY: VendorKeyHelp = {
  code: "neon-key-missing",
  message: "[neon] is configured but NEON_API_KEY is not set.",
  create: "Create an API key in the Neon console",
  variables: ["NEON_API_KEY"],
};

/** The Neon API client for the stage's key, or the error that says where the key goes. */
export function neonApi(run: Pick<RunContext, "credentials" | "timing" | "vendorEndpoints">): NeonApi {
  const [apiKey] = vendorKeys([run.credentials.neonApiKey], NEON_KEY);
  return new NeonApi({ apiKey, pollMs: run.timing.neonPollMs, baseUrl: run.vendorEndpoints.neonApi });
}

/**
 * The stage's Neon branch with its read-write endpoint, role and database. The project itself is
 * the user's (made in the Neon console); pocket only manages the stage's branch in it. Its output
 * `databaseUrl` fills `neon_database_url` managed secrets and is never printed.
 */
export function neonResource(neon: NeonContext): Resource {
  return vendorDatabaseResource("neon", {
    title: `Neon branch ${neon.branch} (project ${neon.projectName})`,
    status: async (run) => neonStatus(neon, await inspectNeon(neon, neonApi(run))),
    plan: async (run) => missingParts(neon, await inspectNeon(neon, neonApi(run))),
    deploy: async (run, progress) => deployNeon(neon, neonApi(run), progress),
    destroy: async (run, progress) => destroyNeon(neon, neonApi(run), progress),
  });
}

async function inspectNeon(neon: NeonContext, api: NeonApi): Promise<NeonState> {
  const project = await api.project(neon.projectName);
  const branch = await api.branch(project.id, neon.branch);
  if (!branch) return { project, role: false, database: false };
  const [endpoint, role, database] = await Promise.all([
    api.endpoint(project.id, branch.id),
    api.hasRole(project.id, branch.id, neon.role),
    api.hasDatabase(project.id, branch.id, neon.database),
  ]);
  return { project, branch, endpoint, role, database };
}

function missingParts(neon: NeonContext, s: NeonState): Change[] {
  const changes: Change[] = [];
  if (!s.branch)
    changes.push({
      action: "create",
      target: `Neon branch ${neon.branch}`,
      detail: neon.parentBranch
        ? `a copy of branch ${neon.parentBranch}, with a read-write endpoint`
        : "with a read-write endpoint",
    });
  if (!s.role) changes.push({ action: "create", target: `Neon role ${neon.role}` });
  if (!s.database) changes.push({ action: "create", target: `Neon database ${neon.database}` });
  return changes;
}

function neonStatus(neon: NeonContext, s: NeonState): ResourceStatus {
  if (!s.branch) return { state: "missing" };
  if (!s.endpoint) return { state: "failed", detail: "the branch has no compute endpoint" };
  const missing = missingParts(neon, s);
  return missing.length === 0
    ? { state: "in-sync", detail: `host ${s.endpoint.host}` }
    : { state: "needs-update", detail: missing.map((c) => c.target).join(", ") };
}

/** The branch of stage `base` in the project, for a branch made as its copy; an error when it has none. */
export async function baseBranch(
  api: NeonApi,
  project: NeonProject,
  projectName: string,
  base: string,
): Promise<NeonBranch> {
  const branch = await api.branch(project.id, base);
  if (branch) return branch;
  throw new CliError(
    "neon-base-missing",
    `the Neon project ${projectName} has no branch "${base}" to copy.`,
    {
      hint: `Deploy stage ${base} first: its branch is the one copied.`,
    },
  );
}

/** Creates what is missing (branch, role, database), then reads the URL's host and password. */
async function deployNeon(neon: NeonContext, api: NeonApi, progress: Progress): Promise<DeployReport> {
  const { done, databaseUrl, host } = await ensureNeon(neon, api, progress);
  return {
    changed: done.length > 0,
    summary: done.length > 0 ? `created ${done.join(", ")}` : "no changes",
    outputs: { databaseUrl, host },
  };
}

/**
 * The stage's branch, role and database, each created when missing (`done` names them), and the
 * URL to reach them: what deploy does, and `pocket resource neon store-url` with provisioning by
 * command (docs/decisions.md#b12-provisioning-by-command).
 */
export async function ensureNeon(
  neon: NeonContext,
  api: NeonApi,
  progress: Progress,
): Promise<{ done: string[]; databaseUrl: string; host: string }> {
  progress.update("looking up the Neon project");
  let s = await inspectNeon(neon, api);
  const done: string[] = [];
  let branch = s.branch;
  if (!branch) {
    // A preview stage's branch starts as a copy of its base stage's (docs/decisions.md#e19-preview-stages).
    const parent =
      neon.parentBranch && (await baseBranch(api, s.project, neon.projectName, neon.parentBranch));
    progress.update(`creating branch ${neon.branch}${parent ? ` from ${parent.name}` : ""}`);
    branch = await api.createBranch(s.project.id, neon.branch, parent ? parent.id : undefined);
    done.push(parent ? `branch (from ${parent.name})` : "branch");
    s = await inspectNeon(neon, api);
  }
  if (!s.role) {
    progress.update(`creating role ${neon.role}`);
    await api.createRole(s.project.id, branch.id, neon.role);
    done.push("role");
  }
  if (!s.database) {
    progress.update(`creating database ${neon.database}`);
    await api.createDatabase(s.project.id, branch.id, neon.database, neon.role);
    done.push("database");
  }
  const endpoint = s.endpoint ?? (await api.endpoint(s.project.id, branch.id));
  if (!endpoint) {
    throw new CliError("neon-endpoint-missing", `the Neon branch ${neon.branch} has no compute endpoint.`, {
      hint: "Add a read-write compute to the branch in the Neon console, then deploy again.",
    });
  }
  progress.update("reading the role's password");
  const password = await api.revealPassword(s.project.id, branch.id, neon.role);
  return { done, databaseUrl: neonDatabaseUrl(neon, endpoint.host, password), host: endpoint.host };
}

async function destroyNeon(neon: NeonContext, api: NeonApi, progress: Progress): Promise<DeployReport> {
  const s = await inspectNeon(neon, api);
  if (!s.branch) return { changed: false, summary: "already absent" };
  if (s.endpoint) {
    progress.update("deleting the compute endpoint");
    await api.deleteEndpoint(s.project.id, s.endpoint.id);
  }
  progress.update(`deleting branch ${neon.branch}`);
  await api.deleteBranch(s.project.id, s.branch.id);
  return { changed: true, summary: "deleted" };
}

/**
 * `postgres://role:password@host:5432/database?sslmode=require`. Unlike the reference, user and
 * password are percent-encoded (a generated password may hold URL syntax) and TLS is required,
 * as Neon only accepts TLS connections.
 */
export function neonDatabaseUrl(neon: NeonContext, host: string, password: string): string {
  const e = encodeURIComponent;
  return `postgres://${e(neon.role)}:${e(password)}@${host}:5432/${e(neon.database)}?sslmode=require`;
}
