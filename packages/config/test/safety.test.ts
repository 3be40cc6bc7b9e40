import { describe, expect, it } from "vitest";
import { maskCredentials } from "../src/format.js";
import {
  formatDiagnostics,
  LAMBDA_ENV_LIMIT,
  lambdaEnvironment,
  loadConfig,
  measureEnvironment,
  validateAllStages,
} from "../src/index.js";
import { parseTomlWithLocations } from "../src/toml/parse.js";
import { CONTAINER, codes, context, GENERAL, load, problems } from "./helpers.js";

const SPA_BUILD = `[cloudfront.main]
routes = [{ is_default = true, is_spa = true, build = "npm run build", build_dir = "dist" }]
`;

function storages(lines: string): string {
  return `${GENERAL}\n[s3]\n\n${CONTAINER}\n[awscontainer.django.storages]\n${lines}\nstaticfiles = { store = "s3", location = "static", static = true }\n`;
}

describe("a Django storage never lives where a front-end route syncs with deletion", () => {
  it("refuses a storage at the route's own prefix (distribution without location)", () => {
    const toml = `${storages('default = { store = "s3", distribution = "main" }')}\n${SPA_BUILD}`;
    const [d] = problems(toml).filter((p) => p.code === "storage-in-frontend-sync");
    expect(d).toMatchObject({ path: "awscontainer.django.storages.default", severity: "error" });
    expect(d!.message).toContain('storage "default"');
    expect(d!.message).toContain("[cloudfront.main]");
    expect(d!.message).toContain('"spa/"');
    expect(d!.hint).toContain("location");
    // At the storage's own line.
    expect(d!.position!.line).toBe(toml.split("\n").findIndex((l) => l.startsWith("default = ")) + 1);
  });

  it("refuses location = the distribution's origin_path", () => {
    const toml = `${storages('default = { store = "s3", location = "site" }')}\n[cloudfront.main]\norigin_path = "/site"\nroutes = [{ is_default = true, is_spa = true, build_dir = "dist" }]\n`;
    expect(codes(problems(toml))).toContain("storage-in-frontend-sync");
  });

  it("refuses a storage inside the synced prefix, and one that contains it", () => {
    const inside = `${storages('default = { store = "s3", location = "spa/uploads" }')}\n${SPA_BUILD}`;
    expect(problems(inside).find((d) => d.code === "storage-in-frontend-sync")!.message).toContain("inside");
    const around = `${storages('default = { store = "s3", location = "web" }')}\n[cloudfront.main]\norigin_path = "/web"\nroutes = [{ is_default = true }, { path_pattern = "/app/*", build_dir = "dist" }]\n`;
    expect(problems(around).find((d) => d.code === "storage-in-frontend-sync")!.message).toContain(
      "contains",
    );
  });

  it("refuses it in the stage that adds the front end, and says which stage", () => {
    const toml = `${storages('default = { store = "s3", location = "spa" }')}\n[cloudfront.main]\nroutes = [{ is_default = true, is_spa = true }]\n\n[prd.cloudfront.main]\nroutes = [{ is_default = true, is_spa = true, build_dir = "dist" }]\n`;
    expect(load(toml, "dev").ok).toBe(true);
    expect(codes(problems(toml, "prd"))).toContain("storage-in-frontend-sync");
  });

  it("accepts storages beside the front end, and front ends without build_dir", () => {
    context(`${storages('default = { store = "s3", location = "media" }')}\n${SPA_BUILD}`);
    context(
      `${storages('default = { store = "s3", location = "spa" }')}\n[cloudfront.main]\nroutes = [{ is_default = true, is_spa = true }]\n`,
    );
  });

  it("exposes the prefix a route syncs in the context", () => {
    const c = context(`${storages('default = { store = "s3", location = "media" }')}\n${SPA_BUILD}`);
    const [route] = c.cloudfront!.main!.routes;
    expect(route).toMatchObject({ type: "s3", keyPrefix: "spa", syncPrefix: "spa" });
  });
});

describe("a storage location is never the root", () => {
  it.each(['""', '"/"', '"./"', '"//"'])("refuses location = %s", (location) => {
    const toml = storages(`default = { store = "s3", location = ${location} }`);
    const d = problems(toml).find((p) => p.code === "storage-location-root");
    expect(d).toMatchObject({ path: "awscontainer.django.storages.default.location" });
  });

  it("refuses it for a filesystem storage and in the local fallback too", () => {
    const fs = storages('default = { store = "filesystem", location = "/" }');
    expect(codes(problems(fs))).toContain("storage-location-root");
    const fallback = `${GENERAL}\n[general.django_fallback.storages]\ndefault = { store = "filesystem", location = "" }\nstaticfiles = { store = "filesystem", static = true }\n`;
    expect(codes(problems(fallback))).toContain("storage-location-root");
  });

  it("keeps the guide's form: an empty location relative to a distribution's route", () => {
    const toml = `${storages('default = { store = "s3", location = "", distribution = "media" }')}\n[cloudfront.media]\norigin_path = "/media"\nroutes = [{ is_default = true }]\n`;
    const c = context(toml);
    expect((c.container!.django.storages.default!.OPTIONS as { location: string }).location).toBe("media");
  });
});

describe("an API key written in pocket.toml is never shown", () => {
  const KEY = "napi_s3cr3tvalue0123456789";
  it.each([
    ["neon", `[neon]\nproject_name = "p"\nneon_api_key = "${KEY}"\n`],
    ["neon, inline", `neon = { project_name = "p", neon_api_key = "${KEY}" }\n`],
    ["tidb", `[tidb]\ntidb_public_key = '${KEY}'\ntidb_private_key = """${KEY}"""\n`],
  ])("not in the warning's code frame or message (%s)", (_name, section) => {
    const source = `${section}\n${GENERAL}`;
    const r = loadConfig({ configPath: "/virtual/testprj/pocket.toml", source, env: {}, stage: "dev" });
    const diagnostics = r.ok ? r.config.warnings : r.diagnostics;
    expect(codes(diagnostics)).toContain("api-key-in-file");
    const text = formatDiagnostics(diagnostics, {
      sources: new Map([["/virtual/testprj/pocket.toml", source]]),
    });
    expect(text).toContain('"********"');
    expect(text).not.toContain(KEY);
    expect(JSON.stringify(diagnostics)).not.toContain(KEY);
  });

  it("masks credential-like values in any frame, but keeps the names of secrets readable", () => {
    expect(maskCredentials(`password = "hunter2", api_token = 'abc'`)).toBe(
      `password = "********", api_token = "********"`,
    );
    expect(maskCredentials(`signing_key = "CF_KEY"`)).toBe(`signing_key = "CF_KEY"`);
  });
});

describe("the Lambda 4 KB environment limit is checked at validate time", () => {
  const base = `${GENERAL}\n[s3]\n\n${CONTAINER}apigateway = {}\n\n[awscontainer.handlers.worker]\ncommand = "app.worker"\nsqs = {}\n`;

  it("refuses a stage whose variables exceed 4 KB, at the user's largest variable", () => {
    const toml = `${base}\n[awscontainer.envs]\nBIG = "${"x".repeat(4000)}"\nSMALL = "1"\n`;
    const d = problems(toml).find((p) => p.code === "lambda-env-too-large")!;
    expect(d.path).toBe("awscontainer.envs.BIG");
    expect(d.message).toContain("4096");
    expect(d.message).toContain("wsgi, worker");
    expect(d.message).toMatch(/BIG \(4003 bytes\)/);
  });

  it("checks each stage on its own (validateAllStages names the stage)", () => {
    const toml = `${base}\n[prd.awscontainer.envs]\nBIG = "${"x".repeat(4000)}"\n`;
    expect(codes(problems(toml, "prd"))).toContain("lambda-env-too-large");
    // dev reports it too, as a problem of prd's own table (docs/decisions.md#d7-stage-merge).
    expect(problems(toml, "dev").find((x) => x.code === "lambda-env-too-large")!.stages).toEqual(["prd"]);
    const all = validateAllStages({ configPath: "/virtual/testprj/pocket.toml", source: toml, env: {} });
    const d = all.diagnostics.find((x) => x.code === "lambda-env-too-large")!;
    expect(d.stages).toEqual(["prd"]);
  });

  it("counts deploy-time values at the size they resolve to", () => {
    const c = context(base);
    const env = lambdaEnvironment(c);
    expect(env.POCKET_WORKER_QUEUEURL).toEqual({ Ref: "WorkerSqsQueue" });
    const { sizes } = measureEnvironment(env);
    expect(sizes.find((s) => s.name === "POCKET_WORKER_QUEUEURL")!.bytes).toBe(
      "POCKET_WORKER_QUEUEURL".length + 110,
    );
    expect(sizes.find((s) => s.name === "POCKET_WSGI_HOST")!.bytes).toBe("POCKET_WSGI_HOST".length + 60);
    expect(measureEnvironment({ A: { "Fn::Join": [",", ["ab", { "Fn::Sub": "x" }]] } }).total).toBe(
      1 + 2 + 60 + 1,
    );
  });

  it("accepts a stage just under the limit", () => {
    const c = context(base);
    const room = LAMBDA_ENV_LIMIT - measureEnvironment(lambdaEnvironment(c)).total - "FILL".length;
    context(`${base}\n[awscontainer.envs]\nFILL = "${"x".repeat(room)}"\n`);
    expect(codes(problems(`${base}\n[awscontainer.envs]\nFILL = "${"x".repeat(room + 1)}"\n`))).toContain(
      "lambda-env-too-large",
    );
  });
});

describe("keys JavaScript treats specially are refused where they are written", () => {
  it.each([
    [
      "a handler table",
      `${CONTAINER}\n[awscontainer.handlers.__proto__]\ncommand = "x"\n`,
      "awscontainer.handlers.__proto__",
    ],
    ["an env var", `${CONTAINER}\n[awscontainer.envs]\n__proto__ = "x"\n`, "awscontainer.envs.__proto__"],
    [
      "a Django setting",
      `${CONTAINER}\n[awscontainer.django.settings]\nconstructor = 1\n`,
      "awscontainer.django.settings.constructor",
    ],
    [
      "an inline table",
      `${CONTAINER}envs = { prototype = "x" }\n`,
      "awscontainer.handlers.wsgi.envs.prototype",
    ],
    ["a stage table", `${CONTAINER}\n[dev.__proto__]\nx = 1\n`, "dev.__proto__"],
  ])("%s", (_what, body, path) => {
    const toml = `${GENERAL}\n${body}`;
    const d = problems(toml).find((p) => p.code === "reserved-key");
    expect(d).toMatchObject({ path, severity: "error" });
    const key = path.split(".").pop()!;
    expect(toml.split("\n")[d!.position!.line - 1]).toContain(key);
    expect(
      validateAllStages({
        configPath: "/virtual/testprj/pocket.toml",
        source: toml,
        env: {},
      }).diagnostics.map((x) => x.code),
    ).toContain("reserved-key");
  });

  it("parses tables without a prototype, so a user key never reaches Object.prototype", () => {
    const r = parseTomlWithLocations("__proto__ = { polluted = true }\n[a.b]\nc = [{ d = 1 }]\n");
    if (!r.ok) throw new Error(r.diagnostic.message);
    const v = r.parsed.value as Record<string, any>;
    expect(Object.getPrototypeOf(v)).toBeNull();
    expect(Object.getPrototypeOf(v.a.b)).toBeNull();
    expect(Object.getPrototypeOf(v.a.b.c[0])).toBeNull();
    expect(Object.keys(v)).toEqual(["__proto__", "a"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("extra_resources that grant more than the stage's own secrets get a warning", () => {
  const withExtra = (list: string) =>
    `${GENERAL}\n${CONTAINER}\n[awscontainer.secrets]\nextra_resources = [${list}]\n`;
  const warnings = (toml: string) => {
    const r = load(toml);
    if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
    return r.config.warnings.filter((w) => w.code === "extra-resource-broad");
  };

  it("warns on * and on wildcard ARNs, at the entry", () => {
    const w = warnings(withExtra('"*", "arn:aws:secretsmanager:*:123456789012:secret:x"'));
    expect(w.map((d) => d.path)).toEqual([
      "awscontainer.secrets.extra_resources[0]",
      "awscontainer.secrets.extra_resources[1]",
    ]);
    expect(w[0]!.message).toContain("every secret");
    expect(w[0]!.severity).toBe("warning");
  });

  it("warns on another region and on ARNs of several accounts", () => {
    const region = warnings(withExtra('"arn:aws:secretsmanager:us-east-1:123456789012:secret:x"'));
    expect(region[0]!.message).toContain("us-east-1");
    const accounts = warnings(
      withExtra(
        '"arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:a", "arn:aws:ssm:ap-northeast-1:210987654321:parameter/b"',
      ),
    );
    expect(accounts.length).toBe(2);
    expect(accounts[0]!.message).toContain("2 accounts");
  });

  it("is quiet for named secrets of the stage's region", () => {
    expect(
      warnings(withExtra('"my-secret", "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:app"')),
    ).toEqual([]);
  });
});

describe("an HTTP handler's timeout fits API Gateway's 30 s", () => {
  it("refuses timeout over 30 with apigateway, at the timeout, with the fix", () => {
    const toml = `${GENERAL}\n${CONTAINER}timeout = 60\napigateway = {}\n`;
    const d = problems(toml).find((p) => p.code === "apigateway-timeout")!;
    expect(d.path).toBe("awscontainer.handlers.wsgi.timeout");
    expect(d.hint).toContain("sqs");
    expect(toml.split("\n")[d.position!.line - 1]).toBe("timeout = 60");
  });

  it("refuses it when a stage adds apigateway or raises the timeout", () => {
    const toml = `${GENERAL}\n${CONTAINER}timeout = 120\n\n[prd.awscontainer.handlers.wsgi]\napigateway = {}\n`;
    expect(load(toml, "dev").ok).toBe(true);
    expect(codes(problems(toml, "prd"))).toContain("apigateway-timeout");
  });

  it("covers the handler of a CloudFront api route (which needs apigateway)", () => {
    const toml = `${GENERAL}\n[s3]\n${CONTAINER}timeout = 31\napigateway = {}\n\n[cloudfront.main]\nroutes = [{ is_default = true }, { path_pattern = "/api/*", type = "api", handler = "wsgi" }]\n`;
    expect(codes(problems(toml))).toContain("apigateway-timeout");
  });

  it("accepts 30 s, and long timeouts without apigateway", () => {
    context(`${GENERAL}\n${CONTAINER}timeout = 30\napigateway = {}\n`);
    context(`${GENERAL}\n${CONTAINER}timeout = 900\nsqs = {}\n`);
  });
});
