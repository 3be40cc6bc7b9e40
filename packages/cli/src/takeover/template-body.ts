import type { Json } from "../templates/template.js";

/** A CloudFormation template as read back: resources by logical id, with their type and properties. */
export interface ReadTemplate {
  Description?: string;
  Resources: Record<string, { Type: string; Properties?: Record<string, Json> }>;
}

const FUNCTIONS = ["Ref", "GetAtt", "Sub", "ImportValue", "Join", "Select", "Split", "If", "Equals"];

/**
 * A deployed template body: JSON (pocket's) or YAML (the original's, which may use the short
 * forms `!Ref`, `!GetAtt`, ...), or undefined when unreadable.
 */
export async function readTemplateBody(body: string | undefined): Promise<ReadTemplate | undefined> {
  if (!body) return undefined;
  try {
    return JSON.parse(body) as ReadTemplate;
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
      return parse(body, { customTags }) as ReadTemplate;
    } catch {
      return undefined;
    }
  }
}

/** pocket's templates say so in their description; the original's never do. */
export function deployedByPocket(template: ReadTemplate): boolean {
  return (template.Description ?? "").startsWith("magic-pocket");
}
