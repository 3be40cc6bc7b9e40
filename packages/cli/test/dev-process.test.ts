import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildSync } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCli } from "./cli/build.js";
import { repoRoot } from "./cli/run.js";

// `pocket dev` as a user runs it: the bundled CLI in a real process, against the example apps,
// spoken to over HTTP (and, for Django, over SQS from boto3), stopped with Ctrl-C (SIGINT).

const bin = join(repoRoot, "packages/cli/bin/pocket.cjs");
const temps: string[] = [];
const running: ChildProcess[] = [];

beforeAll(() => buildCli(), 120_000);
afterAll(() => {
  for (const p of running) if (p.exitCode === null) p.kill("SIGKILL");
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

/** A first port whose next one is free too (an API and a distribution). */
async function freePorts(): Promise<number> {
  const tryPort = (port: number) =>
    new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once("error", () => resolve(false));
      s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
    });
  for (let i = 0; i < 50; i++) {
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    if ((await tryPort(port)) && (await tryPort(port + 1))) return port;
  }
  throw new Error("no two free consecutive ports");
}

interface Dev {
  child: ChildProcess;
  output: () => string;
  waitFor: (pattern: RegExp, timeoutMs?: number) => Promise<RegExpMatchArray>;
  exit: Promise<number | null>;
}

function startDev(cwd: string, port: number, env: Record<string, string> = {}): Dev {
  const child = spawn(process.execPath, [bin, "dev", "--stage", "dev", "--port", String(port)], {
    cwd,
    env: { ...process.env, NO_COLOR: "1", POCKET_STAGE: "", POCKET_DEV_VISIBILITY_TIMEOUT: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.push(child);
  let out = "";
  const listeners = new Set<() => void>();
  const add = (d: Buffer) => {
    out += d.toString("utf8");
    for (const l of listeners) l();
  };
  child.stdout!.on("data", add);
  child.stderr!.on("data", add);
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const waitFor = (pattern: RegExp, timeoutMs = 20_000) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const m = out.match(pattern);
        if (m) {
          listeners.delete(check);
          clearTimeout(timer);
          resolve(m);
        }
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`pocket dev did not print ${pattern} within ${timeoutMs} ms. Output:\n${out}`));
      }, timeoutMs);
      listeners.add(check);
      check();
    });
  return { child, output: () => out, waitFor, exit };
}

/** Ctrl-C: exit 0, and no handler process left behind. */
async function stopCleanly(dev: Dev): Promise<void> {
  const pids = [...dev.output().matchAll(/pid (\d+)/g)].map((m) => Number(m[1]));
  expect(pids.length).toBeGreaterThan(0);
  dev.child.kill("SIGINT");
  expect(await dev.exit).toBe(0);
  expect(dev.output()).toContain("pocket dev: stopping");
  for (const pid of pids) expect(() => process.kill(pid, 0), `handler process ${pid} still runs`).toThrow();
}

describe("pocket dev against examples/hono (Node)", () => {
  let dir: string;
  let port: number;
  let dev: Dev;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "pocket-dev-hono-"));
    temps.push(dir);
    const example = join(repoRoot, "examples/hono");
    for (const f of ["pocket.toml", "pocket.Dockerfile", "public"])
      cpSync(join(example, f), join(dir, f), { recursive: true });
    // The app's dependencies (hono, @magic-pocket/runtime as built for npm) as the workspace has them.
    symlinkSync(join(repoRoot, "node_modules"), join(dir, "node_modules"));
    // `npm run build` of the example, into this copy's dist/ (the command is dist/index.web).
    buildSync({
      entryPoints: [join(example, "src/index.ts")],
      outfile: join(dir, "dist/index.js"),
      bundle: true,
      format: "esm",
      platform: "node",
      packages: "external",
      logLevel: "warning",
    });
    writeFileSync(
      join(dir, ".env"),
      `API_TOKEN=local-token\nSPA_TOKEN_SECRET=${"0123456789abcdef".repeat(4)}\n`,
    );
    port = await freePorts();
    dev = startDev(dir, port);
    await dev.waitFor(/Ctrl-C to stop/);
  }, 60_000);

  it("prints each API and distribution with its port", () => {
    expect(dev.output()).toContain(`api web: http://localhost:${port}`);
    expect(dev.output()).toContain(`cloudfront web: http://localhost:${port + 1}`);
    expect(dev.output()).toMatch(
      /queue worker: dev-hono-example-pocket-worker \(local, http:\/\/127\.0\.0\.1:\d+\)/,
    );
  });

  it("answers HTTP through the handler, with the .env secret", async () => {
    const page = await fetch(`http://localhost:${port}/?name=Ada`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Hello, Ada!");
    const items = await fetch(`http://localhost:${port}/api/items?tag=tools`, {
      headers: { authorization: "Bearer local-token" },
    });
    expect(items.status).toBe(200);
    expect(((await items.json()) as { items: unknown[] }).items).toHaveLength(2);
    const pixel = await fetch(`http://localhost:${port}/api/pixel.png`);
    expect(pixel.headers.get("content-type")).toBe("image/png");
    expect(
      Buffer.from(await pixel.arrayBuffer())
        .subarray(1, 4)
        .toString(),
    ).toBe("PNG");
  });

  it("refuses a request naming another host (DNS rebinding) on the API and the distribution", async () => {
    for (const p of [port, port + 1]) {
      const status = await new Promise<number | undefined>((resolve, reject) =>
        request({ host: "127.0.0.1", port: p, path: "/", headers: { host: "rebind.example" } }, (res) => {
          res.resume();
          resolve(res.statusCode);
        })
          .on("error", reject)
          .end(),
      );
      expect(status, `port ${p}`).toBe(403);
    }
    expect(dev.output()).not.toContain("GET / -> 403");
  });

  it("delivers a message the app enqueues to the worker, and dead-letters one that keeps failing", async () => {
    const ok = await fetch(`http://localhost:${port}/api/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "ada@example.com" }),
    });
    expect(ok.status).toBe(202);
    const { queued } = (await ok.json()) as { queued: string };
    await dev.waitFor(new RegExp(`\\[worker\\] +message ${queued} done`));
    const bad = await fetch(`http://localhost:${port}/api/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "not-an-address" }),
    });
    const failing = ((await bad.json()) as { queued: string }).queued;
    await dev.waitFor(new RegExp(`message ${failing} failed \\(attempt 1 of 5\\); retried in 1 s`));
    await dev.waitFor(
      new RegExp(
        `message ${failing} dead-lettered \\(dev-hono-example-pocket-worker-dead-letter\\) after 5 attempts`,
      ),
      30_000,
    );
  }, 45_000);

  it("serves the distribution: the SPA behind its token, /api/* through the handler", async () => {
    const base = `http://localhost:${port + 1}`;
    const anonymous = await fetch(`${base}/orders`, { redirect: "manual" });
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get("location")).toBe("/api/auth/login?next=%2Forders");
    const login = await fetch(`${base}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ user: "ada" }),
    });
    expect(login.status).toBe(200);
    const cookies = login.headers.getSetCookie();
    expect(cookies).toHaveLength(2);
    const token = cookies.find((c) => c.startsWith("pocket-spa-token="))!.split(";")[0]!;
    const spa = await fetch(`${base}/orders`, { headers: { cookie: token } });
    expect(spa.status).toBe(200);
    expect(await spa.text()).toBe(readFileSync(join(dir, "public/index.html"), "utf8"));
  });

  it("restarts the handlers when a source file changes", async () => {
    const before = dev.output().length;
    const file = join(dir, "dist/index.js");
    writeFileSync(file, readFileSync(file, "utf8").replace("Hello, ", "Howdy, "));
    await dev.waitFor(/\[web\] +restarting: dist\/index\.js changed/);
    await until(() => /\[web\] +ready/.test(dev.output().slice(before)), dev.output);
    expect(await (await fetch(`http://localhost:${port}/?name=Ada`)).text()).toContain("Howdy, Ada!");
  }, 30_000);

  it("reads .env again when it changes", async () => {
    const before = dev.output().length;
    writeFileSync(
      join(dir, ".env"),
      `API_TOKEN=rotated-token\nSPA_TOKEN_SECRET=${"0123456789abcdef".repeat(4)}\n`,
    );
    await dev.waitFor(/\[web\] +restarting: \.env changed/);
    await until(() => /\[web\] +ready/.test(dev.output().slice(before)), dev.output);
    const items = await fetch(`http://localhost:${port}/api/items`, {
      headers: { authorization: "Bearer rotated-token" },
    });
    expect(items.status).toBe(200);
  }, 30_000);

  it("stops cleanly on SIGINT", async () => {
    await stopCleanly(dev);
  });
});

async function until(done: () => boolean, output: () => string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > end) throw new Error(`timed out; output:\n${output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("pocket dev runs handler processes as Lambda runs sandboxes", () => {
  let port: number;
  let dev: Dev;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "pocket-dev-node-"));
    temps.push(dir);
    writeFileSync(
      join(dir, "pocket.toml"),
      `[general]
region = "ap-northeast-1"
project_name = "tiny"
stages = ["dev"]

[awscontainer]
dockerfile_path = "Dockerfile"

[awscontainer.handlers.web]
command = "app.web"
apigateway = {}
`,
    );
    writeFileSync(
      join(dir, "app.mjs"),
      `export const web = async (event) => {
  if (event.rawPath === "/crash") process.exit(3);
  if (event.rawPath === "/slow") await new Promise((r) => setTimeout(r, 600));
  return { statusCode: 200, body: String(process.pid) };
};
`,
    );
    port = await freePorts();
    dev = startDev(dir, port);
    await dev.waitFor(/Ctrl-C to stop/);
  }, 60_000);

  it("answers concurrent requests from separate processes", async () => {
    // Each answer names the process that ran it: one process at a time would give one pid.
    const pids = await Promise.all(
      [1, 2, 3].map(async () => (await fetch(`http://localhost:${port}/slow`)).text()),
    );
    expect(new Set(pids).size).toBe(3);
  });

  it("answers 500 when the process dies, and runs the next event in a new one", async () => {
    const crash = await fetch(`http://localhost:${port}/crash`);
    expect(crash.status).toBe(500);
    expect(await crash.json()).toEqual({ message: "Internal Server Error" });
    await dev.waitFor(/\[web\] +the app\.web process ended \(exit 3\)/);
    expect((await fetch(`http://localhost:${port}/`)).status).toBe(200);
  });

  it("stops cleanly on SIGINT", async () => {
    await stopCleanly(dev);
  });
});

describe("pocket dev against examples/django (Python)", () => {
  const venvPython = join(repoRoot, "python/.venv/bin/python");
  let dir: string;
  let port: number;
  let dev: Dev;

  beforeAll(async () => {
    if (!existsSync(venvPython)) {
      throw new Error("python/.venv is missing: run `bash python/scripts/test.sh` once to create it");
    }
    dir = mkdtempSync(join(tmpdir(), "pocket-dev-django-"));
    temps.push(dir);
    cpSync(join(repoRoot, "examples/django"), dir, {
      recursive: true,
      filter: (src) => !src.includes("__pycache__") && !src.endsWith("db.sqlite3"),
    });
    writeFileSync(join(dir, ".env"), "SECRET_KEY=local-secret-key-for-pocket-dev\n");
    port = await freePorts();
    dev = startDev(dir, port, {
      POCKET_PYTHON: venvPython,
      // The runtime package from this checkout, and Debian's django-storages (python/scripts/test.sh).
      PYTHONPATH: [
        join(repoRoot, "python/src"),
        join(repoRoot, "python/.deps/usr/lib/python3/dist-packages"),
      ].join(":"),
    });
    await dev.waitFor(/Ctrl-C to stop/, 30_000);
  }, 60_000);

  it("answers a page through the wsgi handler with the local host", async () => {
    const res = await fetch(`http://localhost:${port}/echo?a=1&a=2`, { headers: { cookie: "x=1" } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      method: "GET",
      path: "/echo",
      query: { a: ["1", "2"] },
      cookies: { x: "1" },
      host: `localhost:${port}`,
      secure: false,
    });
  });

  it("runs a management command sent over SQS by boto3, then serves a CSRF-checked form post", async () => {
    const endpoint = dev
      .output()
      .match(/queue sqsmanagement: \S+ \(local, (http:\/\/127\.0\.0\.1:\d+)\)/)![1]!;
    const send = spawnSync(
      venvPython,
      [
        "-c",
        `import boto3, json
c = boto3.client("sqs", region_name="ap-northeast-1")
url = c.get_queue_url(QueueName="dev-mysite-pocket-sqsmanagement")["QueueUrl"]
print(c.send_message(QueueUrl=url, MessageBody=json.dumps({"command": "migrate", "args": ["--noinput"]}))["MessageId"])`,
      ],
      {
        encoding: "utf8",
        env: {
          PATH: process.env.PATH ?? "",
          AWS_ENDPOINT_URL_SQS: endpoint,
          AWS_ACCESS_KEY_ID: "test",
          AWS_SECRET_ACCESS_KEY: "test",
        },
      },
    );
    expect(send.status, send.stderr).toBe(0);
    const id = send.stdout.trim();
    await dev.waitFor(new RegExp(`\\[sqsmanagement\\] +message ${id} done`), 30_000);

    const form = await fetch(`http://localhost:${port}/notes`);
    expect(form.status).toBe(200);
    const { csrf, count } = (await form.json()) as { csrf: string; count: number };
    expect(count).toBe(0);
    const csrfCookie = form.headers
      .getSetCookie()
      .find((c) => c.startsWith("csrftoken="))!
      .split(";")[0]!;
    const created = await fetch(`http://localhost:${port}/notes`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        cookie: csrfCookie,
        "x-csrftoken": csrf,
        origin: `http://localhost:${port}`,
      },
      body: "title=hello",
    });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ title: "hello" });
    // The database lives beside pocket.toml, as a local run keeps it.
    expect(existsSync(join(dir, "db.sqlite3"))).toBe(true);
  }, 60_000);

  it("stops cleanly on SIGINT", async () => {
    await stopCleanly(dev);
  });
});
