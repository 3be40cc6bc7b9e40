import { parse } from "yaml";
import type { Template } from "../templates/template.js";

/**
 * True when a deployed template body means the same as a freshly built template. Bodies we send
 * are JSON; a stack deployed by the Python tool has YAML, which is parsed too. Object key order
 * does not matter, list order does (CloudFront behaviours are ordered).
 */
export function sameTemplate(deployedBody: string | undefined, template: Template): boolean {
  if (!deployedBody) return false;
  let deployed: unknown;
  try {
    deployed = JSON.parse(deployedBody);
  } catch {
    try {
      deployed = parse(deployedBody);
    } catch {
      return false; // unreadable (e.g. short-form tags): redeploying normalises it
    }
  }
  return canonical(deployed) === canonical(template);
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
