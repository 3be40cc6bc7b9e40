// The Node runtime's two costs on Lambda, measured on the built package (packages/runtime/dist):
//
// 1. Requests per second through an adapter, for one Express app and one API Gateway HTTP API
//    (payload 2.0) event: pocket's nodeHttpHandler against serverless-http and
//    @codegenie/serverless-express, in rounds whose order rotates (each adapter goes first in
//    turn), each call with a fresh copy of the event (cloning is timed alike for all); each round
//    gives its own ratio of pocket's rate to the best other adapter's rate in that round, and the
//    figure is the median of those ratios; plus pocket's httpHandler with the same route in Hono,
//    for reference. Target (issue 15): pocket's adapter at least as fast as the best of the other
//    two (ratio >= 1.00, no slack), stated as it comes out.
// 2. Cold-start cost: importing the runtime, creating the adapters and running loadEnv() in a
//    fresh process (no secrets to read, so no AWS SDK is loaded), as the median of many runs.
//    Target: under 30 ms. The machine's load shows in both figures: compare runs of one session.
// Usage: node bench/runtime.mjs [milliseconds per round and adapter, default 1000]
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { median, rotatedRounds } from "./lib/pairs.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "packages/runtime/dist/index.js");
if (!existsSync(dist)) {
  console.error("build first: npm run build");
  process.exit(1);
}
const roundMs = Math.max(200, Number(process.argv[2] ?? 1000));
const ROUNDS = 8;
const INIT_RUNS = 21;
const INIT_TARGET_MS = 30;

// Nothing in this process may look for a .env or secrets.
delete process.env.POCKET_STAGE;
delete process.env.POCKET_SECRETS;
process.chdir(mkdtempSync(join(tmpdir(), "pocket-bench-runtime-")));

const runtime = await import(pathToFileURL(dist).href);
const { default: express } = await import("express");
const { default: serverlessHttp } = await import("serverless-http");
const serverlessExpressModule = await import("@codegenie/serverless-express");
const serverlessExpress = serverlessExpressModule.default ?? serverlessExpressModule;
const { Hono } = await import("hono");

const items = [
  { id: 1, name: "pocket knife", tags: ["tools"] },
  { id: 2, name: "lunch box", tags: ["kitchen"] },
];
const app = express();
app.disable("x-powered-by");
app.get("/api/items", (req, res) => {
  res.cookie("seen", "1", { httpOnly: true });
  res.json({ tag: req.query.tag ?? null, user: req.headers["x-user"] ?? null, items });
});
const hono = new Hono();
hono.get("/api/items", (c) => {
  c.header("Set-Cookie", "seen=1; Path=/; HttpOnly");
  return c.json({ tag: c.req.query("tag") ?? null, user: c.req.header("x-user") ?? null, items });
});

const event = {
  version: "2.0",
  routeKey: "$default",
  rawPath: "/api/items",
  rawQueryString: "tag=tools&page=2",
  cookies: ["session=abc", "theme=light"],
  headers: {
    accept: "application/json",
    "accept-encoding": "gzip, deflate, br",
    host: "abc123.execute-api.ap-northeast-1.amazonaws.com",
    "user-agent": "bench",
    "x-forwarded-for": "198.51.100.7",
    "x-forwarded-port": "443",
    "x-forwarded-proto": "https",
    "x-user": "ada",
  },
  queryStringParameters: { tag: "tools", page: "2" },
  requestContext: {
    accountId: "123456789012",
    apiId: "abc123",
    domainName: "abc123.execute-api.ap-northeast-1.amazonaws.com",
    domainPrefix: "abc123",
    http: {
      method: "GET",
      path: "/api/items",
      protocol: "HTTP/1.1",
      sourceIp: "198.51.100.7",
      userAgent: "bench",
    },
    requestId: "bench",
    routeKey: "$default",
    stage: "$default",
    time: "01/Dec/2026:10:00:00 +0000",
    timeEpoch: 1796119200000,
  },
  isBase64Encoded: false,
};
const context = {
  awsRequestId: "bench",
  functionName: "bench",
  getRemainingTimeInMillis: () => 30_000,
  callbackWaitsForEmptyEventLoop: false,
};

const adapters = [
  { name: "pocket nodeHttpHandler (Express)", handler: runtime.nodeHttpHandler(app), pocket: true },
  { name: "serverless-http (Express)", handler: serverlessHttp(app) },
  {
    name: "@codegenie/serverless-express (Express)",
    handler: serverlessExpress({ app, logSettings: { level: "error" } }),
  },
  { name: "pocket httpHandler (Hono, reference)", handler: runtime.httpHandler(hono), reference: true },
];

// Every adapter must give the same answer before its speed means anything.
for (const a of adapters) {
  const out = await a.handler(structuredClone(event), context);
  const body = JSON.parse(out.body);
  const cookies = [out.cookies, out.multiValueHeaders?.["set-cookie"], out.headers?.["set-cookie"]].flat();
  if (
    out.statusCode !== 200 ||
    body.tag !== "tools" ||
    body.user !== "ada" ||
    !String(cookies).includes("seen=1")
  ) {
    throw new Error(`${a.name} answered wrongly: ${JSON.stringify(out)}`);
  }
}

/** Milliseconds per call over one round of `roundMs`, each call with its own copy of the event. */
async function msPerCall(a) {
  let n = 0;
  const t0 = performance.now();
  const deadline = t0 + roundMs;
  while (performance.now() < deadline) {
    for (let i = 0; i < 64; i++) await a.handler(structuredClone(event), context);
    n += 64;
  }
  return (performance.now() - t0) / n;
}

for (const a of adapters) await msPerCall(a); // warm-up: JIT, caches
const rounds = await rotatedRounds(
  adapters.map((a) => ({ name: a.name, run: () => msPerCall(a) })),
  ROUNDS,
);
const others = adapters.filter((a) => !a.pocket && !a.reference).map((a) => a.name);
const timesOf = (name) => rounds.find((r) => r.name === name).times;
// Per round: the best other adapter of that round against each adapter (above 1: faster).
const perRound = (name) => timesOf(name).map((t, r) => Math.min(...others.map((o) => timesOf(o)[r])) / t);

console.log(
  `runtime adapters: ${ROUNDS} rounds of ${roundMs} ms per adapter, order rotated each round, a fresh event per call, Node ${process.version}`,
);
for (const a of adapters) {
  const ratios = perRound(a.name);
  const rps = 1000 / median(timesOf(a.name));
  console.log(
    `  ${a.name.padEnd(42)} ${rps.toFixed(0).padStart(7)} req/s  ${median(ratios).toFixed(2)}x the best other adapter (rounds ${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)})`,
  );
}
const pocketRatio = median(perRound(adapters.find((a) => a.pocket).name));
console.log(
  `  target: pocket >= best other adapter (1.00x): ${pocketRatio >= 1 ? "met" : "NOT met"} (${pocketRatio.toFixed(2)}x)`,
);

// Cold start, in fresh processes: import + adapter + loadEnv, not deployed and deployed (no secrets).
// The handler module that imports the runtime is itself loaded by Node's ES module loader, so the
// loader's own start-up (paid for any module) is excluded: a trivial module is imported first.
// The other adapters' import and set-up are measured the same way, for scale.
const href = (spec) => JSON.stringify(import.meta.resolve(spec));
const initScripts = {
  pocket: `
const m = await import(${JSON.stringify(pathToFileURL(dist).href)});
m.httpHandler(() => new Response("ok"));
m.nodeHttpHandler(() => {});
await m.loadEnv();`,
  "serverless-http": `
const { default: serverless } = await import(${href("serverless-http")});
serverless((req, res) => res.end());`,
  "@codegenie/serverless-express": `
const m = await import(${href("@codegenie/serverless-express")});
(m.default ?? m)({ app: (req, res) => res.end() });`,
};
function initOnce(body, extraEnv = {}) {
  const script = `await import("data:text/javascript,export default 1");
const t0 = performance.now();
${body}
process.stdout.write(String(performance.now() - t0));`;
  const env = { ...process.env, ...extraEnv };
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", env });
  if (r.status !== 0) throw new Error(`init run failed: ${r.stderr}`);
  return Number(r.stdout);
}
const deployedEnv = {
  POCKET_STAGE: "dev",
  POCKET_REGION: "ap-northeast-1",
  POCKET_HOSTS: "abc123.execute-api.ap-northeast-1.amazonaws.com",
};
const initCases = [
  { name: "pocket, not deployed (.env lookup)", body: initScripts.pocket },
  { name: "pocket, deployed (no secrets to read)", body: initScripts.pocket, env: deployedEnv },
  { name: "serverless-http (import + handler)", body: initScripts["serverless-http"] },
  { name: "@codegenie/serverless-express (same)", body: initScripts["@codegenie/serverless-express"] },
];
for (const c of initCases) initOnce(c.body, c.env); // warm the file cache
const initTimes = initCases.map(() => []);
for (let i = 0; i < INIT_RUNS; i++) {
  for (let k = 0; k < initCases.length; k++) {
    const j = (i + k) % initCases.length;
    initTimes[j].push(initOnce(initCases[j].body, initCases[j].env));
  }
}
console.log(
  `init (import + adapters + loadEnv), median of ${INIT_RUNS} fresh processes each, order rotated:`,
);
const initMedians = initCases.map((c, j) => {
  const ms = median(initTimes[j]);
  console.log(`  ${c.name.padEnd(42)} ${ms.toFixed(1).padStart(6)} ms`);
  return ms;
});
const initOk = Math.max(initMedians[0], initMedians[1]) < INIT_TARGET_MS;
console.log(`  target: pocket under ${INIT_TARGET_MS} ms: ${initOk ? "met" : "NOT met"}`);
