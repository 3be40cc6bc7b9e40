import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { loadConfig } from "@magic-pocket/config";
import { describe, expect, it, onTestFinished } from "vitest";
import { CliError } from "../src/errors.js";
import { initNodeProject } from "../src/init/node.js";

const REPO = join(import.meta.dirname, "../../..");
// The runtime's published .d.ts files are made by `npm pack`; here its sources stand in for them.
const SOURCE = ["--customConditions", "source"];

function folder(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "pocket-init-node-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

function validates(dir: string): void {
  for (const stage of ["dev", "prd"]) {
    const r = loadConfig({ cwd: dir, stage, env: {} });
    expect(r.ok, r.ok ? "" : JSON.stringify(r.diagnostics, null, 2)).toBe(true);
  }
}

describe("pocket init --runtime node", () => {
  it("an empty folder gets a Hono starter whose pocket.toml validates", async () => {
    const dir = folder({ ".gitignore": "mine\n" });
    mkdirSync(join(dir, ".git"));
    const r = await initNodeProject(dir, { region: "eu-west-1" });
    expect(r.kind).toBe("starter");
    expect(r.written).toEqual([
      "pocket.toml",
      "pocket.Dockerfile",
      ".dockerignore",
      "package.json",
      "tsconfig.json",
      "src/index.ts",
      ".env",
    ]);
    expect(r.kept).toEqual([".gitignore"]);
    expect(readFileSync(join(dir, ".gitignore"), "utf8")).toBe("mine\n");
    expect(r.nextSteps).toEqual(["npm install", "npm run build", "npx @magic-pocket/cli deploy --stage dev"]);
    validates(dir);
    const toml = readFileSync(join(dir, "pocket.toml"), "utf8");
    expect(toml).toContain('region = "eu-west-1"');
    expect(toml).toMatch(/\[awscontainer\.handlers\.web\]\ncommand = "dist\/index\.web"\napigateway = \{\}/);
    expect(toml).toMatch(/\[awscontainer\.handlers\.worker\]\ncommand = "dist\/index\.worker"\nsqs = \{\}/);
    expect(toml).toMatch(/\[awscontainer\.handlers\.management\]\ncommand = "dist\/index\.management"/);
    const docker = readFileSync(join(dir, "pocket.Dockerfile"), "utf8");
    expect(docker).toContain("FROM public.ecr.aws/lambda/nodejs:22 AS build");
    expect(docker).toContain("RUN npm run build && npm prune --omit=dev");
    expect(docker).toContain('CMD ["dist/index.web"]');
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    expect(pkg.name).toMatch(/^pocket-init-node-/);
    expect(Object.keys(pkg.dependencies)).toEqual(["@magic-pocket/runtime", "hono"]);
  });

  it("the starter type-checks and its three handlers answer", { timeout: 60_000 }, async () => {
    const dir = folder();
    await initNodeProject(dir, { region: "ap-northeast-1" });
    // The repository's node_modules hold hono, typescript and the runtime (a workspace).
    symlinkSync(join(REPO, "node_modules"), join(dir, "node_modules"), "dir");
    const tsc = spawnSync(
      process.execPath,
      [
        join(REPO, "node_modules/typescript/bin/tsc"),
        "-p",
        join(dir, "tsconfig.json"),
        "--noEmit",
        ...SOURCE,
      ],
      { encoding: "utf8" },
    );
    expect(tsc.status, tsc.stdout + tsc.stderr).toBe(0);
    // Run as Lambda would run it locally: from the project folder, so loadEnv finds its .env.
    const cwd = process.cwd();
    process.chdir(dir);
    onTestFinished(() => process.chdir(cwd));
    const mod = await import(join(dir, "src/index.ts"));
    const { apiEvent } = await import("../../runtime/test/fixtures.js");
    const web = await mod.web(apiEvent("GET", "/"));
    expect(web).toMatchObject({ statusCode: 200, body: "hello from .env from pocket" });
    const task = await mod.management({ command: "hello", args: ["tester"] });
    expect(task).toEqual({ exitCode: 0, output: "hello tester\n" });
    const batch = await mod.worker({
      Records: [{ messageId: "m1", body: '{"name":"x"}', eventSource: "aws:sqs" }],
    });
    expect(batch).toEqual({ batchItemFailures: [] });
  });

  it("a project with a build script keeps its files and points at its TypeScript output folder", async () => {
    const dir = folder({
      "package.json": JSON.stringify({ name: "@acme/Shop_API", scripts: { build: "tsc" } }),
      "tsconfig.json": '{\n  // comment\n  "compilerOptions": { "outDir": "./build/", },\n}\n',
      "pocket.Dockerfile": "FROM mine\n",
    });
    const r = await initNodeProject(dir, { region: "ap-northeast-1" });
    expect(r.kind).toBe("existing");
    expect(r.written).toEqual(["pocket.toml", ".dockerignore"]);
    expect(r.kept).toEqual(["pocket.Dockerfile"]);
    expect(readFileSync(join(dir, "pocket.Dockerfile"), "utf8")).toBe("FROM mine\n");
    const toml = readFileSync(join(dir, "pocket.toml"), "utf8");
    expect(toml).toContain('project_name = "shop-api"');
    expect(toml).toContain('command = "build/index.web"');
    expect(r.nextSteps[0]).toBe("npm install");
    expect(
      JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).dependencies["@magic-pocket/runtime"],
    ).toMatch(/^file:\.pocket\/magic-pocket-runtime-/);
    validates(dir);
  });

  it("a project without a build script installs production dependencies and runs main as is", async () => {
    const dir = folder({ "package.json": JSON.stringify({ name: "plain", main: "./server.mjs" }) });
    const r = await initNodeProject(dir, { region: "ap-northeast-1" });
    expect(r.written).toEqual(["pocket.toml", "pocket.Dockerfile", ".dockerignore"]);
    const docker = readFileSync(join(dir, "pocket.Dockerfile"), "utf8");
    expect(docker).not.toContain("AS build");
    expect(docker).toContain("npm ci --omit=dev");
    expect(docker).toContain('CMD ["server.web"]');
    expect(readFileSync(join(dir, "pocket.toml"), "utf8")).toContain('command = "server.worker"');
    validates(dir);
  });

  it("never overwrites: a second run keeps everything", async () => {
    const dir = folder();
    await initNodeProject(dir, { region: "ap-northeast-1" });
    writeFileSync(join(dir, "pocket.toml"), "# edited\n");
    const again = await initNodeProject(dir, { region: "us-east-1" });
    expect(again.written).toEqual([]);
    expect(again.kept).toContain("pocket.toml");
    expect(readFileSync(join(dir, "pocket.toml"), "utf8")).toBe("# edited\n");
  });

  it("a folder with files but no package.json is refused unless --yes", async () => {
    const dir = folder({ "notes.txt": "x" });
    const error = await initNodeProject(dir, { region: "ap-northeast-1" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliError);
    expect(error).toMatchObject({ code: "init-not-a-node-project" });
    expect((error as Error).message).toContain("notes.txt");
    const r = await initNodeProject(dir, { region: "ap-northeast-1", yes: true });
    expect(r.kind).toBe("starter");
    expect(readFileSync(join(dir, "notes.txt"), "utf8")).toBe("x");
  });

  it("an unreadable package.json is an error", async () => {
    const dir = folder({ "package.json": "{ nope" });
    await expect(initNodeProject(dir, { region: "ap-northeast-1" })).rejects.toMatchObject({
      code: "package-json-invalid",
    });
  });
});

/** Runs `script` (an ES module) in `dir` with the repository's node_modules, prints its result. */
function runIn(dir: string, script: string): { status: number | null; out: string } {
  if (!existsSync(join(dir, "node_modules")))
    symlinkSync(join(REPO, "node_modules"), join(dir, "node_modules"), "dir");
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    cwd: dir,
    encoding: "utf8",
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
  });
  return { status: r.status, out: r.stdout + r.stderr };
}

const GET_ROOT = `const m = await import("./pocket.entry.mjs");
const event = { version: "2.0", rawPath: "/", rawQueryString: "", headers: { host: "x.example" },
  requestContext: { http: { method: "GET", path: "/", sourceIp: "127.0.0.1" }, domainName: "x.example" }, isBase64Encoded: false };
const r = await m.web(event, {});
console.log(JSON.stringify({ status: r.statusCode, body: r.body }));`;

describe("pocket init --runtime node in an existing app's folder", () => {
  const pkg = (extra: object = {}) => JSON.stringify({ name: "app", ...extra });
  // fromRegistry: no .pocket/ tarballs to pack (the runtime resolves from the repository's node_modules).

  it("a Koa CommonJS app exported in an object, listening behind the require.main guard: an entry, no edit, web only", async () => {
    const app = `const Koa = require("koa");
const app = new Koa();
app.use((ctx) => { ctx.body = "koa here"; });
module.exports = { app };
if (require.main === module) app.listen(3000);
`;
    const dir = folder({ "package.json": pkg({ main: "server.js" }), "server.js": app });
    const r = await initNodeProject(dir, { region: "ap-northeast-1", fromRegistry: true });
    expect(r.kind).toBe("existing");
    expect(r.app).toEqual({ framework: "koa", source: "server.js", patched: false });
    expect(r.written).toContain("pocket.entry.mjs");
    expect(readFileSync(join(dir, "server.js"), "utf8")).toBe(app);
    const entry = readFileSync(join(dir, "pocket.entry.mjs"), "utf8");
    expect(entry).toContain('createRequire(import.meta.url)("./server.js").app;');
    expect(entry).toContain("nodeHttpHandler(app.callback())");
    const toml = readFileSync(join(dir, "pocket.toml"), "utf8");
    expect(toml).toContain('command = "pocket.entry.web"');
    expect(toml).not.toMatch(/^\[awscontainer\.handlers\.(worker|management)\]/m);
    expect(toml).toMatch(/^# \[awscontainer\.handlers\.worker\]/m);
    expect(readFileSync(join(dir, "pocket.Dockerfile"), "utf8")).toContain('CMD ["pocket.entry.web"]');
    validates(dir);
    const run = runIn(dir, GET_ROOT);
    expect(run.out).toContain('{"status":200,"body":"koa here"}');
  });

  it("a Fastify ES module whose start() runs on load: without a terminal nothing is written and the patch guards the call", async () => {
    const app = `import Fastify from "fastify";
const fastify = Fastify();
fastify.get("/", async () => "fastify here");

const start = async () => {
  try {
    await fastify.listen({ port: 3000 });
  } catch (err) {
    process.exit(1);
  }
};
start();
`;
    const dir = folder({ "package.json": pkg({ type: "module", main: "index.js" }), "index.js": app });
    const r = await initNodeProject(dir, { region: "ap-northeast-1", fromRegistry: true });
    expect(r.kind).toBe("needs-patch");
    expect(r.written).toEqual([]);
    expect(existsSync(join(dir, "pocket.toml"))).toBe(false);
    expect(r.patch).toBe(`--- a/index.js
+++ b/index.js
@@ -9,4 +9,5 @@
     process.exit(1);
   }
 };
-start();
+if (import.meta.filename === process.argv[1]) start();
+export default fastify;
`);
    // With consent (--yes) the same edit is made, and the entry answers without a port.
    const yes = await initNodeProject(dir, { region: "ap-northeast-1", yes: true, fromRegistry: true });
    expect(yes.app).toEqual({ framework: "fastify", source: "index.js", patched: true });
    expect(readFileSync(join(dir, "index.js"), "utf8")).toContain(
      "if (import.meta.filename === process.argv[1]) start();",
    );
    expect(readFileSync(join(dir, "pocket.entry.mjs"), "utf8")).toContain("await app.ready();");
    const run = runIn(dir, GET_ROOT);
    expect(run.out).toContain('{"status":200,"body":"fastify here"}');
  });

  it("a server whose handle is used later cannot be guarded by a program: an error that says what to do", async () => {
    const dir = folder({
      "package.json": pkg(),
      "app.js": `const express = require("express");\nconst app = express();\nconst server = app.listen(3000);\nprocess.on("SIGTERM", () => server.close());\n`,
    });
    await expect(
      initNodeProject(dir, { region: "ap-northeast-1", fromRegistry: true }),
    ).rejects.toMatchObject({
      code: "init-app-not-loadable",
      message: expect.stringContaining("`server` is used by other statements"),
    });
  });

  it("a plain node:http listener exported with module.exports", async () => {
    const dir = folder({
      "package.json": pkg({ main: "handler.js" }),
      "handler.js": `module.exports = (req, res) => { res.setHeader("content-type", "text/plain"); res.end("plain " + req.url); };\n`,
    });
    const r = await initNodeProject(dir, { region: "ap-northeast-1", fromRegistry: true });
    expect(r.app).toMatchObject({ framework: "http", source: "handler.js" });
    expect(runIn(dir, GET_ROOT).out).toContain('{"status":200,"body":"plain /"}');
  });

  it("TypeScript compiled to CommonJS: the entry requires the build output under tsconfig's outDir", async () => {
    const dir = folder({
      "package.json": pkg({ scripts: { build: "tsc" } }),
      "tsconfig.json": '{ "compilerOptions": { "outDir": "out", "rootDir": "src", "module": "commonjs" } }',
      "src/app.ts": `import express from "express";\nconst app = express();\nexport default app;\napp.listen(3000);\n`,
    });
    const refused = await initNodeProject(dir, { region: "ap-northeast-1", fromRegistry: true });
    // The output is CommonJS, where import.meta does not compile: the guard is require.main's.
    expect(refused.patch).toContain("+if (require.main === module) app.listen(3000);");
    const r = await initNodeProject(dir, { region: "ap-northeast-1", fromRegistry: true, yes: true });
    expect(r.app).toMatchObject({ framework: "express", source: "src/app.ts" });
    expect(readFileSync(join(dir, "pocket.entry.mjs"), "utf8")).toContain('("./out/app.js").default;');
    expect(r.nextSteps).toContain("npm run build");
  });

  it("--with worker,tasks declares both and writes pocket.jobs.mjs, whose task answers through the entry", async () => {
    const dir = folder({
      "package.json": pkg({ type: "module" }),
      "app.js": `import { Hono } from "hono";\nexport const app = new Hono();\napp.get("/", (c) => c.text("hono here"));\n`,
    });
    const r = await initNodeProject(dir, {
      region: "ap-northeast-1",
      with: { worker: true, tasks: true },
      fromRegistry: true,
    });
    expect(r.written).toContain("pocket.jobs.mjs");
    const toml = readFileSync(join(dir, "pocket.toml"), "utf8");
    expect(toml).toMatch(
      /^\[awscontainer\.handlers\.worker\]\ncommand = "pocket\.entry\.worker"\nsqs = \{\}/m,
    );
    expect(toml).toMatch(/^\[awscontainer\.handlers\.management\]\ncommand = "pocket\.entry\.management"/m);
    validates(dir);
    const run = runIn(
      dir,
      `const m = await import("./pocket.entry.mjs"); console.log(JSON.stringify(await m.management({ command: "hello", args: ["you"] })));`,
    );
    expect(run.out).toContain('{"exitCode":0,"output":"hello you\\n"}');
    expect(runIn(dir, GET_ROOT).out).toContain('{"status":200,"body":"hono here"}');
  });

  it("the Dockerfile installs with the package manager the lockfile names", async () => {
    const app = `const express = require("express");\nconst app = express();\nmodule.exports = app;\n`;
    const pnpm = folder({
      "package.json": pkg({ scripts: { build: "tsc" } }),
      "pnpm-lock.yaml": "",
      "app.js": app,
    });
    const r = await initNodeProject(pnpm, { region: "ap-northeast-1", fromRegistry: true });
    const docker = readFileSync(join(pnpm, "pocket.Dockerfile"), "utf8");
    expect(docker).toContain("COPY package.json pnpm-lock.yaml ./");
    expect(docker).toContain("RUN corepack enable && pnpm install --frozen-lockfile");
    expect(docker).toContain("RUN pnpm run build && pnpm prune --prod");
    expect(r.nextSteps.slice(0, 2)).toEqual(["pnpm install", "pnpm run build"]);
    const yarn = folder({ "package.json": pkg(), "yarn.lock": "", "app.js": app });
    await initNodeProject(yarn, { region: "ap-northeast-1", fromRegistry: true });
    expect(readFileSync(join(yarn, "pocket.Dockerfile"), "utf8")).toContain(
      "RUN corepack enable && yarn install --frozen-lockfile --production",
    );
  });
});
