import type { PocketContext } from "../context/types.js";
import type { Issue } from "../diagnostics.js";
import { isTable } from "../merge.js";
import type { TomlTable } from "../toml/parse.js";

/**
 * `allow_rules = [{ path = "/api/health" }]`: a path without a trailing `*` is allowed on that
 * path only (the original's configuration.md); with `*` it is a prefix, the seed's `allow_paths`
 * (routes.ts). Per distribution, the exact paths and the problems of how they are written.
 */
export function exactAllowPaths(doc: TomlTable): { paths: Record<string, string[]>; issues: Issue[] } {
  const paths: Record<string, string[]> = {};
  const issues: Issue[] = [];
  const cloudfront = isTable(doc.cloudfront) ? doc.cloudfront : {};
  for (const [name, d] of Object.entries(cloudfront)) {
    const waf = isTable(d) ? d.waf : undefined;
    const rules = isTable(waf) && Array.isArray(waf.allow_rules) ? waf.allow_rules : [];
    rules.forEach((rule, i) => {
      // A header rule is refused (unbuilt.ts); a prefix is the seed's allow_paths.
      if (!isTable(rule) || Object.hasOwn(rule, "header") || typeof rule.path !== "string") return;
      if (rule.path.endsWith("*")) return;
      if (!rule.path.startsWith("/")) {
        issues.push({
          code: "invalid-format",
          message: `allow rule path must start with "/" (got "${rule.path}")`,
          path: ["cloudfront", name, "waf", "allow_rules", i, "path"],
        });
        return;
      }
      paths[name] = [...(paths[name] ?? []), rule.path];
    });
  }
  return { paths, issues };
}

/** The context with each distribution's exact allow paths in its WAF. */
export function withExactAllowPaths(
  context: PocketContext,
  paths: Record<string, string[]> = {},
): PocketContext {
  if (!context.cloudfront || Object.keys(paths).length === 0) return context;
  const cloudfront: NonNullable<PocketContext["cloudfront"]> = {};
  for (const [name, cf] of Object.entries(context.cloudfront)) {
    cloudfront[name] =
      cf.waf && paths[name] ? { ...cf, waf: { ...cf.waf, allowExactPaths: paths[name] } } : cf;
  }
  return { ...context, cloudfront };
}
