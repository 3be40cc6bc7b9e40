import type { Stack } from "@aws-sdk/client-cloudformation";
import type { AwsClients } from "../aws/clients.js";
import { printable } from "../util/printable.js";
import { parseTemplateBody } from "./compare.js";
import type { StackSpec } from "./spec.js";
import { deployedTemplateBody, describeStack } from "./stack.js";

/** One difference between two JSON documents, at a path like `Resources.Api.Properties.Name`. */
export interface JsonChange {
  path: string;
  kind: "added" | "removed" | "changed";
  before?: unknown;
  after?: unknown;
  /**
   * A NoEcho parameter: no value is kept, only what its fingerprint tag says ("changed", or
   * "not fingerprinted" when the deployed stack carries no fingerprint to compare with).
   */
  secret?: "changed" | "not fingerprinted";
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
    .map((c) => {
      // Keys come from the deployed template, i.e. from AWS: they must not drive the terminal.
      const path = printable(c.path);
      if (c.secret && c.kind !== "changed") return `${c.kind === "added" ? "+" : "-"} ${path}: (secret)`;
      if (c.secret) return `~ ${path}: (secret, ${c.secret})`;
      return c.kind === "added"
        ? `+ ${path}: ${show(c.after)}`
        : c.kind === "removed"
          ? `- ${path}: ${show(c.before)}`
          : `~ ${path}: ${show(c.before)} -> ${show(c.after)}`;
    })
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
  const wanted = spec.parameters ?? {};
  // A NoEcho value never reaches the diff (AWS answers `****`, ours is the secret itself).
  const secret = (k: string) => spec.template.Parameters?.[k]?.NoEcho === true;
  const shown = (values: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(values).filter(([k]) => !secret(k)));
  return [
    ...jsonDiff(deployed, spec.template),
    ...jsonDiff({ Parameters: shown(deployedParameters) }, { Parameters: shown(wanted) }).map((c) => ({
      ...c,
      path: `(values) ${c.path}`,
    })),
    ...secretParameterChanges(stack, spec, deployedParameters),
  ];
}

/** The NoEcho parameters that differ, told by the fingerprint tag the stack's resource declares. */
function secretParameterChanges(
  stack: Stack,
  spec: StackSpec,
  deployedParameters: Record<string, unknown>,
): JsonChange[] {
  const wanted = spec.parameters ?? {};
  const tags = Object.fromEntries((stack.Tags ?? []).map((t) => [t.Key, t.Value]));
  const keys = new Set([...Object.keys(deployedParameters), ...Object.keys(wanted)]);
  const out: JsonChange[] = [];
  for (const key of keys) {
    if (spec.template.Parameters?.[key]?.NoEcho !== true) continue;
    const path = `(values) Parameters.${key}`;
    if (!(key in deployedParameters)) out.push({ path, kind: "added", secret: "changed" });
    else if (!(key in wanted)) out.push({ path, kind: "removed", secret: "changed" });
    else {
      const tag = spec.secretFingerprintTags?.[key];
      const deployedPrint = tag ? tags[tag] : undefined;
      if (deployedPrint === undefined) out.push({ path, kind: "changed", secret: "not fingerprinted" });
      else if (deployedPrint !== spec.tags?.[tag!]) out.push({ path, kind: "changed", secret: "changed" });
    }
  }
  return out;
}
