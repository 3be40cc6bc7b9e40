import { createHmac } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  fileResponse,
  localDistribution,
  matchesPattern,
  orderRoutes,
  parseCookies,
  routeRequest,
} from "../src/local/cloudfront.js";
import { startDev } from "../src/local/dev.js";
import { devEnvironment } from "../src/local/dev-environment.js";
import {
  closeServers,
  httpResponse,
  listenLocal,
  requestEvent,
  writeResponse,
} from "../src/local/http-server.js";
import { dockerfileEnv, pythonFor, resolveLaunch } from "../src/local/launch.js";
import { isWatched, watchSources } from "../src/local/watch.js";
import { loadInline } from "./templates/context.js";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "pocket-dev-test-"));
  dirs.push(d);
  return d;
}

const SECRET = "ab".repeat(32);
const TOML = `
[general]
region = "ap-northeast-1"
project_name = "shop"
stages = ["dev"]

[general.django_fallback.storages]
default = { store = "filesystem", location = "media" }
staticfiles = { store = "filesystem", static = true, location = "collected" }

[s3]

[awscontainer]
dockerfile_path = "Dockerfile"

[awscontainer.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"
apigateway = {}

[awscontainer.handlers.worker]
command = "pocket.django.lambda_handlers.sqs_management_command_handler"
sqs = {}

[awscontainer.secrets.managed]
SECRET_KEY = { type = "password", options = { length = 50 } }
SPA_TOKEN_SECRET = { type = "spa_token_secret" }

[awscontainer.django.storages]
default = { store = "s3", location = "media" }
staticfiles = { store = "s3", static = true, manifest = true, distribution = "web", route = "static" }

[cloudfront.web]
token_secret = "SPA_TOKEN_SECRET"
routes = [
  { type = "api", path_pattern = "/api/*", handler = "wsgi" },
  { path_pattern = "/static/*", ref = "static", origin_path = "/assets" },
  { path_pattern = "/app/*", is_spa = true, build_dir = "app-build", origin_path = "/spa2" },
  { is_default = true, is_spa = true, require_token = true, build_dir = "public", origin_path = "/spa" },
]
`;

function token(user: string, expiry: number, secret = SECRET): string {
  const mac = createHmac("sha256", Buffer.from(secret, "hex")).update(`${user}:${expiry}`).digest("hex");
  return `${user}:${expiry}:${mac}`;
}

describe("the local CloudFront distribution", () => {
  const project = "/work/shop";
  const config = loadInline(TOML);
  const dist = localDistribution(config.context, config.context.cloudfront!.web!, project);
  const env = { SPA_TOKEN_SECRET: SECRET };
  const valid = { "pocket-spa-token": token("ada", Math.floor(Date.now() / 1000) + 3600) };

  it("matches path patterns as CloudFront does, default route last", () => {
    expect(matchesPattern("/api/*", "/api/items")).toBe(true);
    expect(matchesPattern("/api/*", "/api")).toBe(false);
    expect(matchesPattern("api/*", "/api/x")).toBe(true);
    expect(matchesPattern("/img/*.png", "/img/a/b.png")).toBe(true);
    expect(matchesPattern("/img/?.png", "/img/ab.png")).toBe(false);
    expect(matchesPattern("/API/*", "/api/x")).toBe(false);
    expect(matchesPattern("/a.b/*", "/aXb/c")).toBe(false);
    expect(matchesPattern("", "/anything")).toBe(true);
    expect(orderRoutes(config.context.cloudfront!.web!.routes).map((r) => r.name)).toEqual([
      "api",
      "static",
      "app",
      "root",
    ]);
  });

  it("sends api routes to their handler", () => {
    expect(routeRequest(dist, "/api/items", { env })).toEqual({ kind: "api", handler: "wsgi" });
  });

  it("serves a Django storage's route from the storage's local folder", () => {
    expect(dist.routes.find((r) => r.route.name === "static")?.folder).toEqual({
      dir: join(project, "collected"),
      keyPrefix: "assets/static",
      what: "storage staticfiles",
    });
    expect(routeRequest(dist, "/static/css/site.css")).toEqual({
      kind: "file",
      file: join(project, "collected/css/site.css"),
    });
    // Percent-encoded `..` must not leave the folder.
    expect(routeRequest(dist, "/static/%2E%2E/%2E%2E/etc/passwd").kind).toBe("not-found");
  });

  it("serves SPA routes from build_dir, with the fallback HTML for client-side paths", () => {
    expect(routeRequest(dist, "/app/settings/profile")).toEqual({
      kind: "file",
      file: join(project, "app-build/index.html"),
    });
    expect(routeRequest(dist, "/app/main.js")).toEqual({
      kind: "file",
      file: join(project, "app-build/main.js"),
    });
    expect(routeRequest(dist, "/orders/12", { env, cookies: valid })).toEqual({
      kind: "file",
      file: join(project, "public/index.html"),
    });
    expect(routeRequest(dist, "/logo.svg", { env, cookies: valid })).toEqual({
      kind: "file",
      file: join(project, "public/logo.svg"),
    });
  });

  it("sends visitors without a valid token to the login path, as the edge function does", () => {
    expect(routeRequest(dist, "/orders", { env, query: "a=1" })).toEqual({
      kind: "redirect",
      location: "/api/auth/login?next=%2Forders%3Fa%3D1",
    });
    const expired = { "pocket-spa-token": token("ada", Math.floor(Date.now() / 1000) - 1) };
    expect(routeRequest(dist, "/", { env, cookies: expired }).kind).toBe("redirect");
    const forged = { "pocket-spa-token": token("ada", Math.floor(Date.now() / 1000) + 60, "cd".repeat(32)) };
    expect(routeRequest(dist, "/", { env, cookies: forged }).kind).toBe("redirect");
    // Without the key locally, no token can be valid.
    expect(routeRequest(dist, "/", { cookies: valid }).kind).toBe("redirect");
    expect(parseCookies("a=1; pocket-spa-token=x:y:z")).toEqual({ a: "1", "pocket-spa-token": "x:y:z" });
  });

  it("says which S3 routes have nothing local to serve", () => {
    const bare = loadInline(`
[general]
region = "ap-northeast-1"
project_name = "shop"
stages = ["dev"]
[s3]
[cloudfront.web]
routes = [{ is_default = true }, { path_pattern = "/files/*", ref = "files" }]
`);
    const d = localDistribution(bare.context, bare.context.cloudfront!.web!, project);
    expect(d.unserved).toEqual([
      "route /files/*: no build_dir and no storage of this distribution lives there",
      "the default route: no build_dir and no storage of this distribution lives there",
    ]);
    expect(routeRequest(d, "/files/x.pdf").kind).toBe("not-found");
  });

  it("reads routed files with their content type, and 404s for missing ones", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "index.html"), "<h1>hi</h1>");
    const ok = await fileResponse(join(dir, "index.html"));
    expect(ok.status).toBe(200);
    expect(ok.headers).toEqual([["content-type", "text/html; charset=utf-8"]]);
    expect(ok.body.toString()).toBe("<h1>hi</h1>");
    expect((await fileResponse(join(dir, "missing.js"))).status).toBe(404);
    expect((await fileResponse(dir)).status).toBe(404);
  });
});

describe("HTTP API 2.0 events and responses", () => {
  const req = (headers: Record<string, string>, url = "/a%20b/?x=1&x=2", method = "POST") =>
    ({ url, method, headers, socket: { remoteAddress: "::ffff:127.0.0.1" } }) as unknown as IncomingMessage;

  it("turns a request into the event API Gateway would send", () => {
    const e = requestEvent(
      req({
        host: "localhost:3000",
        cookie: "a=1; b=2",
        "content-type": "application/json",
        "user-agent": "t",
      }),
      Buffer.from('{"x":1}'),
      3000,
    );
    expect(e).toMatchObject({
      rawPath: "/a%20b/",
      rawQueryString: "x=1&x=2",
      queryStringParameters: { x: "1,2" },
      cookies: ["a=1", "b=2"],
      body: '{"x":1}',
      isBase64Encoded: false,
      requestContext: { domainName: "localhost:3000", http: { method: "POST", sourceIp: "127.0.0.1" } },
    });
    expect(e.headers).not.toHaveProperty("cookie");
    expect(e.headers?.["x-forwarded-proto"]).toBe("http");
    const binary = requestEvent(req({ host: "h", "content-type": "image/png" }), Buffer.from([0, 255]), 3000);
    expect(binary).toMatchObject({ body: "AP8=", isBase64Encoded: true });
  });

  it("reads the handler's result as API Gateway does", () => {
    expect(
      httpResponse({
        statusCode: 201,
        headers: { "content-type": "image/png" },
        cookies: ["a=1; Path=/", "b=2"],
        body: "AP8=",
        isBase64Encoded: true,
      }),
    ).toEqual({
      status: 201,
      headers: [
        ["content-type", "image/png"],
        ["set-cookie", "a=1; Path=/"],
        ["set-cookie", "b=2"],
      ],
      body: Buffer.from([0, 255]),
    });
    // No statusCode: 200 with the value as JSON.
    const bare = httpResponse({ ok: true });
    expect(bare.status).toBe(200);
    expect(bare.body.toString()).toBe('{"ok":true}');
    expect(httpResponse({ statusCode: "nope" }).status).toBe(500);
  });
});

describe("writing responses", () => {
  it("frames the body itself, whatever length the handler claimed, and keeps every Set-Cookie", async () => {
    const servers = await listenLocal(0, (_req, res) =>
      writeResponse(res, {
        status: 200,
        headers: [
          ["Content-Length", "2"],
          ["set-cookie", "a=1"],
          ["set-cookie", "b=2"],
        ],
        body: Buffer.from("hello"),
      }),
    );
    try {
      const port = (servers[0]!.address() as { port: number }).port;
      const res = await fetch(`http://127.0.0.1:${port}/`);
      expect(await res.text()).toBe("hello");
      expect(res.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
    } finally {
      await closeServers(servers);
    }
  });
});

describe("launching handlers", () => {
  it("tells Node from Python by the command and the files beside pocket.toml", () => {
    const dir = tempDir();
    mkdirSync(join(dir, "dist"));
    writeFileSync(join(dir, "dist/index.js"), "export const web = () => 1;");
    expect(resolveLaunch("web", "dist/index.web", dir, {})).toMatchObject({
      runtime: "node",
      handler: "dist/index.web",
      executable: process.execPath,
      buildDir: "dist",
    });
    expect(resolveLaunch("wsgi", "pocket.django.lambda_handlers.wsgi_handler", dir, {})).toMatchObject({
      runtime: "python",
      handler: "pocket.django.lambda_handlers.wsgi_handler",
      executable: "python3",
    });
    expect(resolveLaunch("w", "a.b", dir, { POCKET_PYTHON: "/opt/py" }).executable).toBe("/opt/py");
    // With package.json, `index.handler` is an unbuilt Node handler, not a Python module.
    writeFileSync(join(dir, "package.json"), "{}");
    expect(() => resolveLaunch("web", "index.web", dir, {})).toThrow(
      expect.objectContaining({ code: "handler-not-built" }),
    );
    writeFileSync(join(dir, "index.py"), "def web(e, c): pass");
    expect(resolveLaunch("web", "index.web", dir, {}).runtime).toBe("python");
    expect(resolveLaunch("wsgi", "pocket.django.lambda_handlers.wsgi_handler", dir, {}).runtime).toBe(
      "python",
    );
    mkdirSync(join(dir, ".venv/bin"), { recursive: true });
    writeFileSync(join(dir, ".venv/bin/python"), "");
    expect(pythonFor(dir, {})).toBe(join(dir, ".venv/bin/python"));
  });

  it("asks for a build when only the TypeScript source exists and tsx is not installed", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "package.json"), JSON.stringify({ scripts: { build: "tsc" } }));
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({ compilerOptions: { rootDir: "src", outDir: "dist" } }),
    );
    mkdirSync(join(dir, "src"));
    writeFileSync(join(dir, "src/index.ts"), "export const web = () => 1;");
    expect(() => resolveLaunch("web", "dist/index.web", dir, {})).toThrow(
      expect.objectContaining({
        code: "handler-not-built",
        message:
          "handler web: dist/index.js does not exist (its source src/index.ts does, but tsx is not installed in the project).",
        hint: expect.stringContaining("npm run build"),
      }),
    );
  });

  it("runs the TypeScript source through tsx when the project has it", () => {
    const dir = tempDir();
    mkdirSync(join(dir, "node_modules/tsx"), { recursive: true });
    writeFileSync(
      join(dir, "node_modules/tsx/package.json"),
      JSON.stringify({ name: "tsx", version: "4.0.0" }),
    );
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({ compilerOptions: { rootDir: "src", outDir: "dist" } }),
    );
    mkdirSync(join(dir, "src"));
    writeFileSync(join(dir, "src/index.ts"), "export const web = () => 1;");
    expect(resolveLaunch("web", "dist/index.web", dir, {})).toMatchObject({
      runtime: "node",
      handler: "src/index.web",
      env: { NODE_OPTIONS: "--import tsx" },
    });
  });

  it("takes the image's ENV lines, leaving out what only makes sense in the image", () => {
    const dir = tempDir();
    const file = join(dir, "Dockerfile");
    writeFileSync(
      file,
      [
        "FROM public.ecr.aws/lambda/python:3.12",
        "ENV PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=mysite.settings",
        'ENV GREETING="hello world"',
        "ENV MODE production",
        "ENV PATH=/opt/bin:$PATH",
        "ENV LAMBDA_TASK_ROOT=/var/task",
      ].join("\n"),
    );
    expect(dockerfileEnv(file)).toEqual({
      PYTHONUNBUFFERED: "1",
      DJANGO_SETTINGS_MODULE: "mysite.settings",
      GREETING: "hello world",
      MODE: "production",
    });
    expect(dockerfileEnv(join(dir, "missing"))).toEqual({});
  });
});

describe("the handlers' environment", () => {
  it("is the deployed contract with the local hosts, queue URLs, storages and secret values", () => {
    const config = loadInline(TOML);
    const env = devEnvironment(
      { ctx: config.context, projectDir: "/work/shop", secrets: { SECRET_KEY: "s3cret" } },
      new Map([["wsgi", 3000]]),
      new Map([["web", 3001]]),
      { endpoint: "http://127.0.0.1:9999", queueUrl: (n) => `http://127.0.0.1:9999/000000000000/${n}` },
      true,
    );
    expect(env).toMatchObject({
      POCKET_STAGE: "dev",
      POCKET_WSGI_HOST: "localhost:3000",
      POCKET_WSGI_ENDPOINT: "http://localhost:3000",
      POCKET_HOSTS: "localhost:3000,localhost,127.0.0.1",
      POCKET_CLOUDFRONT_WEB_DOMAIN: "localhost:3001",
      POCKET_WORKER_QUEUEURL: "http://127.0.0.1:9999/000000000000/dev-shop-pocket-worker",
      AWS_ENDPOINT_URL_SQS: "http://127.0.0.1:9999",
      SECRET_KEY: "s3cret",
      DATABASE_URL: "sqlite:////work/shop/db.sqlite3",
    });
    expect(env).not.toHaveProperty("POCKET_SECRETS");
    expect(JSON.parse(env.POCKET_DJANGO!).storages.staticfiles).toEqual({
      BACKEND: "django.contrib.staticfiles.storage.StaticFilesStorage",
      OPTIONS: { location: "collected" },
    });
  });

  it("leaves out the origin-verify value (--remote-secrets): no local CloudFront sends it", () => {
    const config = loadInline(TOML);
    const env = devEnvironment(
      { ctx: config.context, projectDir: "/work/shop", secrets: { POCKET_ORIGIN_VERIFY_SECRET: "new,old" } },
      new Map([["wsgi", 3000]]),
      new Map(),
      undefined,
      false,
    );
    expect(env).not.toHaveProperty("POCKET_ORIGIN_VERIFY_SECRET");
  });
});

describe("starting", () => {
  it("refuses a stage with nothing to serve", async () => {
    const config = loadInline(`
[general]
region = "ap-northeast-1"
project_name = "shop"
stages = ["dev"]
[awscontainer]
dockerfile_path = "Dockerfile"
[awscontainer.handlers.management]
command = "pocket.django.lambda_handlers.management_command_handler"
`);
    await expect(
      startDev({
        ctx: config.context,
        projectDir: tempDir(),
        port: 3000,
        secrets: {},
        write: () => undefined,
      }),
    ).rejects.toMatchObject({ code: "nothing-to-serve" });
  });
});

describe("watching sources", () => {
  it("restarts for code and templates, not for dependencies, caches, databases or served folders", () => {
    const root = "/p";
    expect(isWatched("src/app.ts", root)).toBe(true);
    expect(isWatched("notes/views.py", root)).toBe(true);
    expect(isWatched("notes/templates/a.html", root)).toBe(true);
    expect(isWatched("node_modules/x/index.js", root)).toBe(false);
    expect(isWatched("notes/__pycache__/views.cpython-312.pyc", root)).toBe(false);
    expect(isWatched("dist/index.js", root)).toBe(false);
    expect(isWatched("dist/index.js", root, { ignoreDirs: ["node_modules"] })).toBe(true);
    expect(isWatched("db.sqlite3", root)).toBe(false);
    expect(isWatched("media/upload.png", root)).toBe(false);
    expect(isWatched("public/app.js", root, { ignorePaths: ["/p/public"] })).toBe(false);
    expect(isWatched("err.txt", root)).toBe(false);
  });

  it("reports source changes together, including folders created after the start, never ignored trees", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, "src"));
    mkdirSync(join(dir, "node_modules/pkg"), { recursive: true });
    const batches: string[][] = [];
    const w = watchSources(dir, (changed) => batches.push(changed), { delayMs: 100 });
    const settle = () => new Promise((r) => setTimeout(r, 400));
    try {
      writeFileSync(join(dir, "node_modules/pkg/index.js"), "x");
      writeFileSync(join(dir, "src/a.ts"), "1");
      writeFileSync(join(dir, "src/b.ts"), "2");
      await settle();
      expect(batches).toEqual([["src/a.ts", "src/b.ts"]]);
      mkdirSync(join(dir, "lib"));
      await settle();
      writeFileSync(join(dir, "lib/c.py"), "3");
      writeFileSync(join(dir, ".env"), "A=1");
      await settle();
      expect(batches.slice(1).flat().sort()).toEqual([".env", "lib/c.py"]);
    } finally {
      w.close();
    }
  });
});
