import { execFileSync, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LambdaClient, ListFunctionsCommand } from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../cli/run.js";
import { motoEnv, resetMoto, useMoto } from "../moto/moto.js";
import { stageImage } from "./harness.js";

// Issue 23, as a new user outside this repository: the release artifacts are packed, the CLI is
// installed from its tarball into a folder of its own, and the projects live in another temporary
// folder with no node_modules above them, so nothing resolves from the workspace.
const REGION = "ap-northeast-1";
const DEPS_SITE = join(repoRoot, "python", ".deps", "usr", "lib", "python3", "dist-packages");
let root: string;
let release: string;
let pocketBin: string;
const printed: string[] = [];

/** PATH without the workspace's node_modules/.bin (npm run and npx put it first); the test Node stays. */
function cleanPath(): string {
  return (process.env.PATH ?? "")
    .split(":")
    .filter((p) => !(p.startsWith(repoRoot) && p.includes("node_modules/.bin")))
    .join(":");
}

function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: "utf8",
    env: { HOME: process.env.HOME ?? "/root", PATH: cleanPath(), NO_COLOR: "1", ...env },
  });
  const out = `${r.stdout}${r.stderr}`;
  printed.push(out);
  return { status: r.status, out };
}

beforeAll(() => {
  // Debian's django-storages, unpacked by the Python runtime tests' script (see the Django test).
  if (!existsSync(join(DEPS_SITE, "storages"))) {
    const setup = spawnSync(
      "bash",
      [join(repoRoot, "python/scripts/test.sh"), "-q", "--collect-only", "tests/test_errors.py"],
      {
        encoding: "utf8",
      },
    );
    if (setup.status !== 0)
      throw new Error(`python/scripts/test.sh setup failed:\n${setup.stdout}\n${setup.stderr}`);
  }
  root = mkdtempSync(join(tmpdir(), "pocket-installable-"));
  release = join(root, "release");
  execFileSync(process.execPath, [join(repoRoot, "scripts/release/pack.mjs"), "--out", release], {
    cwd: repoRoot,
    stdio: ["ignore", "ignore", "inherit"],
  });
  const prefix = join(root, "cli");
  mkdirSync(prefix);
  const install = run(
    "npm",
    [
      "install",
      "--prefix",
      prefix,
      "--no-audit",
      "--no-fund",
      "--prefer-offline",
      join(release, "magic-pocket-cli-0.1.0.tgz"),
    ],
    root,
  );
  expect(install.status, install.out).toBe(0);
  pocketBin = join(prefix, "node_modules", ".bin", "pocket");
}, 600_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe("installable: the release artifacts work outside the repository", () => {
  it("packs the CLI, both runtimes and a manifest that pairs them with the CLI version", () => {
    const manifest = JSON.parse(readFileSync(join(release, "manifest.json"), "utf8"));
    expect(manifest.artifacts.map((a: { file: string }) => a.file).sort()).toEqual(
      [
        "magic-pocket-cli-0.1.0.tgz",
        "magic-pocket-runtime-0.1.0.tgz",
        "pocket-cli-runtime-0.1.0.tar.gz",
        "pocket_cli_runtime-0.1.0-py3-none-any.whl",
      ].sort(),
    );
    for (const a of manifest.artifacts) expect(a.pairsWithCli).toBe(manifest.version);
    // The CLI is bundled: its tarball installs no other package.
    expect(readdirSync(join(root, "cli", "node_modules")).sort()).toEqual([
      ".bin",
      ".package-lock.json",
      "@magic-pocket",
    ]);
    const v = run("node", ["--version"], root);
    console.log(`node --version: ${v.out.trim()}`);
    expect(Number(/^v(\d+)/.exec(v.out)?.[1])).toBeGreaterThanOrEqual(22);
  });

  it("Node: init, npm install, npm run build, deploy --image to moto, the built handler answers with the function's environment", {
    timeout: 600_000,
  }, async () => {
    const app = join(root, "myapi");
    mkdirSync(app);
    const init = run(pocketBin, ["init", "--runtime", "node", "--region", REGION], app);
    expect(init.status, init.out).toBe(0);
    expect(init.out).toContain("npx @magic-pocket/cli deploy --stage dev");
    const pkg = JSON.parse(readFileSync(join(app, "package.json"), "utf8"));
    expect(pkg.dependencies["@magic-pocket/runtime"]).toBe("file:.pocket/magic-pocket-runtime-0.1.0.tgz");
    expect(pkg.devDependencies["@magic-pocket/cli"]).toBe("file:.pocket/magic-pocket-cli-0.1.0.tgz");
    const install = run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline"], app);
    expect(install.status, install.out).toBe(0);
    const build = run("npm", ["run", "build"], app);
    expect(build.status, build.out).toBe(0);
    // The project's own CLI, through the devDependency.
    const version = run("npx", ["--no-install", "@magic-pocket/cli", "--version"], app);
    expect(version.status, version.out).toBe(0);
    expect(version.out.trim()).toBe("0.1.0");

    await resetMoto();
    useMoto();
    const image = await stageImage("myapi");
    const deploy = run(pocketBin, ["deploy", "--stage", "dev", "--image", image], app, motoEnv(REGION));
    expect(deploy.status, deploy.out).toBe(0);
    const lambda = new LambdaClient({ region: REGION });
    const fns = (await lambda.send(new ListFunctionsCommand({}))).Functions ?? [];
    const web = fns.find((f) => f.FunctionName?.endsWith("-web"));
    expect(web?.Environment?.Variables?.POCKET_STAGE).toBe("dev");

    const event = {
      version: "2.0",
      routeKey: "$default",
      rawPath: "/",
      rawQueryString: "",
      headers: { host: "example.execute-api.amazonaws.com" },
      requestContext: {
        domainName: "example.execute-api.amazonaws.com",
        http: { method: "GET", path: "/", protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "test" },
        requestId: "r1",
        routeKey: "$default",
        stage: "$default",
        time: "",
        timeEpoch: 0,
      },
      isBase64Encoded: false,
    };
    const script = `const m = await import("./dist/index.js"); const r = await m.web(${JSON.stringify(event)}, {}); console.log(JSON.stringify(r));`;
    const handler = run("node", ["--input-type=module", "-e", script], app, {
      ...(web!.Environment!.Variables as Record<string, string>),
      ...motoEnv(REGION),
    });
    expect(handler.status, handler.out).toBe(0);
    const result = JSON.parse(handler.out.trim().split("\n").at(-1)!);
    expect(result.statusCode).toBe(200);
    expect(result.body).toContain("from pocket");
  });

  it("Django: startproject, pocket django init, the wheel in a fresh virtualenv as the Dockerfile installs it, check and collectstatic", {
    timeout: 600_000,
  }, () => {
    const venv = join(root, "venv");
    const py = join(venv, "bin", "python");
    expect(run("python3", ["-m", "venv", venv], root).status).toBe(0);
    const pip = (args: string[], cwd: string) =>
      run(
        py,
        ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--retries", "0", ...args],
        cwd,
      );
    // The project's dependencies first, then the runtime: the Dockerfile's order.
    const django = pip(["Django>=5.2,<6"], root);
    expect(django.status, django.out).toBe(0);
    const start = run(join(venv, "bin", "django-admin"), ["startproject", "mysite"], root);
    expect(start.status, start.out).toBe(0);
    const dir = join(root, "mysite");
    writeFileSync(join(dir, "requirements.txt"), "Django>=5.2,<6\n");
    const init = run(pocketBin, ["django", "init", "--yes", "--region", REGION], dir);
    expect(init.status, init.out).toBe(0);
    expect(existsSync(join(dir, ".pocket", "pocket_cli_runtime-0.1.0-py3-none-any.whl"))).toBe(true);
    const docker = readFileSync(join(dir, "pocket.Dockerfile"), "utf8");
    expect(docker.indexOf("pip install -r /tmp/deps/requirements.txt")).toBeLessThan(
      docker.indexOf("pocket_cli_runtime-"),
    );
    expect(pip(["-r", "requirements.txt"], dir).status).toBe(0);
    // [signing] as the Dockerfile; django-storages ([storages]) is not in this machine's package
    // index: Debian's copy (python/scripts/test.sh) goes on PYTHONPATH instead.
    const wheel = join(dir, ".pocket", "pocket_cli_runtime-0.1.0-py3-none-any.whl");
    const runtime = pip([`${wheel}[signing]`], dir);
    expect(runtime.status, runtime.out).toBe(0);
    const frozen = run(py, ["-m", "pip", "freeze"], dir).out;
    expect(frozen).toMatch(/^pocket-cli-runtime @ file:/m);
    expect(frozen.match(/^Django==/gm)?.length).toBe(1);
    const env = { PYTHONPATH: DEPS_SITE };
    const check = run(py, ["manage.py", "check"], dir, { ...env, AWS_ENDPOINT_URL: "http://127.0.0.1:9" });
    expect(check.status, check.out).toBe(0);
    const collect = run(py, ["manage.py", "collectstatic", "--noinput"], dir, {
      ...env,
      POCKET_STATICFILES_BACKEND_OVERRIDE: "django.contrib.staticfiles.storage.ManifestStaticFilesStorage",
      POCKET_STATICFILES_LOCATION_OVERRIDE: join(dir, "staticfiles"),
    });
    expect(collect.status, collect.out).toBe(0);
    expect(existsSync(join(dir, "staticfiles", "staticfiles.json"))).toBe(true);
    // pip installed a wheel: no build/ or *.egg-info beside the project.
    expect(readdirSync(join(dir, ".pocket"))).toEqual(["pocket_cli_runtime-0.1.0-py3-none-any.whl"]);
  });

  it("no printed instruction says npx pocket", () => {
    expect(printed.join("\n")).not.toMatch(/npx pocket\b/);
  });
});
