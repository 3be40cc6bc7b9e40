/** Small pieces the HTTP clients for vendor APIs (Neon, TiDB Cloud) and the pollers share. */

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A response body as JSON: `{}` when empty, undefined when it is not JSON (an HTML error page). */
export function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : {};
  } catch {
    return undefined;
  }
}
