import type { Template } from "../templates/template.js";

/**
 * True when a deployed template body means the same as a freshly built template. Bodies we send
 * are JSON; a stack deployed by the Python tool has YAML, which is parsed too. Object key order
 * does not matter, list order does (CloudFront behaviours are ordered).
 */
export async function sameTemplate(deployedBody: string | undefined, template: Template): Promise<boolean> {
  const deployed = await parseTemplateBody(deployedBody);
  // Unreadable (e.g. short-form tags): redeploying normalises it.
  return deployed !== undefined && canonical(deployed) === canonical(template);
}

const FUNCTIONS = ["Ref", "GetAtt", "Sub", "ImportValue", "Join", "Select", "Split", "If", "Equals"];

/**
 * A deployed template body (JSON from us, YAML from the Python tool, which may use the short
 * forms `!Ref`, `!GetAtt`, ..., read as their long forms), or undefined if unreadable. The YAML
 * reader is loaded only for a YAML body: commands that never meet one skip it.
 */
export async function parseTemplateBody(body: string | undefined): Promise<unknown> {
  if (!body) return undefined;
  try {
    return JSON.parse(body);
  } catch {
    const { parse } = await import("yaml");
    const key = (name: string) => (name === "Ref" ? "Ref" : `Fn::${name}`);
    const customTags = FUNCTIONS.flatMap((name) => [
      { tag: `!${name}`, resolve: (value: string) => ({ [key(name)]: value }) },
      {
        tag: `!${name}`,
        collection: "seq" as const,
        resolve: (value: { toJSON(): unknown }) => ({ [key(name)]: value.toJSON() }),
      },
    ]);
    try {
      return parse(body, { customTags });
    } catch {
      return undefined;
    }
  }
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, (v as Record<string, unknown>)[k]]),
        )
      : v,
  );
}
