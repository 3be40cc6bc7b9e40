import { parseTemplateBody } from "../stacks/compare.js";
import type { Json } from "../templates/template.js";

/** A CloudFormation template as read back: resources by logical id, with their type and properties. */
export interface ReadTemplate {
  Description?: string;
  Resources: Record<string, { Type: string; Properties?: Record<string, Json> }>;
}

/**
 * A deployed template body: JSON (pocket's) or YAML (the original's, which may use the short
 * forms `!Ref`, `!GetAtt`, ...), or undefined when unreadable.
 */
export async function readTemplateBody(body: string | undefined): Promise<ReadTemplate | undefined> {
  return (await parseTemplateBody(body)) as ReadTemplate | undefined;
}

/** pocket's templates say so in their description; the original's never do. */
export function deployedByPocket(template: ReadTemplate): boolean {
  return (template.Description ?? "").startsWith("magic-pocket");
}
