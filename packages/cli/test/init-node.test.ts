import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "@magic-pocket/config";
import { describe, expect, it, onTestFinished } from "vitest";
import { CliError } from "../src/errors.js";
import { initNodeProject } from "../src/init/node.js";

const REPO = join(import.meta.dirname, "../../..");
// The runtime's published .d.ts files are made by `npm pack`; here its sources stand in for them.
const SOURCE = ["--customConditions", "source"];

function folder(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "pocket-init-node-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
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
