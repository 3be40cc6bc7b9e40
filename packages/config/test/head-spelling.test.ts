import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CONTAINER, codes, context, GENERAL, load, problems } from "./helpers.js";

/** The original's own rendering fixtures: one configuration in both spellings (beside the checkout). */
const TEMPLATES = join(import.meta.dirname, "../../../..", "shared", "spec", "original-templates");
const fixture = (folder: string, file: string) => readFileSync(join(TEMPLATES, folder, file), "utf8");

const HEAD_CONTAINER = `[s3]

[container.main]
dockerfile_path = "Dockerfile"

[container.main.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"
apigateway = {}
`;

describe("two spellings, one schema (docs/decisions.md D11)", () => {
  it.each(["tk", "tk2"])("%s: both spellings of one configuration give the same settings", (folder) => {
    const seed = load(fixture(folder, "pocket-42a3468.toml"));
    const head = load(fixture(folder, "pocket-head.toml"));
    if (!seed.ok || !head.ok) throw new Error(JSON.stringify([seed, head].filter((r) => !r.ok)));
    const { head: facts, ...settings } = head.config.settings;
    expect(facts).toMatchObject({ spelling: "head", container: "main" });
    // Same meaning, except the original's current defaults: CodeBuild builds, and managed
    // secrets live in the container's store.
    const { awscontainer } = seed.config.settings;
    const seedContainer = {
      ...awscontainer!,
      build: { backend: "codebuild" },
      secrets: { ...awscontainer!.secrets!, pocketKeyFormat: "{stage}-{project}-main-{namespace}" },
    };
    expect(settings).toEqual({ ...seed.config.settings, awscontainer: seedContainer });
  });

  it("HEAD keys normalise into the seed's settings", () => {
    const c = load(`${GENERAL}
[vpc]
ref = "main"
zone_suffixes = ["a", "c"]

[rds.backup]
retention_days = 14

${HEAD_CONTAINER}
[container.main.handlers.worker]
command = "worker"

[container.main.secrets.managed]
SECRET_KEY = { type = "password", options = { length = 50 }, shared = true }
DATABASE_URL = { type = "rds_database_url" }

[container.main.secrets.user]
NEON_URL = { type = "neon_database_url", store = "ssm" }

[s3.cors]
methods = ["PUT"]
cloudfront = "web"

[cloudfront.web]
domain = "www.example.com"
routes = [
  { is_default = true, is_spa = true, origin_path = "/web", build = { dir = "dist", cmd = "npm run build" } },
  { path_pattern = "/static/*", versioning = "content_hash", origin_path = "/static", upload_dir = "public" },
  { path_pattern = "/api/*", type = "lambda", handler = "main.wsgi" },
]

[cloudfront.web.waf]
managed_rule_groups = ["AWSManagedRulesCommonRuleSet"]
allow_rules = [{ path = "/health/*" }]

[scheduler.schedules.tick]
rate = "1 hour"
handler = "main.worker"
`);
    if (!c.ok) throw new Error(c.diagnostics.map((d) => `${d.code} ${d.path} ${d.message}`).join("\n"));
    const s = c.config.settings;
    expect(s.rds!.backupRetentionDays).toBe(14);
    expect(s.awscontainer!.secrets!.managed).not.toHaveProperty("DATABASE_URL");
    expect(s.awscontainer!.secrets!.user.NEON_URL).toEqual({
      name: "/dev-testprj-pocket-user/neon_database_url",
      store: "ssm",
    });
    expect(s.head!.sharedSecrets).toEqual(["SECRET_KEY"]);
    expect(s.s3!.cors).toEqual([
      {
        allowedOrigins: ["https://www.example.com"],
        allowedMethods: ["PUT"],
        allowedHeaders: ["*"],
        maxAge: 3600,
      },
    ]);
    const routes = s.cloudfront.web!.routes;
    expect(routes[0]).toMatchObject({ build: "npm run build", buildDir: "dist" });
    expect(routes[1]).toMatchObject({ isVersioned: true, buildDir: "public" });
    expect(routes[2]).toMatchObject({ type: "api", handler: "wsgi" });
    expect(s.cloudfront.web!.waf).toMatchObject({ ipAllowList: true, allowPaths: ["/health/"] });
    expect(s.scheduler!.schedules.tick).toMatchObject({ handler: "worker", input: {} });
  });

  it("[rds] of the new spelling keeps 35 days of backups unless told", () => {
    const c = context(
      `${GENERAL}\n[vpc]\nref = "main"\nzone_suffixes = ["a", "c"]\n\n[rds]\n\n${HEAD_CONTAINER}`,
    );
    expect(c.rds).toBeDefined();
    const seed = context(
      `${GENERAL}\n[vpc]\nref = "main"\nzone_suffixes = ["a", "c"]\n\n[rds]\n\n${CONTAINER}`,
    );
    expect(seed.rds).toBeDefined();
    const both = [
      load(`${GENERAL}\n[vpc]\nref = "main"\nzone_suffixes = ["a", "c"]\n\n[rds]\n\n${HEAD_CONTAINER}`),
      load(`${GENERAL}\n[vpc]\nref = "main"\nzone_suffixes = ["a", "c"]\n\n[rds]\n\n${CONTAINER}`),
    ].map((r) => (r.ok ? r.config.settings.rds!.backupRetentionDays : undefined));
    expect(both).toEqual([35, 7]);
  });

  it("a file mixing both spellings is an error that says which to use", () => {
    const [d] = problems(`${GENERAL}\n${CONTAINER}\n${HEAD_CONTAINER.replace("[s3]", "")}`);
    expect(d).toMatchObject({ code: "mixed-spelling", path: "awscontainer" });
    expect(d!.hint).toContain("[container.main]");
    expect(d!.position?.line).toBeGreaterThan(0);
    const route = problems(
      `${GENERAL}\n${HEAD_CONTAINER}\n[cloudfront.main]\nroutes = [{ is_default = true, is_spa = true }, { path_pattern = "/api/*", type = "api", handler = "wsgi" }]\n`,
    );
    expect(route.find((x) => x.code === "mixed-spelling")).toMatchObject({
      path: "cloudfront.main.routes[1].type",
      hint: 'Write type = "lambda", handler = "<container>.<handler>".',
    });
  });

  it("an S3 route without origin_path is keyed by its path pattern alone, as the original keys it", () => {
    const c = context(
      `${GENERAL}\n${HEAD_CONTAINER}\n[cloudfront.main]\nroutes = [\n  { is_default = true, is_spa = true, origin_path = "/spa" },\n  { path_pattern = "/static/*", ref = "static" },\n  { path_pattern = "/media/*", ref = "media", origin_path = "/files" },\n]\n`,
    );
    const cf = c.cloudfront!.main!;
    expect(cf.routes.map((r) => (r.type === "s3" ? [r.originPath, r.keyPrefix] : []))).toEqual([
      ["/spa", "spa"],
      ["", "static"],
      ["/files", "files/media"],
    ]);
    // The grant covers each served folder: /spa, /static and /files have none in common.
    expect(cf.bucketPolicyPrefix).toBe("");
  });

  it("a handler's envs reach its function only, over the container's (a seed file: mixed-spelling)", () => {
    const c = context(
      `${GENERAL}\n${HEAD_CONTAINER}\n[container.main.envs]\nMODE = "web"\nKEEP = "1"\n[container.main.handlers.wsgi.envs]\nMODE = "admin"\n`,
    );
    expect(c.container!.envs).toEqual({ MODE: "web", KEEP: "1" });
    expect(c.container!.handlers.wsgi!.envs).toEqual({ MODE: "admin" });
    const reserved = problems(
      `${GENERAL}\n${HEAD_CONTAINER}\n[container.main.handlers.wsgi.envs]\nPOCKET_X = "1"\n`,
    );
    expect(reserved.map((d) => [d.code, d.path])).toEqual([
      ["env-reserved-prefix", "container.main.handlers.wsgi.envs.POCKET_X"],
    ]);
    const seed = problems(`${GENERAL}\n${CONTAINER}envs = { MODE = "admin" }\n`);
    expect(seed.map((d) => [d.code, d.path])).toEqual([
      ["mixed-spelling", "awscontainer.handlers.wsgi.envs"],
    ]);
  });

  it("staticfiles link and publish are read; on a storage that is not static they are refused", () => {
    const storages = (defaults: string, staticfiles: string) =>
      `${GENERAL}\n${HEAD_CONTAINER}\n[container.main.django.storages]\ndefault = { store = "filesystem"${defaults} }\nstaticfiles = { store = "filesystem", static = true${staticfiles} }\n`;
    const c = load(storages("", ', link = true, publish = "command"'));
    expect(c.ok).toBe(true);
    if (c.ok) {
      expect(c.config.settings.awscontainer?.django?.storages.staticfiles).toMatchObject({
        link: true,
        publish: "command",
      });
    }
    const ds = problems(storages(', link = true, publish = "command"', ""));
    expect(ds.map((d) => [d.code, d.path])).toEqual([
      ["storage-link-static", "container.main.django.storages.default.link"],
      ["storage-publish-static", "container.main.django.storages.default.publish"],
    ]);
  });

  it("the value that means off is accepted (nothing is ignored)", () => {
    const c = load(`${GENERAL}\n${HEAD_CONTAINER}\n[neon]\nproject_name = "p"\nprovisioning = "deploy"\n`);
    expect(c.ok).toBe(true);
  });

  it("problems of renamed keys are reported where the file wrote them", () => {
    const ds = problems(`${GENERAL}
${HEAD_CONTAINER}timout = 3

[cloudfront.main]
routes = [{ is_default = true, is_spa = true }, { path_pattern = "/api/*", type = "lambda", handler = "main.nope" }]
`);
    expect(ds.find((d) => d.code === "unknown-key")).toMatchObject({
      path: "container.main.handlers.wsgi.timout",
      position: { line: 14 },
    });
    const [nope] = problems(
      `${GENERAL}\n${HEAD_CONTAINER}\n[cloudfront.main]\nroutes = [{ is_default = true, is_spa = true }, { path_pattern = "/api/*", type = "lambda", handler = "main.nope" }]\n`,
    );
    expect(nope?.path).toBe("cloudfront.main.routes[1].handler");
    expect(nope?.message).toContain("nope");
    expect(nope?.message).not.toContain("awscontainer");
  });

  it("handlers are named with their container", () => {
    const ds = problems(
      `${GENERAL}\n${HEAD_CONTAINER}\n[cloudfront.main]\nroutes = [{ is_default = true, is_spa = true }, { path_pattern = "/api/*", type = "lambda", handler = "wsgi" }]\n`,
    );
    expect(ds[0]).toMatchObject({ code: "handler-reference", path: "cloudfront.main.routes[1].handler" });
    expect(ds[0]!.hint).toBe('e.g. handler = "main.wsgi"');
  });

  it("several containers: each is validated, handlers are found in their own container", () => {
    const two = `${GENERAL}
[s3]

[container.mydjango]
dockerfile_path = "Dockerfile"
[container.mydjango.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"
apigateway = {}

[container.v2]
dockerfile_path = "v2/Dockerfile"
[container.v2.handlers.wsgi]
command = "admin-v2"
apigateway = {}

[cloudfront.web]
routes = [
  { path_pattern = "/v2/*", type = "lambda", handler = "v2.wsgi" },
  { path_pattern = "/api/*", type = "lambda", handler = "mydjango.wsgi" },
  { is_default = true, is_spa = true, origin_path = "/web" },
]
`;
    const r = load(two);
    if (!r.ok) throw new Error(r.diagnostics.map((d) => `${d.code} ${d.path} ${d.message}`).join("\n"));
    expect(codes(r.config.warnings)).not.toContain("several-containers");
    expect(Object.keys(r.config.settings.head!.containers!)).toEqual(["mydjango", "v2"]);
    expect(r.config.settings.head!.containers!.v2!.awscontainer.dockerfilePath).toBe("v2/Dockerfile");
    // The distribution routes to both containers' APIs, in the file's order.
    const web = r.config.context.cloudfront!.web!;
    expect(web.routes.map((route) => [route.pathPattern, route.originId])).toEqual([
      ["/v2/*", "dev-testprj-pocket-api-v2.wsgi"],
      ["/api/*", "dev-testprj-pocket-api-mydjango.wsgi"],
      ["", "dev-testprj-pocket-root"],
    ]);
    expect(Object.values(web.apiOrigins).map((o) => o.exportName)).toEqual([
      "dev-testprj-mydjango-wsgi-api-domain",
      "dev-testprj-v2-wsgi-api-domain",
    ]);
    const errors = (source: string) => problems(source).filter((d) => d.severity === "error");
    const broken = errors(two.replace('command = "admin-v2"', 'command = "admin-v2"\ntimeout = 0'));
    expect(broken.map((d) => d.path)).toEqual(["container.v2.handlers.wsgi.timeout"]);
    expect(codes(errors(two.replace('"v2.wsgi"', '"v3.wsgi"')))).toEqual(["handler-reference"]);
  });

  it("container names follow the original's rule", () => {
    expect(codes(problems(`${GENERAL}\n[container.My-App]\ndockerfile_path = "Dockerfile"\n`))).toEqual([
      "container-name",
    ]);
  });
});

describe("a seed-spelled file writing a key of the original's current spelling", () => {
  it("is mixed-spelling at that key, with which spelling to use", () => {
    const ds = problems(
      `${GENERAL}\n[s3]\n${CONTAINER}apigateway = {}\n\n[cloudfront.main]\nroutes = [{ is_default = true, is_spa = true }, { path_pattern = "/api/*", type = "lambda", handler = "main.wsgi" }]\n`,
    );
    expect(ds.map((d) => [d.code, d.path])).toEqual([["mixed-spelling", "cloudfront.main.routes[1].type"]]);
    expect(ds[0]!.hint).toContain('type = "api"');
    expect(ds[0]!.position?.line).toBeGreaterThan(0);
  });
});

describe("user secrets of a database-URL type (the original's stored mode)", () => {
  const file = (secrets: string) =>
    `${GENERAL}\n[s3]\n\n[container.main]\ndockerfile_path = "Dockerfile"\n\n${secrets}`;
  it("name the secret by type under the project's key, in the secrets' store", () => {
    const c = context(
      file(
        '[container.main.secrets]\nstore = "ssm"\n\n[container.main.secrets.user]\nDATABASE_URL = { type = "tidb_database_url" }\n',
      ),
    );
    expect(c.container!.secrets!.user.DATABASE_URL).toEqual({
      name: "/dev-testprj-pocket-user/tidb_database_url",
      store: "ssm",
    });
  });
  it("type beside name, or another type, is reported where it was written", () => {
    const both = problems(
      file('[container.main.secrets.user]\nX = { type = "neon_database_url", name = "/x" }\n'),
    );
    expect(both.map((d) => d.path)).toEqual(["container.main.secrets.user.X.type"]);
    const other = problems(file('[container.main.secrets.user]\nX = { type = "rds_database_url" }\n'));
    expect(other.map((d) => d.path)).toContain("container.main.secrets.user.X.type");
  });
});
