import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LambdaClient, ListFunctionsCommand } from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HandlerProcess, httpEvent, startHandlerProcess } from "../../src/local/index.js";
import { pocket, repoRoot, spawnPocket } from "../cli/run.js";
import { motoEnv, putTestImage } from "../moto/moto.js";
import { freshMoto, REGION, until } from "./harness.js";

/*
 * Issue 29: existing Node apps, as their authors wrote them (test/fixtures/node-apps), brought to
 * pocket with no hand edit except the one `pocket init` prints. Each goes through `pocket init`
 * without a terminal, the install (offline: the repository's node_modules, which hold every
 * framework, stand in for `npm install`), its build, `pocket deploy --image` to moto, and is then
 * asked the same requests three ways, which must answer alike: the app's own server (`node`),
 * the deployed function's handler run with that function's environment, and `pocket dev`.
 */

const FIXTURES = join(repoRoot, "packages/cli/test/fixtures/node-apps");
const children: ChildProcess[] = [];
const handlers: HandlerProcess[] = [];
let root: string;

beforeAll(async () => {
  await freshMoto();
  root = mkdtempSync(join(tmpdir(), "pocket-node-apps-"));
});
afterAll(async () => {
  for (const c of children) c.kill("SIGTERM");
  for (const h of handlers) await h.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

interface Request {
  method?: string;
  path: string;
  json?: unknown;
  /** Send the cookies the response to this earlier request (by index) set. */
  cookiesOf?: number;
}

/** What the comparison looks at: everything but the headers a transport adds or drops. */
interface Answer {
  status: number;
  headers: Record<string, string>;
  cookies: string[];
  body: string;
}

const TRANSPORT = new Set(["date", "connection", "keep-alive", "transfer-encoding", "content-length"]);

function answer(
  status: number,
  headers: Iterable<[string, string]>,
  cookies: string[],
  body: Buffer,
): Answer {
  const kept: Record<string, string> = {};
  for (const [k, v] of headers)
    if (!TRANSPORT.has(k.toLowerCase()) && k !== "set-cookie") kept[k.toLowerCase()] = v;
  return { status, headers: kept, cookies: [...cookies].sort(), body: body.toString("base64") };
}

/** `name=value` of each Set-Cookie, as a browser sends them back. */
const cookieHeader = (a: Answer) => a.cookies.map((c) => c.split(";")[0]).join("; ");

async function overHttp(base: string, requests: Request[]): Promise<Answer[]> {
  const out: Answer[] = [];
  for (const r of requests) {
    const headers: Record<string, string> = {};
    if (r.json !== undefined) headers["content-type"] = "application/json";
    if (r.cookiesOf !== undefined) headers.cookie = cookieHeader(out[r.cookiesOf]!);
    const res = await fetch(base + r.path, {
      method: r.method ?? "GET",
      headers,
      body: r.json === undefined ? undefined : JSON.stringify(r.json),
      redirect: "manual",
    });
    out.push(
      answer(res.status, res.headers, res.headers.getSetCookie(), Buffer.from(await res.arrayBuffer())),
    );
  }
  return out;
}

async function overHandler(h: HandlerProcess, requests: Request[]): Promise<Answer[]> {
  const out: Answer[] = [];
  for (const r of requests) {
    const [path, query] = r.path.split("?");
    const cookies = r.cookiesOf === undefined ? undefined : cookieHeader(out[r.cookiesOf]!).split("; ");
    const event = httpEvent({
      method: r.method ?? "GET",
      path: path!,
      query: query ?? "",
      headers: r.json === undefined ? {} : { "content-type": "application/json" },
      cookies,
      body: r.json === undefined ? undefined : JSON.stringify(r.json),
    });
    const res = await h.invoke<{
      statusCode: number;
      headers?: Record<string, string>;
      cookies?: string[];
      body?: string;
      isBase64Encoded?: boolean;
    }>(event);
    const body = Buffer.from(res.body ?? "", res.isBase64Encoded ? "base64" : "utf8");
    out.push(answer(res.statusCode, Object.entries(res.headers ?? {}), res.cookies ?? [], body));
  }
  return out;
}

async function freePort(preferred?: number): Promise<number> {
  const attempt = (port: number) =>
    new Promise<number | undefined>((resolve) => {
      const s = createServer();
      s.once("error", () => resolve(undefined));
      s.listen(port, "127.0.0.1", () => {
        const got = (s.address() as { port: number }).port;
        s.close(() => resolve(got));
      });
    });
  return (preferred !== undefined ? await attempt(preferred) : undefined) ?? (await attempt(0))!;
}

/** Keeps the child to stop at the end and collects what it prints. */
function watch(child: ChildProcess): { output: () => string } {
  let out = "";
  children.push(child);
  child.stdout!.on("data", (d: Buffer) => {
    out += d;
  });
  child.stderr!.on("data", (d: Buffer) => {
    out += d;
  });
  return { output: () => out };
}

async function answers(base: string, output: () => string): Promise<void> {
  await until(
    `${base} to answer`,
    () =>
      fetch(base, { redirect: "manual" }).then(
        () => true,
        () => false,
      ),
    { detail: output },
  );
}

interface Fixture {
  name: string;
  /** How its author starts it. */
  start: string[];
  /** How `pocket init` gets through: as is, with the printed patch applied, or with --yes. */
  init: "as-is" | "printed-patch" | "yes";
  build?: boolean;
  /** pocket dev's port (3000 for the Express app: the port its own guarded listen() would take). */
  devPort?: number;
  requests: Request[];
  /** What the app's own answers show, so that the comparison covers it (cookies, bytes, redirects). */
  shows: (a: Answer[]) => void;
}

const text = (a: Answer) => Buffer.from(a.body, "base64").toString("utf8");

const FIXTURE_LIST: Fixture[] = [
  {
    name: "express-cjs",
    start: ["node", "app.js"],
    init: "as-is",
    devPort: 3000,
    requests: [
      { path: "/" },
      { path: "/api/items?q=a%20b" },
      { method: "POST", path: "/api/echo", json: { a: [1, 2] } },
      { path: "/login?user=kim" },
      { path: "/me", cookiesOf: 3 },
      { path: "/me" },
      { path: "/pixel.png" },
      { path: "/nope" },
    ],
    shows: (a) => {
      expect(a[3]).toMatchObject({ status: 302, headers: { location: "/me" } });
      expect(a[3]!.cookies.map((c) => c.split("=")[0])).toEqual(["sid", "theme"]);
      // The session survives the round trip; without its cookie there is none.
      expect(JSON.parse(text(a[4]!))).toEqual({ user: "kim" });
      expect(a[5]!.status).toBe(401);
      expect(a[6]!.body).toBe(
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0x80]).toString("base64"),
      );
    },
  },
  {
    name: "express-esm",
    start: ["node", "server.js"],
    init: "printed-patch",
    requests: [
      { path: "/" },
      { path: "/health" },
      { method: "POST", path: "/api/echo", json: { x: "ü" } },
      { path: "/old" },
      { path: "/cookies" },
      { path: "/missing" },
    ],
    shows: (a) => {
      expect(a[3]).toMatchObject({ status: 301, headers: { location: "/" } });
      expect(a[4]!.cookies).toHaveLength(2);
      expect(JSON.parse(text(a[2]!))).toEqual({ got: { x: "ü" } });
    },
  },
  {
    name: "fastify-ts",
    start: ["node", "build/server.js"],
    init: "as-is",
    build: true,
    requests: [
      { path: "/" },
      { path: "/items/42" },
      { method: "POST", path: "/echo", json: { n: 1 } },
      { path: "/go" },
      { path: "/bytes" },
      { path: "/cookies" },
      { path: "/nope" },
    ],
    shows: (a) => {
      expect(a[2]!.status).toBe(202);
      expect(a[3]).toMatchObject({ status: 302, headers: { location: "/items/7" } });
      expect(a[4]!.body).toBe(Buffer.from([0, 1, 2, 250, 255]).toString("base64"));
      expect(a[5]!.cookies).toEqual(["x=1; Path=/", "y=2; Path=/; HttpOnly"]);
    },
  },
  {
    name: "hono-node",
    start: ["node", "src/index.js"],
    init: "yes",
    requests: [
      { path: "/" },
      { path: "/json?q=1" },
      { method: "POST", path: "/echo", json: { h: true } },
      { path: "/visit" },
      { path: "/visit", cookiesOf: 3 },
      { path: "/away" },
      { path: "/blob" },
    ],
    shows: (a) => {
      expect(a[3]!.cookies).toHaveLength(2);
      expect(JSON.parse(text(a[4]!))).toEqual({ visits: 2 });
      expect(a[5]).toMatchObject({ status: 302, headers: { location: "/json?q=moved" } });
      expect(a[6]!.body).toBe(Buffer.from([0, 255, 1, 254]).toString("base64"));
    },
  },
];

describe("existing Node apps: pocket init, build, deploy, and the same answers from node, the handler and pocket dev", () => {
  for (const f of FIXTURE_LIST) {
    it(f.name, { timeout: 240_000 }, async () => {
      const dir = join(root, f.name);
      cpSync(join(FIXTURES, f.name), dir, { recursive: true });
      const sources = (file: string) => readFileSync(join(dir, file), "utf8");

      // 1. pocket init, no terminal (stdin is not a TTY under spawnSync).
      const initArgs = ["init", "--runtime", "node", "--region", REGION, "--from-registry"];
      let init = pocket(f.init === "yes" ? [...initArgs, "--yes"] : initArgs, { cwd: dir });
      if (f.init === "printed-patch") {
        expect(init.status, init.stderr).toBe(1);
        expect(init.stderr).toContain("starts a server when it is loaded");
        expect(() => sources("pocket.toml")).toThrow();
        const apply = spawnSync("git", ["apply", "-"], { cwd: dir, input: init.stdout, encoding: "utf8" });
        expect(apply.status, `${init.stdout}\n${apply.stderr}`).toBe(0);
        init = pocket(initArgs, { cwd: dir });
      }
      expect(init.status, init.stderr).toBe(0);
      // The app's own files are as their author wrote them (or as the shown edit left them).
      const source = f.start.at(-1)!.replace(/^build\/(.*)\.js$/, "src/$1.ts");
      const written = readFileSync(join(FIXTURES, f.name, source), "utf8");
      if (f.init === "as-is") expect(sources(source)).toBe(written);
      else expect(sources(source)).not.toBe(written);
      const toml = sources("pocket.toml");
      expect(toml).toContain('command = "pocket.entry.web"');
      // Only what the app has: no queue, no tasks.
      expect(toml).toMatch(/^# \[awscontainer\.handlers\.worker\]/m);
      expect(toml).not.toMatch(/^\[awscontainer\.handlers\.(worker|management)\]/m);

      // 2. install (offline: the repository's node_modules) and build.
      symlinkSync(join(repoRoot, "node_modules"), join(dir, "node_modules"), "dir");
      if (f.build) {
        const build = spawnSync("npm", ["run", "build"], { cwd: dir, encoding: "utf8" });
        expect(build.status, build.stdout + build.stderr).toBe(0);
      }

      // 3. deploy to moto with a prebuilt image.
      const project = JSON.parse(sources("package.json")).name as string;
      const image = await putTestImage(`dev-${project}-pocket-lambda`, "dev", REGION);
      const deploy = pocket(["deploy", "--stage", "dev", "--image", image], {
        cwd: dir,
        env: motoEnv(REGION),
      });
      expect(deploy.status, deploy.stdout + deploy.stderr).toBe(0);
      const fns =
        (await new LambdaClient({ region: REGION }).send(new ListFunctionsCommand({}))).Functions ?? [];
      const web = fns.find((fn) => fn.FunctionName === `dev-${project}-pocket-web`);
      expect(web, fns.map((fn) => fn.FunctionName).join(", ")).toBeDefined();
      expect(web!.ImageConfigResponse?.ImageConfig?.Command ?? ["pocket.entry.web"]).toEqual([
        "pocket.entry.web",
      ]);

      // 4. the app's own server.
      const ownPort = await freePort();
      const own = watch(
        spawn(f.start[0]!, f.start.slice(1), {
          cwd: dir,
          env: { ...process.env, PORT: String(ownPort) },
          stdio: ["ignore", "pipe", "pipe"],
        }),
      );
      await answers(`http://127.0.0.1:${ownPort}/`, own.output);
      const expected = await overHttp(`http://127.0.0.1:${ownPort}`, f.requests);
      f.shows(expected);

      // 5. the deployed function's handler, with that function's environment.
      const handler = await startHandlerProcess({
        runtime: "node",
        handler: "pocket.entry.web",
        env: { ...(web!.Environment?.Variables ?? {}), ...motoEnv(REGION) },
        cwd: dir,
        functionName: web!.FunctionName!,
      });
      handlers.push(handler);
      expect(await overHandler(handler, f.requests)).toEqual(expected);

      // 6. pocket dev.
      const devPort = await freePort(f.devPort);
      const dev = watch(
        spawnPocket(["dev", "--stage", "dev", "--port", String(devPort)], { cwd: dir, timeoutMs: 200_000 }),
      );
      await until("pocket dev's web handler", () => /\[web\] +ready/.test(dev.output()), {
        detail: dev.output,
        ms: 60_000,
      });
      await answers(`http://127.0.0.1:${devPort}/`, dev.output);
      expect(await overHttp(`http://127.0.0.1:${devPort}`, f.requests)).toEqual(expected);
      expect(dev.output()).not.toContain("EADDRINUSE");
    });
  }
});
