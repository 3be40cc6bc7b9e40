/**
 * The keys of the original's current spelling outside `[container.<name>]`, added to the editor
 * schema (docs/decisions.md#d11-two-spellings-one-schema). The editor cannot tell which spelling a
 * file uses, so it offers both; `pocket config validate` reports a file that mixes them.
 */
type Node = { properties?: Record<string, unknown>; [key: string]: unknown };

const METHODS = { type: "array", items: { type: "string", enum: ["GET", "PUT", "POST", "DELETE", "HEAD"] } };

export function addHeadKeys(properties: Record<string, unknown>): void {
  const at = (node: unknown, ...path: string[]): Node | undefined =>
    path.reduce<Node | undefined>((n, key) => n?.[key] as Node | undefined, node as Node | undefined);
  const route = at(
    properties.cloudfront,
    "additionalProperties",
    "properties",
    "routes",
    "items",
    "properties",
  );
  if (route) {
    const type = route.type as { enum?: string[] } | undefined;
    if (type?.enum) type.enum = [...type.enum, "lambda"];
    route.versioning = { type: "string", enum: ["content_hash", "deploy_hash"] };
    route.upload_dir = { type: "string", minLength: 1 };
    route.build = {
      anyOf: [
        route.build,
        {
          type: "object",
          properties: { dir: { type: "string" }, cmd: { type: "string" } },
          additionalProperties: false,
        },
      ],
    };
  }
  const waf = at(properties.cloudfront, "additionalProperties", "properties", "waf", "properties");
  if (waf) {
    waf.enable_ip_set = { type: "boolean", default: true };
    waf.allow_rules = {
      type: "array",
      items: { type: "object", properties: { path: { type: "string" }, header: { type: "string" } } },
    };
  }
  const rds = at(properties.rds, "properties");
  if (rds) {
    rds.backup = {
      type: "object",
      properties: { retention_days: { type: "integer", minimum: 1, maximum: 35, default: 35 } },
      additionalProperties: false,
    };
    rds.database = { type: "string", minLength: 1 };
  }
  const s3 = at(properties.s3, "properties");
  if (s3?.cors) {
    s3.cors = {
      anyOf: [
        s3.cors,
        {
          type: "object",
          properties: {
            methods: METHODS,
            cloudfront: { anyOf: [{ type: "string" }, { type: "array", items: { type: "string" } }] },
          },
        },
      ],
    };
  }
  const schedule = at(properties.scheduler, "properties", "schedules", "additionalProperties", "properties");
  if (schedule) schedule.scheduler = { type: "string" };
}
