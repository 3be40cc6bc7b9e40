import type { PocketContext, WafHeaderRule } from "../context/types.js";
import type { Issue, PathSegment } from "../diagnostics.js";
import { isTable } from "../merge.js";
import { newTable, type TomlTable, type TomlValue } from "../toml/parse.js";

/** What `waf.allow_rules` say beyond the seed's `allow_paths`, per distribution. */
export interface AllowRules {
  /** Paths without a trailing `*`: allowed on that path only. */
  paths: Record<string, string[]>;
  /** Rules with a `header`: allowed with the managed secret's value in `x-pocket-waf-allow`. */
  headers: Record<string, WafHeaderRule[]>;
  /** The managed secrets the header rules name (generated in the first container's store). */
  secrets: string[];
  issues: Issue[];
}

/**
 * `allow_rules = [{ path = "/api/health" }, { path = "/api/smoke/*", header = "SMOKE_SECRET" }]`
 * (the original's configuration.md): a path without a trailing `*` is allowed on that path only;
 * with `*` it is a prefix, the seed's `allow_paths` (routes.ts); a `header` names a managed
 * secret pocket generates, and the rule allows only requests carrying its value (on the path,
 * when one is given). docs/decisions.md#d11-two-spellings-one-schema.
 */
export function allowRulesOf(doc: TomlTable): AllowRules {
  const out: AllowRules = { paths: {}, headers: {}, secrets: [], issues: [] };
  const cloudfront = isTable(doc.cloudfront) ? doc.cloudfront : {};
  for (const [name, d] of Object.entries(cloudfront)) {
    const waf = isTable(d) ? d.waf : undefined;
    const rules = isTable(waf) && Array.isArray(waf.allow_rules) ? waf.allow_rules : [];
    rules.forEach((rule, i) => {
      if (!isTable(rule)) return;
      const at: PathSegment[] = ["cloudfront", name, "waf", "allow_rules", i];
      const path = pathOf(rule, at, out.issues);
      if (path === "invalid") return;
      if (Object.hasOwn(rule, "header")) {
        const secret = headerSecret(rule.header, [...at, "header"], doc, out.issues);
        if (secret === undefined) return;
        out.headers[name] = [...(out.headers[name] ?? []), path ? { secret, path } : { secret }];
        if (!out.secrets.includes(secret)) out.secrets.push(secret);
        return;
      }
      // A prefix is the seed's allow_paths.
      if (path && !path.prefix) out.paths[name] = [...(out.paths[name] ?? []), path.value];
    });
  }
  return out;
}

/** The rule's path: absent, a prefix (`/api/*`), or exact; it must start with `/`. */
function pathOf(
  rule: TomlTable,
  at: PathSegment[],
  issues: Issue[],
): WafHeaderRule["path"] | undefined | "invalid" {
  if (typeof rule.path !== "string") return undefined;
  if (rule.path.startsWith("/")) {
    const prefix = rule.path.endsWith("*");
    return { value: prefix ? rule.path.slice(0, -1) : rule.path, prefix };
  }
  issues.push({
    code: "invalid-format",
    message: `allow rule path must start with "/" (got "${rule.path}")`,
    path: [...at, "path"],
  });
  return "invalid";
}

/** The managed secret a header rule names; it is stored with the first container's secrets. */
function headerSecret(
  value: unknown,
  at: PathSegment[],
  doc: TomlTable,
  issues: Issue[],
): string | undefined {
  if (typeof value !== "string" || !/^[A-Z][A-Z0-9_]*$/.test(value)) {
    issues.push({
      code: "invalid-format",
      message: `allow rule header must name a managed secret in upper case (A-Z, 0-9, _), got ${JSON.stringify(value)}`,
      path: at,
      hint: 'e.g. header = "SMOKE_ALLOW_SECRET"; requests then send its value in x-pocket-waf-allow.',
    });
    return undefined;
  }
  if (!isTable(doc.container) || Object.keys(doc.container).length === 0) {
    issues.push({
      code: "waf-header-container",
      message: `allow rule header ${value} needs a [container.<name>]: its secret is stored with the container's managed secrets`,
      path: at,
    });
    return undefined;
  }
  return value;
}

/** The context with each distribution's exact allow paths and header rules in its WAF. */
export function withAllowRules(
  context: PocketContext,
  paths: Record<string, string[]> = {},
  headers: Record<string, WafHeaderRule[]> = {},
): PocketContext {
  if (!context.cloudfront || Object.keys(paths).length + Object.keys(headers).length === 0) return context;
  const cloudfront: NonNullable<PocketContext["cloudfront"]> = {};
  for (const [name, cf] of Object.entries(context.cloudfront)) {
    cloudfront[name] = cf.waf
      ? {
          ...cf,
          waf: {
            ...cf.waf,
            ...(paths[name] ? { allowExactPaths: paths[name] } : {}),
            ...(headers[name] ? { allowHeaderRules: headers[name] } : {}),
          },
        }
      : cf;
  }
  return { ...context, cloudfront };
}

/**
 * The header rules' secrets, generated with the first container's managed secrets (in its store,
 * as the original keeps them): a 64-character password of letters and digits, safe in a header.
 * One the file declares itself is used as declared, if it is a password.
 */
export function addHeaderSecrets(
  awscontainer: TomlValue | undefined,
  container: string,
  secrets: string[],
): Issue[] {
  if (secrets.length === 0 || !isTable(awscontainer)) return [];
  const table = isTable(awscontainer.secrets) ? awscontainer.secrets : newTable();
  if (!isTable(awscontainer.secrets)) {
    table.pocket_key_format = `{stage}-{project}-${container}-{namespace}`;
    awscontainer.secrets = table;
  }
  const managed = isTable(table.managed) ? table.managed : newTable();
  table.managed = managed;
  const issues: Issue[] = [];
  for (const name of secrets) {
    const declared = managed[name];
    if (declared === undefined) {
      managed[name] = { type: "password", options: { length: 64, chars: HEADER_CHARS } };
    } else if (!isTable(declared) || declared.type !== "password") {
      issues.push({
        code: "waf-header-secret",
        message: `managed secret ${name} opens a WAF allow rule, so it must be type = "password" (or left to pocket)`,
        path: ["container", container, "secrets", "managed", name],
      });
    }
  }
  return issues;
}

const HEADER_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
