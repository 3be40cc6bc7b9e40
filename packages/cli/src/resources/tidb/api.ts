import { CliError } from "../../errors.js";
import { parseJson } from "../../util/json.js";
import { maskKey } from "../../util/mask.js";
import { sleep } from "../../util/time.js";
import { type VendorApi, vendorFetch } from "../../util/vendor-fetch.js";
import { type DigestChallenge, digestAuthorization, parseDigestChallenge } from "./digest.js";

const TIDB: VendorApi = {
  code: "tidb-unreachable",
  name: "the TiDB Cloud API",
  overrides: "POCKET_TIDB_API_URL / POCKET_TIDB_IAM_URL",
};

/**
 * A small client for the TiDB Cloud API v1beta1: IAM projects, and Serverless (Starter) clusters.
 * Every request is Digest-authenticated with the API key pair, as the original's was
 * (docs/decisions.md#b3-verified-tls-to-tidb).
 */
export interface TidbProject {
  id: string;
  name: string;
}

export interface TidbCluster {
  clusterId: string;
  displayName: string;
  state?: string;
  userPrefix?: string;
  endpoints?: { public?: { host?: string; port?: number } };
  labels?: Record<string, string>;
}

export interface TidbApiOptions {
  publicKey: string;
  privateKey: string;
  /** Set from `POCKET_TIDB_IAM_URL` / `POCKET_TIDB_API_URL` by the engine (a proxy, or the contract server in tests). */
  iamUrl?: string;
  serverlessUrl?: string;
  /** Milliseconds between cluster state polls. */
  pollMs?: number;
}

const IAM_URL = "https://iam.tidbapi.com/v1beta1";
const SERVERLESS_URL = "https://serverless.tidbapi.com/v1beta1";

export class TidbApi {
  private readonly iamUrl: string;
  private readonly serverlessUrl: string;
  readonly pollMs: number;
  private challenge?: DigestChallenge;
  private nc = 0;

  constructor(private readonly options: TidbApiOptions) {
    this.iamUrl = (options.iamUrl ?? IAM_URL).replace(/\/$/, "");
    this.serverlessUrl = (options.serverlessUrl ?? SERVERLESS_URL).replace(/\/$/, "");
    this.pollMs = options.pollMs ?? 5000;
  }

  /** `[tidb].project` by name; without it, the key's only project (several: the user must choose). */
  async project(name: string | undefined): Promise<TidbProject> {
    const projects: TidbProject[] = [];
    let pageToken: string | undefined;
    do {
      const query = pageToken ? `?pageToken=${encodeURIComponent(pageToken)}` : "";
      const page = await this.request<{ projects?: TidbProject[]; nextPageToken?: string }>(
        "GET",
        `${this.iamUrl}/projects${query}`,
      );
      projects.push(...(page.projects ?? []));
      pageToken = page.nextPageToken || undefined;
    } while (pageToken);
    const names = projects.map((p) => `"${p.name}"`).join(", ") || "none";
    if (name !== undefined) {
      const found = projects.find((p) => p.name === name);
      if (found) return found;
      throw new CliError(
        "tidb-project-missing",
        `the TiDB Cloud project "${name}" is not visible to this API key.`,
        {
          hint: `Fix tidb.project (projects visible: ${names}), or create the project at tidbcloud.com.`,
        },
      );
    }
    if (projects.length === 1) return projects[0]!;
    throw new CliError(
      "tidb-project-ambiguous",
      projects.length === 0
        ? "this TiDB Cloud API key sees no project."
        : `this TiDB Cloud API key sees several projects (${names}).`,
      {
        hint:
          projects.length === 0
            ? "Create a project at tidbcloud.com, or use an organization-level API key."
            : `Choose one in pocket.toml: [tidb] project = "${projects[0]!.name}".`,
      },
    );
  }

  async cluster(projectId: string, displayName: string): Promise<TidbCluster | undefined> {
    let pageToken: string | undefined;
    do {
      const query = new URLSearchParams({ filter: `projectId=${projectId}` });
      if (pageToken) query.set("pageToken", pageToken);
      const page = await this.request<{ clusters?: TidbCluster[]; nextPageToken?: string }>(
        "GET",
        `${this.serverlessUrl}/clusters?${query}`,
      );
      const found = page.clusters?.find((c) => c.displayName === displayName);
      if (found) return found;
      pageToken = page.nextPageToken || undefined;
    } while (pageToken);
    return undefined;
  }

  async createCluster(input: {
    projectId: string;
    displayName: string;
    region: string;
    rootPassword: string;
  }): Promise<TidbCluster> {
    return this.request<TidbCluster>("POST", `${this.serverlessUrl}/clusters`, {
      displayName: input.displayName,
      region: { name: input.region },
      rootPassword: input.rootPassword,
      labels: { "tidb.cloud/project": input.projectId },
      endpoints: {
        public: {
          // The functions run from Lambda's changing addresses; TLS and the password protect it.
          authorizedNetworks: [
            { startIpAddress: "0.0.0.0", endIpAddress: "255.255.255.255", displayName: "Allow_all" },
          ],
        },
      },
    });
  }

  /** Waits until the cluster is ACTIVE (new clusters take a minute or so). */
  async waitActive(
    projectId: string,
    displayName: string,
    onWait: (state: string) => void,
  ): Promise<TidbCluster> {
    for (let attempt = 0; attempt < 120; attempt++) {
      const c = await this.cluster(projectId, displayName);
      if (c?.state === "ACTIVE") return c;
      onWait(c?.state ?? "not listed yet");
      await sleep(this.pollMs);
    }
    throw new CliError("tidb-cluster-not-active", `the TiDB cluster ${displayName} did not become ACTIVE.`, {
      hint: "Look at the cluster at tidbcloud.com; deploy again once it is active.",
    });
  }

  async setRootPassword(clusterId: string, password: string): Promise<void> {
    await this.request("PUT", `${this.serverlessUrl}/clusters/${encodeURIComponent(clusterId)}/password`, {
      password,
    });
  }

  async deleteCluster(clusterId: string): Promise<void> {
    await this.request("DELETE", `${this.serverlessUrl}/clusters/${encodeURIComponent(clusterId)}`);
  }

  private async request<T>(method: string, url: string, body?: unknown): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const authorization = this.challenge ? this.authorization(method, url) : undefined;
      const res = await vendorFetch(TIDB, url, { method, authorization, body });
      const text = await res.text();
      if (res.status === 401) {
        // First contact (no challenge yet) or a stale nonce: answer the new challenge once.
        const challenge = parseDigestChallenge(res.headers.get("www-authenticate"));
        const retry =
          challenge && (!this.challenge || this.challenge.nonce !== challenge.nonce) && attempt < 2;
        if (retry) {
          this.challenge = challenge;
          this.nc = 0;
          continue;
        }
        throw new CliError(
          "tidb-unauthorized",
          `the TiDB Cloud API rejected the key pair (public key ${maskKey(this.options.publicKey)}).`,
          {
            hint: "Set TIDB_PUBLIC_KEY and TIDB_PRIVATE_KEY (environment or .env next to pocket.toml) to an API key from tidbcloud.com (Organization settings, API Keys).",
          },
        );
      }
      if ((res.status === 429 || res.status >= 500) && attempt < 6) {
        await sleep(Math.min(1000 * 2 ** attempt, 15_000));
        continue;
      }
      if (!res.ok) {
        const message = (parseJson(text) as { message?: string } | undefined)?.message ?? text.slice(0, 200);
        throw new CliError(
          "tidb-api",
          `TiDB Cloud API ${method} ${new URL(url).pathname} answered ${res.status}: ${message || "no message"}`,
          { hint: "Check the cluster at tidbcloud.com, then deploy again." },
        );
      }
      return (parseJson(text) ?? {}) as T;
    }
  }

  private authorization(method: string, url: string): string {
    const u = new URL(url);
    this.nc += 1;
    return digestAuthorization(
      this.challenge!,
      { username: this.options.publicKey, password: this.options.privateKey },
      { method, uri: `${u.pathname}${u.search}` },
      this.nc,
    );
  }
}
