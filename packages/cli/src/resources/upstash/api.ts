import { CliError } from "../../errors.js";
import { parseJson } from "../../util/json.js";
import { maskKey } from "../../util/mask.js";
import { sleep } from "../../util/time.js";
import { type VendorApi, vendorFetch } from "../../util/vendor-fetch.js";

/**
 * A small client for Upstash's Developer API v2 (https://upstash.com/docs/devops/developer-api):
 * list, create, read and delete Redis databases, with HTTP Basic auth of the account's email and
 * management API key. Upstash creates a database synchronously, so there is nothing to poll.
 */
export interface UpstashDatabase {
  database_id: string;
  database_name: string;
  endpoint: string;
  port: number;
  password?: string;
  tls?: boolean;
  budget?: number;
  primary_region?: string;
  state?: string;
}

export interface UpstashApiOptions {
  email: string;
  apiKey: string;
  /** Set from `POCKET_UPSTASH_API_URL` by the engine (a proxy, or the contract server in tests). */
  baseUrl?: string;
}

const DEFAULT_URL = "https://api.upstash.com/v2";
const UPSTASH: VendorApi = {
  code: "upstash-unreachable",
  name: "the Upstash API",
  overrides: "POCKET_UPSTASH_API_URL",
};

export class UpstashApi {
  private readonly baseUrl: string;

  constructor(private readonly options: UpstashApiOptions) {
    this.baseUrl = (options.baseUrl ?? DEFAULT_URL).replace(/\/$/, "");
  }

  /** The account's database with this name (names are not unique in Upstash: the first one). */
  async findDatabase(name: string): Promise<UpstashDatabase | undefined> {
    const list = await this.request<UpstashDatabase[]>("GET", "/redis/databases");
    return (list ?? []).find((d) => d.database_name === name);
  }

  /** One database with its password (the list may leave the password out). */
  async database(id: string): Promise<UpstashDatabase> {
    return this.request<UpstashDatabase>("GET", `/redis/database/${enc(id)}`);
  }

  async createDatabase(name: string, primaryRegion: string, budget: number): Promise<UpstashDatabase> {
    return this.request<UpstashDatabase>("POST", "/redis/database", {
      database_name: name,
      platform: "aws",
      region: "global",
      primary_region: primaryRegion,
      tls: true,
      budget,
    });
  }

  async updateBudget(id: string, budget: number): Promise<void> {
    await this.request("PATCH", `/redis/update-budget/${enc(id)}`, { budget });
  }

  async deleteDatabase(id: string): Promise<void> {
    await this.request("DELETE", `/redis/database/${enc(id)}`);
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const auth = Buffer.from(`${this.options.email}:${this.options.apiKey}`).toString("base64");
    for (let attempt = 0; ; attempt++) {
      const res = await vendorFetch(UPSTASH, `${this.baseUrl}${path}`, {
        method,
        authorization: `Basic ${auth}`,
        body,
      });
      const text = await res.text();
      if (res.ok) return parseJson(text) as T;
      // 429/5xx: transient.
      if ((res.status === 429 || res.status >= 500) && attempt < 5) {
        await sleep(Math.min(500 * 2 ** attempt, 8_000));
        continue;
      }
      throw this.failure(`${method} ${path}`, res.status, text.slice(0, 200));
    }
  }

  private failure(what: string, status: number, message: string): CliError {
    if (status === 401 || status === 403) {
      return new CliError(
        "upstash-unauthorized",
        `the Upstash API rejected the credentials (${this.options.email}, key ${maskKey(this.options.apiKey)}).`,
        {
          hint: "Set UPSTASH_EMAIL and UPSTASH_API_KEY (environment or .env next to pocket.toml) from Upstash Console > Account > Management API.",
        },
      );
    }
    return new CliError("upstash-api", `Upstash API ${what} answered ${status}: ${message || "no message"}`, {
      hint: "Check the database in the Upstash console, then deploy again.",
    });
  }
}

const enc = encodeURIComponent;
