import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CONTAINER, codes, context, GENERAL, load, problems } from "./helpers.js";

/**
 * The original's acceptance vectors: its test configurations (default.toml is kept in
 * fixtures/reference/) and the outcomes its test suite pins, adapted to our context's names.
 * Where docs/decisions.md changes an outcome, the test names the entry.
 */
const DEFAULT_TOML = readFileSync(join(import.meta.dirname, "fixtures/reference/default.toml"), "utf8");

describe("the original's default.toml", () => {
  it("dev: names, handlers, queues, storages, caches, settings", () => {
    const c = context(DEFAULT_TOML, "dev");
    expect(c.project).toBe("testprj");
    expect(c.slug).toBe("dev-testprj");
    expect(c.resourcePrefix).toBe("dev-testprj-pocket-");
    const k = c.container!;
    expect(k.ecrRepository).toBe("dev-testprj-pocket-lambda");
    expect(k.envs).toEqual({ DJANGO_ENV_PATH: "project/env/env.dev" });
    expect(k.handlers.wsgi).toMatchObject({
      functionName: "dev-testprj-pocket-wsgi",
      logGroupName: "/aws/lambda/dev-testprj-pocket-wsgi",
      timeout: 30,
      memorySize: 512,
      apigateway: {
        domain: "api.project.com",
        createRecords: true,
        disableExecuteApiEndpoint: true,
        certificateLogicalId: "WsgiCertificate",
      },
    });
    expect(k.handlers.management).toMatchObject({
      functionName: "dev-testprj-pocket-management",
      timeout: 600,
    });
    expect(k.handlers.management!.apigateway).toBeUndefined();
    expect(k.handlers.management!.sqs).toBeUndefined();
    expect(k.handlers.sqsmanagement).toMatchObject({
      queueName: "dev-testprj-pocket-sqsmanagement",
      deadLetterQueueName: "dev-testprj-pocket-sqsmanagement-dead-letter",
      visibilityTimeout: 360,
      sqs: {
        batchSize: 10,
        messageRetentionPeriod: 345600,
        maximumConcurrency: 2,
        deadLetterMaxReceiveCount: 5,
        deadLetterMessageRetentionPeriod: 1209600,
        reportBatchItemFailures: true,
      },
    });
    expect(c.s3).toEqual({
      bucketName: "dev-testprj-pocket",
      region: "ap-southeast-1",
      versioning: false,
      cors: [],
      lifecycleRules: [],
    });
    expect(c.cloudfront!.main!.bucketName).toBe(c.s3!.bucketName);
    expect(c.cloudfront!.main!.routes[0]).toMatchObject({
      name: "root",
      isDefault: true,
      isSpa: true,
      originPath: "/main",
    });
    expect(c.cloudfront!.main!.bucketPolicyPrefix).toBe("/main");
    expect(c.cloudfront!.main).toMatchObject({
      slug: "dev-testprj-main",
      logicalId: "DevTestprjMain",
      region: "us-east-1",
    });
    expect(c.rds).toBeUndefined();
    expect(k.django.storages).toEqual({
      default: {
        BACKEND: "storages.backends.s3boto3.S3Boto3Storage",
        OPTIONS: { bucket_name: "dev-testprj-pocket", location: "media" },
      },
      staticfiles: {
        BACKEND: "storages.backends.s3boto3.S3ManifestStaticStorage",
        OPTIONS: { bucket_name: "dev-testprj-pocket", location: "static" },
      },
    });
    expect(k.efsLocalMountPath).toBe("/mnt/efs");
    expect(k.django.caches).toEqual({
      default: { BACKEND: "django.core.cache.backends.filebased.FileBasedCache", LOCATION: "/mnt/efs/dev" },
    });
    expect(k.django.settings).toEqual({ TEST_NESTED: { first: { second: { third: { NAME: "key" } } } } });
    expect(c.vpc).toMatchObject({
      ref: "sandbox",
      name: "sandbox-pocket",
      zones: ["ap-southeast-1c"],
      manage: true,
      sharable: false,
      efs: { name: "sandbox-pocket", accessPointPath: "/lambda" },
    });
    expect(c.neon).toEqual(
      expect.objectContaining({
        projectName: "dev-testprj",
        branch: "dev",
        database: "testprj",
        role: "testprj",
        regionId: "aws-ap-southeast-1",
        pgVersion: 15,
      }),
    );
    expect(c.djangoFallback.storages).toEqual({
      default: { BACKEND: "django.core.files.storage.FileSystemStorage" },
      management: {
        BACKEND: "django.core.files.storage.FileSystemStorage",
        OPTIONS: { location: "management" },
      },
      staticfiles: { BACKEND: "django.contrib.staticfiles.storage.StaticFilesStorage" },
    });
    expect(c.djangoFallback.caches).toEqual({
      default: { BACKEND: "django.core.cache.backends.locmem.LocMemCache" },
    });
    expect(c.djangoFallback.settings).toEqual({});
  });

  it("prd: the prd names, its own envs, no neon", () => {
    const c = context(DEFAULT_TOML, "prd");
    expect(c.container!.ecrRepository).toBe("prd-testprj-pocket-lambda");
    expect(c.container!.handlers.wsgi!.functionName).toBe("prd-testprj-pocket-wsgi");
    expect(c.s3!.bucketName).toBe("prd-testprj-pocket");
    expect(c.container!.django.caches.default!.LOCATION).toBe("/mnt/efs/prd");
    expect(c.container!.envs).toEqual({ DJANGO_ENV_PATH: "project/env/env.prd" });
    expect(c.container!.handlers.wsgi!.apigateway!.domain).toBe("api.project.com");
    expect(c.neon).toBeUndefined();
  });

  it.each(["tst", "stg"])("%s: no envs, no API Gateway, no neon", (stage) => {
    const c = context(DEFAULT_TOML, stage);
    expect(c.container!.envs).toEqual({});
    expect(c.container!.handlers.wsgi!.apigateway).toBeUndefined();
    expect(c.neon).toBeUndefined();
    expect(c.s3!.bucketName).toBe(`${stage}-testprj-pocket`);
    expect((c.container!.django.storages.default!.OPTIONS as { bucket_name: string }).bucket_name).toBe(
      `${stage}-testprj-pocket`,
    );
  });
});

const RDS = `[general]
region = "ap-northeast-1"
project_name = "testprj"
stages = ["dev", "prd"]

[general.django_fallback.storages]
default = { store = "filesystem" }
staticfiles = { store = "filesystem", static = true }

[vpc]
ref = "main"
zone_suffixes = ["a", "c"]

[rds]

[awscontainer]
dockerfile_path = "pocket.Dockerfile"

[awscontainer.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"
`;

describe("the original's rds.toml and rds_external_vpc.toml", () => {
  it("derives the Aurora names and puts the container in the same VPC", () => {
    const c = context(RDS);
    expect(c.rds).toMatchObject({
      clusterIdentifier: "dev-testprj-pocket-aurora",
      instanceIdentifier: "dev-testprj-pocket-aurora-1",
      databaseName: "testprj_dev",
      username: "postgres",
      subnetGroupName: "dev-testprj-pocket-aurora",
      securityGroupName: "dev-testprj-pocket-aurora-rds",
      region: "ap-northeast-1",
      minCapacity: 0.5,
      maxCapacity: 2,
    });
    expect(c.vpc).toMatchObject({
      name: "main-pocket",
      zones: ["ap-northeast-1a", "ap-northeast-1c"],
      manage: true,
    });
    expect(c.vpc!.efs).toBeUndefined();
    expect(c.container!.useVpc).toBe(true);
    expect(c.container!.usesRds).toBe(true);
    expect(c.s3).toBeUndefined();
  });

  it("an external VPC needs no zones, even for RDS", () => {
    const c = context(RDS.replace('zone_suffixes = ["a", "c"]', "manage = false"));
    expect(c.vpc).toMatchObject({ manage: false, name: "main-pocket", zones: [] });
    expect(c.rds!.clusterIdentifier).toBe("dev-testprj-pocket-aurora");
  });
});

const API_ROUTE = `[general]
region = "ap-southeast-1"
project_name = "testprj"
stages = ["dev"]

[s3]

[awscontainer]
dockerfile_path = "tests/sampleprj/Dockerfile"

[awscontainer.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"
apigateway = {}

[cloudfront.main]
routes = [
    { is_default = true, is_spa = true, origin_path = "/main" },
    { path_pattern = "/api/*", type = "api", handler = "wsgi" },
]
`;

describe("the original's CloudFront vectors", () => {
  it("an API route exports the handler's API domain", () => {
    const c = context(API_ROUTE);
    const cf = c.cloudfront!.main!;
    expect(cf.apiOrigins.wsgi!.exportName).toBe("dev-testprj-wsgi-api-domain");
    expect(Object.keys(cf.apiOrigins)).toEqual(["wsgi"]);
    const api = cf.routes.filter((r) => r.type === "api");
    expect(api).toHaveLength(1);
    expect(api[0]).toMatchObject({ name: "api", logicalId: "Api", handler: "wsgi", pathPattern: "/api/*" });
    expect(c.container!.handlers.wsgi!.apigateway).toMatchObject({
      exportApiDomain: "dev-testprj-wsgi-api-domain",
      createRecords: true,
      disableExecuteApiEndpoint: false,
    });
    expect(cf.bucketPolicyPrefix).toBe("/main");
  });

  it("a signing key becomes the id variable the container reads", () => {
    const c = context(`[general]
region = "ap-southeast-1"
project_name = "testprj"
stages = ["dev"]

[s3]

${CONTAINER}
[awscontainer.secrets.managed]
SECRET_KEY = { type = "password", options = { length = 50 } }
CF_MEDIA_KEY = { type = "cloudfront_signing_key", options = { pem_base64_environ_suffix = "_PEM_BASE64", pub_base64_environ_suffix = "_PUB_BASE64", id_environ_suffix = "_ID" } }

[cloudfront.media]
signing_key = "CF_MEDIA_KEY"
routes = [
    { is_default = true, signed = true, origin_path = "/media" },
]
`);
    expect(Object.keys(c.container!.signingKeyIds)).toEqual(["CF_MEDIA_KEY_ID"]);
    expect(c.container!.secrets).toMatchObject({ store: "sm", pocketKey: "dev-testprj-pocket" });
    expect(c.cloudfront!.media).toMatchObject({
      slug: "dev-testprj-media",
      logicalId: "DevTestprjMedia",
      bucketPolicyPrefix: "/media",
    });
    expect(c.cloudfront!.media!.routes[0]).toMatchObject({ name: "root", signed: true, isSpa: false });
  });

  it("build routes upload from build_dir under origin_path + path_pattern", () => {
    const c = context(`[general]
region = "ap-southeast-1"
project_name = "testprj"
stages = ["dev"]

[s3]

[cloudfront.web]
routes = [
    { is_default = true, is_spa = true, build = "just frontend-build", build_dir = "frontend/dist", origin_path = "/web/app" },
    { path_pattern = "/static/*", is_versioned = true, origin_path = "/web" },
]
`);
    const cf = c.cloudfront!.web!;
    expect(cf.routes[0]).toMatchObject({
      build: "just frontend-build",
      buildDir: "frontend/dist",
      originPath: "/web/app",
      keyPrefix: "web/app",
    });
    expect(cf.routes[1]).toMatchObject({
      name: "static",
      logicalId: "Static",
      originPath: "/web",
      isVersioned: true,
      versionedMaxAge: 31536000,
    });
    expect(cf.routes.filter((r) => r.type === "s3" && r.buildDir)).toHaveLength(1);
    expect(cf.bucketPolicyPrefix).toBe("/web");
    expect(c.container).toBeUndefined();
  });

  it("token auth: the secret name and the default login path", () => {
    const c = context(`[general]
region = "ap-southeast-1"
project_name = "testprj"
stages = ["dev"]

[s3]

${CONTAINER}
[awscontainer.secrets.managed]
SECRET_KEY = { type = "password", options = { length = 50 } }
SPA_TOKEN_SECRET = { type = "spa_token_secret" }

[cloudfront.main]
token_secret = "SPA_TOKEN_SECRET"
routes = [
    { is_default = true, is_spa = true, require_token = true, origin_path = "/main" },
]
`);
    expect(c.cloudfront!.main!.tokenSecret).toMatchObject({
      secret: "SPA_TOKEN_SECRET",
      kvsKey: "token_secret",
    });
    expect(c.cloudfront!.main!.routes[0]).toMatchObject({ requireToken: true, loginPath: "/api/auth/login" });
    expect(c.container!.signingKeyIds).toEqual({});
  });
});

const POCKET_SECRETS = `[general]
region = "ap-southeast-1"
project_name = "testprj"
stages = ["prd"]

[awscontainer]
dockerfile_path = "tests/sampleprj/Dockerfile"

[awscontainer.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"

[awscontainer.secrets.managed]
SECRET_KEY = { type = "password", options = { length = 50 } }
DJANGO_SUPERUSER_PASSWORD = { type = "password", options = { length = 16 } }
`;

describe("the original's managed secrets vectors", () => {
  it("Secrets Manager by default, keyed by the stage", () => {
    const c = context(POCKET_SECRETS, "prd");
    expect(c.container!.secrets).toMatchObject({ store: "sm", pocketKey: "prd-testprj-pocket" });
    expect(c.container!.ecrRepository).toBe("prd-testprj-pocket-lambda");
    expect(c.s3).toBeUndefined();
  });

  it("SSM parameters under /{pocket key}/ with store = ssm", () => {
    const c = context(
      POCKET_SECRETS.replace(
        "[awscontainer.secrets.managed]",
        '[awscontainer.secrets]\nstore = "ssm"\n\n[awscontainer.secrets.managed]',
      ),
      "prd",
    );
    expect(c.container!.secrets).toMatchObject({
      store: "ssm",
      pocketKey: "prd-testprj-pocket",
      ssmPath: "/prd-testprj-pocket/",
    });
  });
});

describe("the original's init template", () => {
  const TEMPLATE = `[general]
region = "ap-southeast-1"
stages = ["dev", "prd"]

[s3]

[neon]
project_name = "your-neon-project-name"

[awscontainer]
dockerfile_path = "pocket.Dockerfile"

[awscontainer.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"
[awscontainer.handlers.management]
command = "pocket.django.lambda_handlers.management_command_handler"
timeout = 600

[dev.awscontainer.handlers.wsgi]
apigateway = {}
[prd.awscontainer.handlers.wsgi]
apigateway = {}

[awscontainer.secrets.managed]
SECRET_KEY = { type = "password", options = { length = 50 } }
DJANGO_SUPERUSER_PASSWORD = { type = "password", options = { length = 16 } }
DATABASE_URL = { type = "neon_database_url" }

[awscontainer.django.storages]
default = { store = "s3", location = "media" }
staticfiles = { store = "s3", location = "static", static = true, manifest = true }
`;

  it.each(["dev", "prd"])("%s, project named after its folder (D4 in docs/decisions.md)", (stage) => {
    const r = load(TEMPLATE.replace("", ""), stage);
    expect(r.ok).toBe(true);
    const c = r.ok ? r.config.context : undefined!;
    // The folder of the virtual file is "testprj"; the reference took pyproject's name.
    expect(c.s3!.bucketName).toBe(`${stage}-testprj-pocket`);
    expect(c.neon).toMatchObject({
      projectName: "your-neon-project-name",
      branch: stage,
      database: "testprj",
      role: "testprj",
    });
    expect(c.container!.handlers.wsgi!.apigateway).toMatchObject({
      createRecords: true,
      disableExecuteApiEndpoint: false,
    });
    expect(c.container!.handlers.wsgi!.apigateway!.domain).toBeUndefined();
    expect(c.container!.handlers.management!.timeout).toBe(600);
    expect(c.container!.secrets!.pocketKey).toBe(`${stage}-testprj-pocket`);
    expect(c.container!.django.caches).toEqual({
      default: { BACKEND: "django.core.cache.backends.locmem.LocMemCache" },
    });
    expect(c.vpc).toBeUndefined();
  });
});

describe("the original's route and storage rules", () => {
  const cf = (routes: string, extra = "") =>
    `${GENERAL}\n[s3]\n${CONTAINER}apigateway = {}\n${extra}\n[cloudfront.main]\nroutes = [${routes}]\n`;
  it.each([
    [
      '{ is_default = true, is_spa = true, build = "npm run build", origin_path = "/spa" }',
      "route-build-dir",
      "cloudfront.main.routes[0].build_dir",
    ],
    [
      '{ is_default = true, is_spa = true, origin_path = "/a" }, { type = "api", handler = "wsgi", path_pattern = "/api/*", build_dir = "dist" }',
      "route-api-build",
      "cloudfront.main.routes[1].build_dir",
    ],
    [
      '{ is_default = true, is_spa = true, origin_path = "/a" }, { type = "api", handler = "wsgi", path_pattern = "/api/*", origin_path = "/api" }',
      "route-api-origin-path",
      "cloudfront.main.routes[1].origin_path",
    ],
    [
      '{ is_default = true, is_spa = true, origin_path = "noslash" }',
      "origin-path-format",
      "cloudfront.main.routes[0].origin_path",
    ],
    [
      '{ is_default = true, is_spa = true, origin_path = "/trailing/" }',
      "origin-path-format",
      "cloudfront.main.routes[0].origin_path",
    ],
  ])("%s → %s", (routes, code, path) => {
    const ds = problems(cf(routes));
    expect(ds.map((d) => [d.code, d.path])).toContainEqual([code, path]);
  });

  it("a storage with route needs distribution", () => {
    const ds = problems(
      `${GENERAL}\n[s3]\n${CONTAINER}\n[awscontainer.django.storages]\ndefault = { store = "s3", location = "media", route = "static" }\nstaticfiles = { store = "s3", location = "s", static = true }\n`,
    );
    expect(ds.map((d) => [d.code, d.path])).toContainEqual([
      "storage-route-distribution",
      "awscontainer.django.storages.default.route",
    ]);
  });

  it("a storage with distribution may have a location, relative to the route's origin path (D1 in docs/decisions.md)", () => {
    const c = context(
      `${GENERAL}\n[s3]\n${CONTAINER}\n[cloudfront.web]\nroutes = [{ is_default = true, is_spa = true, origin_path = "/w" }]\n[awscontainer.django.storages]\ndefault = { store = "s3", location = "media", distribution = "web" }\nstaticfiles = { store = "s3", location = "s", static = true }\n`,
    );
    expect(c.container!.django.storages.default!.BACKEND).toBe(
      "pocket.django.storages.CloudFrontS3Boto3Storage",
    );
    expect((c.container!.django.storages.default!.OPTIONS as { location: string }).location).toBe("w/media");
  });
});

describe("loader vectors observed on the original", () => {
  it.each([
    ["a stage that is not listed", GENERAL, "stg", "unknown-stage", "general.stages"],
    ["an unknown section", `${GENERAL}\n[foo]\na = 1\n`, "dev", "unknown-key", "foo"],
    ["a table of an unlisted stage", `${GENERAL}\n[qa.s3]\n`, "dev", "unknown-key", "qa"],
    ["a top-level key", `stage = "prd"\n${GENERAL}`, "dev", "unknown-key", "stage"],
    ["no [general]", "[s3]\n", "dev", "missing-section", ""],
    ["no stages", '[general]\nregion = "ap-northeast-1"\n', "dev", "missing-key", "general.stages"],
    [
      "an upper-case stage",
      '[general]\nregion = "ap-northeast-1"\nstages = ["Dev"]\n',
      "Dev",
      "invalid-format",
      "general.stages[0]",
    ],
    ["an unknown key in [general]", `${GENERAL}foo = 1\n`, "dev", "unknown-key", "general.foo"],
    ["an unknown key in [s3]", `${GENERAL}\n[s3]\nfoo = 1\n`, "dev", "unknown-key", "s3.foo"],
    [
      "a [cloudfront] table that is not named",
      `${GENERAL}\n[s3]\n[cloudfront]\ndomain = "x.com"\n`,
      "dev",
      "invalid-type",
      "cloudfront.domain",
    ],
    [
      "rds.use_vpc without [vpc]",
      `${GENERAL}\n[rds]\nuse_vpc = true\n${CONTAINER}`,
      "dev",
      "use-vpc-without-vpc",
      "rds.use_vpc",
    ],
    ["[vpc] without ref", `${GENERAL}\n[vpc]\n${CONTAINER}`, "dev", "missing-key", "vpc.ref"],
    [
      "a stage named like a section (D6 in docs/decisions.md)",
      '[general]\nregion = "ap-northeast-1"\nstages = ["dev", "s3"]\n[s3]\n',
      "dev",
      "stage-name-reserved",
      "general.stages[1]",
    ],
    [
      "an unknown placeholder",
      `${GENERAL}\n[s3]\nbucket_name_format = "{stage}-{foo}"\n`,
      "dev",
      "format-placeholder",
      "s3.bucket_name_format",
    ],
  ])("%s", (_name, source, stage, code, path) => {
    const ds = problems(source, stage);
    expect(ds.map((d) => [d.code, d.path])).toContainEqual([code, path]);
  });

  it("unknown keys are errors in every table, other stages' tables included (D2, D7 in docs/decisions.md)", () => {
    expect(codes(problems(`${GENERAL}\n[dev.foo]\na = 1\n`, "prd"))).toContain("unknown-key");
    expect(codes(problems(`${GENERAL}\n${CONTAINER}foo = 1\n`, "dev"))).toContain("unknown-key");
  });

  it("prefix_template renames everything derived from the prefix", () => {
    const c = context(`${GENERAL}prefix_template = "{namespace}-{stage}-"\n\n${CONTAINER}sqs = {}\n`);
    expect(c.resourcePrefix).toBe("pocket-dev-");
    expect(c.container!.ecrRepository).toBe("pocket-dev-lambda");
    expect(c.container!.handlers.wsgi).toMatchObject({
      functionName: "pocket-dev-wsgi",
      queueName: "pocket-dev-wsgi",
      visibilityTimeout: 180,
    });
  });
});
