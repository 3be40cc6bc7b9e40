import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  formatDiagnostics,
  loadConfig,
  pocketTomlJsonSchema,
  SECTION_NAMES,
  validateAllStages,
} from "../src/index.js";
import { CONTAINER, GENERAL, load, problems } from "./helpers.js";

const FILE = "/virtual/testprj/pocket.toml";

describe("diagnostics", () => {
  const source = `${GENERAL}
[s3]
bucket_name_format = "{stage}-{oops}"

${CONTAINER}timout = 600

[cloudfront.main]
routes = [
    { is_default = true, is_spa = true },
    { path_pattern = "/api/*", type = "api", handler = "nope" },
]
`;

  it("reports every problem of one file together, each with code, path and position", () => {
    const ds = problems(source);
    const byCode = Object.fromEntries(ds.map((d) => [d.code, d]));
    expect(Object.keys(byCode).sort()).toEqual(expect.arrayContaining(["format-placeholder", "unknown-key"]));
    // The route's handler is checked against [awscontainer] only once that section is valid:
    // a rule that reads another section does not guess at a broken one.
    expect(ds.some((d) => d.path.startsWith("cloudfront"))).toBe(false);
    const typo = ds.find((d) => d.path === "awscontainer.handlers.wsgi.timout")!;
    expect(typo.position).toEqual({ line: 14, column: 1 });
    expect(typo.hint).toBe('Did you mean "timeout"?');
    const fixed = problems(source.replace("timout", "timeout"));
    const handler = fixed.find((d) => d.path.startsWith("cloudfront.main.routes[1]"))!;
    expect(handler.path).toBe("cloudfront.main.routes[1].handler");
    expect(handler.position?.line).toBe(19);
    expect(fixed.map((d) => d.code)).toContain("format-placeholder");
    for (const d of ds) {
      expect(d.file).toBe(FILE);
      expect(d.message.length).toBeGreaterThan(10);
    }
  });

  it("prints like a compiler, with the source line and a caret", () => {
    const ds = problems(source);
    const text = formatDiagnostics(ds, { sources: new Map([[FILE, source]]), cwd: "/virtual/testprj" });
    expect(text).toContain(
      'pocket.toml:14:1 error[unknown-key] awscontainer.handlers.wsgi.timout: unknown key "timout"',
    );
    expect(text).toContain("  14 | timout = 600\n     | ^");
    expect(text).toContain('hint: Did you mean "timeout"?');
  });

  it("gives TOML syntax errors a position", () => {
    const [d] = problems(`${GENERAL}\n[s3\n`);
    expect(d).toMatchObject({ code: "toml-syntax", position: { line: 7 } });
  });

  it("validates every stage at once and labels stage-only problems", () => {
    const r = validateAllStages({ configPath: FILE, source: `${GENERAL}\n[prd.s3]\nfoo = 1\n`, env: {} });
    const d = r.diagnostics.find((x) => x.code === "unknown-key")!;
    expect(d.path).toBe("s3.foo");
    expect(d.stages).toEqual(["prd"]);
  });

  it("never throws on input of the wrong shape", () => {
    for (const source of [
      "",
      "\u0000",
      "[[general]]\n",
      "general = 1\n",
      "[general]\nstages = 1\n",
      "a.b.c.d = [1, [2, {x = 3}]]\n",
    ]) {
      const r = loadConfig({ configPath: FILE, source, env: {}, stage: "dev" });
      expect(r.ok).toBe(false);
    }
  });
});

/** A valid file a user might write; the property test mutates it. */
const VALID = `${GENERAL}
[vpc]
ref = "main"
zone_suffixes = ["a", "c"]

[s3]

${CONTAINER}apigateway = { domain = "api.example.com" }
memory_size = 1024

[awscontainer.handlers.worker]
command = "pocket.django.lambda_handlers.management_command_handler"
sqs = { batch_size = 5 }

[awscontainer.secrets.managed]
SECRET_KEY = { type = "password", options = { length = 50 } }
SPA = { type = "spa_token_secret" }

[awscontainer.django.storages]
default = { store = "s3", location = "media" }
staticfiles = { store = "s3", location = "static", static = true, manifest = true }

[cloudfront.main]
domain = "www.example.com"
token_secret = "SPA"
routes = [
    { is_default = true, is_spa = true, require_token = true },
    { path_pattern = "/static/*", is_versioned = true },
]

[prd.awscontainer.handlers.wsgi]
memory_size = 2048
`;

describe("random edits of a valid file (fast-check)", () => {
  it("the valid file is valid", () => {
    expect(load(VALID).ok).toBe(true);
  });

  const lines = VALID.split("\n");
  const edit = fc.oneof(
    fc.record({ kind: fc.constant("delete" as const), at: fc.nat(lines.length - 1) }),
    fc.record({ kind: fc.constant("duplicate" as const), at: fc.nat(lines.length - 1) }),
    fc.record({
      kind: fc.constant("value" as const),
      at: fc.nat(lines.length - 1),
      value: fc.oneof(
        fc.string(),
        fc.integer().map(String),
        fc.boolean().map(String),
        fc.constant("[]"),
        fc.constant("{}"),
      ),
    }),
    fc.record({ kind: fc.constant("insert" as const), at: fc.nat(lines.length - 1), text: fc.string() }),
    fc.record({ kind: fc.constant("truncate" as const), at: fc.nat(VALID.length) }),
  );
  type Edit =
    | { kind: "delete" | "duplicate"; at: number }
    | { kind: "value"; at: number; value: string }
    | { kind: "insert"; at: number; text: string }
    | { kind: "truncate"; at: number };
  const apply = (text: string, e: Edit): string => {
    const ls = text.split("\n");
    switch (e.kind) {
      case "delete":
        ls.splice(e.at, 1);
        return ls.join("\n");
      case "duplicate":
        ls.splice(e.at, 0, ls[e.at] ?? "");
        return ls.join("\n");
      case "value": {
        const l = ls[e.at] ?? "";
        ls[e.at] = l.includes("=") ? `${l.slice(0, l.indexOf("=") + 1)} ${e.value}` : l;
        return ls.join("\n");
      }
      case "insert":
        ls.splice(e.at, 0, e.text);
        return ls.join("\n");
      default:
        return text.slice(0, e.at);
    }
  };

  it("never throw: every result is a config or diagnostics with a code and a message", () => {
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 4 }), (edits) => {
        const text = edits.reduce(apply, VALID);
        for (const stage of ["dev", "prd"]) {
          const r = loadConfig({ configPath: FILE, source: text, env: {}, stage });
          if (!r.ok) {
            expect(r.diagnostics.length).toBeGreaterThan(0);
            for (const d of r.diagnostics) {
              expect(d.code).toMatch(/^[a-z][a-z0-9-]+$/);
              expect(d.message).not.toMatch(/undefined|\[object Object\]/);
            }
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("the JSON Schema of pocket.toml", () => {
  const schema = pocketTomlJsonSchema() as {
    $schema?: string;
    type: string;
    properties: Record<
      string,
      { type?: string; properties?: Record<string, unknown>; additionalProperties?: unknown }
    >;
    additionalProperties?: unknown;
  };

  it("describes every section, with their keys and no others", () => {
    expect(schema.$schema).toMatch(/json-schema\.org/);
    expect(schema.type).toBe("object");
    for (const section of SECTION_NAMES) expect(schema.properties, section).toHaveProperty(section);
    expect(Object.keys(schema.properties.general!.properties!)).toEqual(
      expect.arrayContaining([
        "region",
        "stages",
        "namespace",
        "project_name",
        "prefix_template",
        "django_fallback",
      ]),
    );
    expect(schema.properties.s3!.additionalProperties).toBe(false);
  });

  it("is valid JSON and stable", () => {
    expect(JSON.parse(JSON.stringify(schema))).toEqual(pocketTomlJsonSchema());
  });
});
