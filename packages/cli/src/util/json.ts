/** A response body as JSON: `{}` when empty, undefined when it is not JSON (an HTML error page). */
export function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : {};
  } catch {
    return undefined;
  }
}
