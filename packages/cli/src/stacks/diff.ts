import type { AwsClients } from "../aws/clients.js";
import { parseTemplateBody } from "./compare.js";
import type { StackSpec } from "./spec.js";
import { deployedTemplateBody, describeStack } from "./stack.js";
/** One difference between two JSON documents, at a path like `Resources.Api.Properties.Name`. */
export interface JsonChange {
  path: string;
  kind: "added" | "removed" | "changed";
  before?: unknown;
  after?: unknown;
}

/** A structural diff: object keys in any order, list items by position. */
export function jsonDiff(before: unknown, after: unknown, path = ""): JsonChange[] {
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  const isObject = (v: unknown): v is Record<string, unknown> =>
    !!v && typeof v === "object" && !Array.isArray(v);
  if (isObject(before) && isObject(after)) {
    const out: JsonChange[] = [];
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
      const p = path ? `${path}.${key}` : key;
      if (!(key in after)) out.push({ path: p, kind: "removed", before: before[key] });
      else if (!(key in before)) out.push({ path: p, kind: "added", after: after[key] });
      else out.push(...jsonDiff(before[key], after[key], p));
    }
    return out;
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    return before.flatMap((item, i) => jsonDiff(item, after[i], `${path}[${i}]`));
  }
  return [{ path: path || "(document)", kind: "changed", before, after }];
}

export function formatDiff(changes: JsonChange[]): string {
  const show = (v: unknown) => {
    const s = JSON.stringify(v);
    return s && s.length > 100 ? `${s.slice(0, 97)}...` : s;
  };
  return changes
    .map((c) =>
      c.kind === "added"
        ? `+ ${c.path}: ${show(c.after)}`
        : c.kind === "removed"
          ? `- ${c.path}: ${show(c.before)}`
          : `~ ${c.path}: ${show(c.before)} -> ${show(c.after)}`,
    )
    .join("\n");
}

/**
 * How a deployed stack differs from `spec` (template, then parameter values), or undefined when
 * the stack does not exist.
 */
export async function stackDifferences(
  clients: AwsClients,
  spec: StackSpec,
): Promise<JsonChange[] | undefined> {
  const stack = await describeStack(clients, spec.name);
  if (!stack) return undefined;
  const deployed = (await parseTemplateBody(await deployedTemplateBody(clients, spec.name))) ?? null;
  const deployedParameters = Object.fromEntries(
    (stack.Parameters ?? []).map((p) => [p.ParameterKey, p.ParameterValue]),
  );
  return [
    ...jsonDiff(deployed, spec.template),
    ...jsonDiff({ Parameters: deployedParameters }, { Parameters: spec.parameters ?? {} }).map((c) => ({
      ...c,
      path: `(values) ${c.path}`,
    })),
  ];
}
