import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig, storageBackend } from "../src/index.js";
import { CONTAINER, codes, context, GENERAL, load, problems } from "./helpers.js";

const SEED = join(import.meta.dirname, "../../../../shared/seed/configuration.ja.md");
/**
 * The seed lives beside the checkout, not in it (CI has it, read-only, next to the clone): a
 * missing seed fails "finds the seed's examples", never a silent pass or a skip.
 */
const SKIP_SEED = false;
const blocks = existsSync(SEED)
  ? [...readFileSync(SEED, "utf8").matchAll(/```toml\n([\s\S]*?)```/g)].map((m) => m[1]!)
  : [];

/**
 * The seed's TOML blocks are mostly excerpts: one section, as a reader would paste it into a
 * file that already has the rest. Each is completed with the smallest set of companion sections
 * that makes it a whole file (a [general], a container, the [vpc] RDS needs, the [neon] a Neon
 * URL needs, the distributions a storage or a stage override names) and must then load.
 */
const COMPANIONS = [
  `[s3]\n\n${CONTAINER}apigateway = {}\n`,
  '[vpc]\nref = "main"\nzone_suffixes = ["a", "c"]\n',
  '[neon]\nproject_name = "seed"\n',
  '[s3]\n\n[awscontainer]\ndockerfile_path = "Dockerfile"\n',
  '[cloudfront.main]\nroutes = [{ is_default = true, is_spa = true }, { path_pattern = "/static/*", ref = "static" }]\n\n[cloudfront.media]\nroutes = [{ is_default = true }]\n',
];

function dedent(block: string): string {
  const indent = Math.min(
    ...block
      .split("\n")
      .filter((l) => l.trim())
      .map((l) => /^ */.exec(l)![0].length),
  );
  return block
    .split("\n")
    .map((l) => l.slice(indent))
    .join("\n");
}

function complete(raw: string): string | undefined {
  const block = dedent(raw);
  const general = /^\[general\]/m.test(block) ? "" : GENERAL;
  const keys = [...block.matchAll(/signing_key\s*=\s*"([^"]+)"/g)].map((m) => m[1]);
  const managed = keys.length
    ? `\n[awscontainer.secrets.managed]\n${keys.map((k) => `${k} = { type = "cloudfront_signing_key" }`).join("\n")}\n`
    : "";
  for (let mask = 0; mask < 1 << COMPANIONS.length; mask++) {
    const extra = COMPANIONS.filter((_, i) => mask & (1 << i)).join("\n");
    const toml = `${general}\n${block}\n${extra}${mask & 1 ? managed : ""}`;
    if (load(toml).ok) return toml;
  }
  return undefined;
}

/** The one block that is not TOML to paste: the overview of the file's layout, with comments. */
const OVERVIEW = /^\[general\]\s+#/;

describe.skipIf(SKIP_SEED)("every TOML example of the guide (D1 in docs/decisions.md)", () => {
  it("finds the seed's examples", () => {
    expect(existsSync(SEED), `the seed is missing: ${SEED}`).toBe(true);
    expect(blocks.length).toBeGreaterThan(25);
  });

  it.each(blocks.map((b, i) => [i + 1, b] as const))("example %i loads for every stage", (_i, block) => {
    if (OVERVIEW.test(block)) {
      // Section names with comments, no values: not a file a user would load.
      expect(block).toContain("[dev.awscontainer]");
      return;
    }
    const toml = complete(block);
    expect(toml, `seed example does not load:\n${block}`).toBeDefined();
    const stages = /stages\s*=\s*\[([^\]]*)\]/
      .exec(toml!)![1]!
      .match(/"([^"]+)"/g)!
      .map((s) => s.slice(1, -1));
    for (const stage of stages) expect(load(toml!, stage).ok, `stage ${stage}`).toBe(true);
  });
});

describe("docs/decisions.md, configuration (D1 to D10)", () => {
  it("1. origin_path on the distribution (default /spa), overridden per route", () => {
    const c = context(
      `${GENERAL}\n[s3]\n[cloudfront.main]\nroutes = [{ is_default = true, is_spa = true }, { path_pattern = "/app/*", origin_path = "/app" }]\n`,
    );
    expect(c.cloudfront!.main!.originPath).toBe("/spa");
    expect(c.cloudfront!.main!.routes.map((r) => (r.type === "s3" ? r.originPath : ""))).toEqual([
      "/spa",
      "/app",
    ]);
  });

  it("2. unknown keys are errors with the closest known key", () => {
    const [d] = problems(`${GENERAL}\n${CONTAINER}timout = 600\n`);
    expect(d).toMatchObject({
      code: "unknown-key",
      path: "awscontainer.handlers.wsgi.timout",
      hint: 'Did you mean "timeout"?',
    });
  });

  it("3. only documented variables feed the configuration; API keys from the environment or .env", () => {
    const neon = `${GENERAL}\n[neon]\nproject_name = "p"\n`;
    const r = load(neon, "dev", { NEON_API_KEY: "from-env", REGION: "us-west-2", PROJECT_NAME: "x" });
    expect(r.ok && r.config.credentials.neonApiKey).toBe("from-env");
    expect(r.ok && r.config.context.region).toBe("ap-northeast-1");
    const dir = mkdtempSync(join(tmpdir(), "pocket-dotenv-"));
    writeFileSync(join(dir, "pocket.toml"), neon);
    writeFileSync(join(dir, ".env"), "NEON_API_KEY=from-dotenv\n");
    const fromFile = loadConfig({ configPath: join(dir, "pocket.toml"), env: {}, stage: "dev" });
    expect(fromFile.ok && fromFile.config.credentials.neonApiKey).toBe("from-dotenv");
    expect(fromFile.ok && fromFile.config.context.neon!.apiKeySource).toBe(".env");
  });

  it("4. the project is named after the folder of pocket.toml", () => {
    const r = loadConfig({
      configPath: "/somewhere/my-shop/pocket.toml",
      source: '[general]\nregion = "ap-northeast-1"\nstages = ["dev"]\n',
      env: {},
      stage: "dev",
    });
    expect(r.ok && r.config.context.project).toBe("my-shop");
  });

  it("5. every failure of one load is reported together, with positions", () => {
    const ds = problems(`${GENERAL}\n[s3]\nfoo = 1\n\n${CONTAINER}timout = 3\n\n[vpc]\n`);
    expect(codes(ds).sort()).toEqual(["missing-key", "unknown-key", "unknown-key"]);
    for (const d of ds) expect(d.position?.line).toBeGreaterThan(0);
  });

  it("6. seed rules the reference did not enforce", () => {
    expect(codes(problems(`${GENERAL}\n${CONTAINER}sqs = { maximum_concurrency = 1 }\n`))).toContain(
      "out-of-range",
    );
    const api = `${GENERAL}\n[s3]\n${CONTAINER}apigateway = { domain = "api.example.com" }\n[cloudfront.main]\nroutes = [{ is_default = true, is_spa = true }, { path_pattern = "/api/*", type = "api", handler = "wsgi" }]\n`;
    expect(
      problems(api).some(
        (d) => d.path.startsWith("cloudfront.main.routes[1]") || d.path.includes("apigateway"),
      ),
    ).toBe(true);
  });

  it("7. stage tables merge key by key; lists are replaced whole", () => {
    const c = context(
      `${GENERAL}\n${CONTAINER}\n[awscontainer.envs]\nA = "1"\nB = "2"\n\n[dev.awscontainer.envs]\nB = "3"\n\n[dev.awscontainer.handlers.wsgi]\ntimeout = 60\n`,
    );
    expect(c.container!.envs).toEqual({ A: "1", B: "3" });
    expect(c.container!.handlers.wsgi).toMatchObject({
      timeout: 60,
      command: "pocket.django.lambda_handlers.wsgi_handler",
    });
    const zones = context(
      `${GENERAL}\n[vpc]\nref = "main"\nzone_suffixes = ["a", "c"]\n[dev.vpc]\nzone_suffixes = ["d"]\n${CONTAINER}`,
    );
    expect(zones.vpc!.zoneSuffixes).toEqual(["d"]);
  });

  it("8. undocumented reference keys are supported: prefix_template, build, permissions_boundary, chars", () => {
    const c = context(`[general]
region = "ap-northeast-1"
project_name = "testprj"
stages = ["dev"]
prefix_template = "{stage}-{project}-"

[awscontainer]
dockerfile_path = "Dockerfile"
build = { backend = "codebuild", compute_type = "BUILD_GENERAL1_LARGE" }
permissions_boundary = "arn:aws:iam::123456789012:policy/boundary"

[awscontainer.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"

[awscontainer.secrets.managed]
PIN = { type = "password", options = { length = 6, chars = "0123456789" } }
`);
    expect(c.resourcePrefix).toBe("dev-testprj-");
    expect(c.container!.build).toMatchObject({ backend: "codebuild", computeType: "BUILD_GENERAL1_LARGE" });
    expect(c.container!.permissionsBoundary).toBe("arn:aws:iam::123456789012:policy/boundary");
    expect(c.container!.secrets!.managed.PIN).toMatchObject({
      type: "password",
      length: 6,
      chars: "0123456789",
    });
  });

  it("10. and naming: names too long for AWS are validation errors naming the key", () => {
    const long = "x".repeat(60);
    const ds = problems(
      `[general]\nregion = "ap-northeast-1"\nproject_name = "${long}"\nstages = ["dev"]\n\n${CONTAINER}`,
    );
    expect(
      ds.some((d) => d.message.includes("64") || d.code.includes("long") || d.code.includes("name")),
    ).toBe(true);
  });
});

describe("the Django backend table shared with the Python runtime (vectors/django-backends.json)", () => {
  const vectors = JSON.parse(
    readFileSync(join(import.meta.dirname, "../../../vectors/django-backends.json"), "utf8"),
  );

  type Row = { backend: string };
  it.each((vectors.storage_backends as Row[]).map((v) => [v.backend, v] as const))("%s", (_name, v) => {
    const row = v as unknown as {
      store: "s3" | "filesystem";
      distribution: boolean;
      static: boolean;
      manifest: boolean;
      backend: string;
    };
    expect(storageBackend(row.store, row.distribution, row.static, row.manifest)).toBe(row.backend);
  });

  it.each((vectors.fallback_cases as { name: string }[]).map((v) => [v.name, v] as const))(
    "fallback: %s",
    (_name, v) => {
      const row = v as unknown as { toml: string; storages: unknown; caches: unknown; settings: unknown };
      const stage = /stages\s*=\s*\["([^"]+)"/.exec(row.toml)![1]!;
      const c = context(row.toml, stage);
      expect(c.djangoFallback).toEqual({
        storages: row.storages,
        caches: row.caches,
        settings: row.settings,
      });
    },
  );
});
