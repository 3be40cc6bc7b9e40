import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "smol-toml";
import { describe, expect, it } from "vitest";
import { pocketTomlJsonSchema } from "../src/index.js";

/** The original's own rendering fixtures, in its current spelling (beside the checkout; CI has it). */
const TEMPLATES = join(import.meta.dirname, "../../../..", "shared", "spec", "original-templates");

type Schema = Record<string, any>;

/** The schema of `key` under `schema`, through properties, additionalProperties and alternatives. */
function child(schema: Schema | undefined, key: string | number): Schema | undefined {
  if (!schema) return undefined;
  if (typeof key === "number") return schema.items ?? schema.anyOf?.map((s: Schema) => s.items).find(Boolean);
  if (schema.properties?.[key]) return schema.properties[key];
  if (typeof schema.additionalProperties === "object") return schema.additionalProperties;
  for (const alt of [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])]) {
    const found = child(alt, key);
    if (found) return found;
  }
  return undefined;
}

/** Every key path of the value that the editor schema has no place for. */
function unknownKeys(value: unknown, schema: Schema | undefined, at: (string | number)[] = []): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => unknownKeys(v, child(schema, i), [...at, i]));
  if (!value || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([k, v]) => {
    const s = child(schema, k);
    return s ? unknownKeys(v, s, [...at, k]) : [[...at, k].join(".")];
  });
}

describe("pocket config schema covers the original's current spelling", () => {
  const schema = pocketTomlJsonSchema() as Schema;

  it.each(["tk", "tk2"])("every key of %s/pocket-head.toml has a place in the schema", (folder) => {
    const doc = parse(readFileSync(join(TEMPLATES, folder, "pocket-head.toml"), "utf8"));
    expect(unknownKeys(doc, schema)).toEqual([]);
  });

  it("HEAD's route, WAF, [rds.backup], s3 cors and scheduler keys", () => {
    const doc = parse(`
[rds]
database = "app"
[rds.backup]
retention_days = 14
[s3]
cors = { methods = ["PUT"], cloudfront = "web" }
[cloudfront.web]
routes = [{ path_pattern = "/api/*", type = "lambda", handler = "main.wsgi" }, { is_default = true, versioning = "content_hash", build = { dir = "dist", cmd = "npm run build" } }, { path_pattern = "/d/*", upload_dir = "d" }]
waf = { enable_ip_set = false, allow_rules = [{ path = "/health/*" }] }
[scheduler.schedules.tick]
handler = "main.worker"
rate = "1 hour"
scheduler = "pocket.sqs_scheduler"
`);
    expect(unknownKeys(doc, schema)).toEqual([]);
    const route = schema.properties.cloudfront.additionalProperties.properties.routes.items.properties;
    expect(route.type.enum).toEqual(["s3", "api", "lambda"]);
    // A key neither spelling has is still unknown.
    expect(unknownKeys(parse("[rds.backup]\nkeep = 1\n"), schema)).toEqual(["rds.backup.keep"]);
  });
});
