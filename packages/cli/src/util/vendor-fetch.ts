import { CliError } from "../errors.js";

/** Who answers a vendor request, for the error when it cannot be reached. */
export interface VendorApi {
  /** The error code, e.g. `neon-unreachable`. */
  code: string;
  /** The API's name in messages, e.g. "the Neon API". */
  name: string;
  /** The variables that override its URL, named in the hint. */
  overrides: string;
}

/**
 * One JSON request to a vendor's API (Neon, TiDB Cloud, Upstash), with a 30 s timeout. A request
 * that gets no answer is the vendor's `-unreachable` error; an answer of any status is returned.
 */
export async function vendorFetch(
  api: VendorApi,
  url: string,
  request: { method: string; authorization?: string; body?: unknown },
): Promise<Response> {
  const { method, authorization, body } = request;
  try {
    return await fetch(url, {
      method,
      headers: {
        Accept: "application/json",
        ...(authorization === undefined ? {} : { Authorization: authorization }),
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    throw new CliError(
      api.code,
      `cannot reach ${api.name} at ${new URL(url).origin}: ${(error as Error).message}`,
      { hint: `Check your network connection (and ${api.overrides} if you set it).` },
    );
  }
}

/** Where a vendor's API keys are made and which variables hold them, for the error when one is not set. */
export interface VendorKeyHelp {
  /** The error code, e.g. `neon-key-missing`. */
  code: string;
  message: string;
  /** Where a key is made, e.g. "Create an API key in the Neon console". */
  create: string;
  variables: string[];
}

/**
 * The keys a vendor section's API calls take (read from the environment or .env); when one is not
 * set, the error that says where such a key is made and which variables it goes in.
 */
export function vendorKeys<const V extends readonly (string | undefined)[]>(
  values: V,
  help: VendorKeyHelp,
): { [I in keyof V]: string } {
  if (values.every((v) => v)) return values as { [I in keyof V]: string };
  const put = help.variables.map((v) => `${v}=...`).join(" and ");
  throw new CliError(help.code, help.message, {
    hint: `${help.create} and put ${put} in the environment or in .env next to pocket.toml.`,
  });
}
