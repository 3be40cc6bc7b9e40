// Front-end upload against aws-cli v2's `aws s3 sync`, both as whole processes, through the
// latency proxy (bench/lib/latency-proxy.mjs) in front of moto at 0, 25 and 150 ms per request:
// the first upload of a generated site, an upload after 1 % of its files changed, and one with
// nothing changed. pocket's side is `pocket django storage upload --source DIR --delete`, which
// runs the same sync as the front-end upload (buckets/sync.ts) without the invalidation. Each
// figure is the median of per-pair ratios pocket / aws-cli, pairs run A B / B A.
// Goals (issue 25): first upload at 150 ms at most 0.5x; 1 % changed and no change at most 1x at
// every latency. Under each figure, the CPU each run cost (medians): the tool's own process, this
// bench's process (the latency proxy) and moto, so a figure bound by the emulator or the proxy
// rather than by the tool shows as such (bench/lib/cpu.mjs).
// Usage: node bench/frontend.mjs [files, default 300] [pairs, default 3]
//   BENCH_LATENCIES=0,25,150 (default; "direct" = against moto without the proxy)
//   BENCH_POCKET_BIN=path/to/pocket.cjs measures another build (a before/after comparison)
//   (needs the build, python3 with moto, and aws-cli v2: `apt-get install -y awscli` on Debian 12)
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ownCpuMs, processCpuMs, runTimedWithCpu } from "./lib/cpu.mjs";
import { startLatencyProxy } from "./lib/latency-proxy.mjs";
import { awsEnv, startMoto } from "./lib/moto.mjs";
import { describeRatios, median, rotatedRounds } from "./lib/pairs.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = process.env.BENCH_POCKET_BIN ?? join(root, "packages/cli/bin/pocket.cjs");
const files = Number(process.argv[2] ?? 300);
const pairs = Number(process.argv[3] ?? 3);
const LATENCIES = process.env.BENCH_LATENCIES
  ? process.env.BENCH_LATENCIES.split(",").map((l) => (l === "direct" ? l : Number(l)))
  : [0, 25, 150];

/** CPU ms of each run, by tool: its own process, this process (the proxy), moto. */
const cpu = { pocket: [], "aws-cli": [] };

const aws = awsCliV2();
const moto = await startMoto();
const proxy = await startLatencyProxy(moto.url);
try {
  const work = mkdtempSync(join(tmpdir(), "pocket-bench-frontend-"));
  // aws-cli 2.9 reads no AWS_ENDPOINT_URL: the endpoint goes on its command line; path-style
  // addressing as pocket uses against an emulator. Its concurrency stays at its default (10).
  writeFileSync(
    join(work, "aws-config"),
    "[default]\nregion = ap-northeast-1\ns3 =\n  addressing_style = path\n",
  );
  const site = join(work, "site");
  generateSite(site, files);
  const toml = join(work, "pocket.toml");
  writeFileSync(
    toml,
    `[general]
region = "ap-northeast-1"
project_name = "benchfe"
stages = ["dev"]

[s3]

[awscontainer]
dockerfile_path = "Dockerfile"

[awscontainer.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"

[awscontainer.django.storages]
default = { store = "s3", location = "media" }
staticfiles = { store = "s3", location = "static", static = true }
`,
  );
  const pocketBucket = "dev-benchfe-pocket";
  const awsBucket = "bench-aws-cli";
  const direct = { ...awsEnv(moto.url), AWS_CONFIG_FILE: join(work, "aws-config") };
  // "direct": both tools talk to moto itself, without the proxy's cost.
  let endpoint = proxy.url;
  const viaProxy = () => ({
    ...awsEnv(endpoint),
    AWS_CONFIG_FILE: join(work, "aws-config"),
    // Every run of pocket shares one cache (in the bench's folder, never the user's): each upload
    // finds the manifest the one before it left, as on a developer's machine, so the manifest is
    // part of what is measured. A first upload (buckets emptied) finds no object its entries
    // describe, so it reads no entry: the listing alone decides there.
    XDG_CACHE_HOME: join(work, "cache"),
  });
  for (const b of [pocketBucket, awsBucket])
    run(aws, ["s3", "mb", `s3://${b}`, "--endpoint-url", moto.url], direct);

  let inFlight = [];
  const pocketUpload = async () => {
    proxy.reset();
    const ms = await timedRun(
      process.execPath,
      [
        bin,
        "--config",
        toml,
        "django",
        "storage",
        "upload",
        "staticfiles",
        "--stage",
        "dev",
        "--source",
        site,
        "--delete",
      ],
      viaProxy(),
      "pocket",
    );
    inFlight.push(proxy.stats().maxInFlight);
    return ms;
  };
  const awsSync = () =>
    timedRun(
      aws,
      [
        "s3",
        "sync",
        site,
        `s3://${awsBucket}/static`,
        "--delete",
        "--endpoint-url",
        endpoint,
        "--only-show-errors",
      ],
      viaProxy(),
      "aws-cli",
    );
  const empty = () => {
    for (const b of [pocketBucket, awsBucket])
      run(aws, ["s3", "rm", `s3://${b}`, "--recursive", "--quiet", "--endpoint-url", moto.url], direct);
  };
  // Each call writes content no earlier call wrote: the rounds of the next latency pick the same
  // files, and bytes written again unchanged would be a touch, not a change (aws s3 sync uploads
  // a touched file, pocket does not: the figure would favour pocket).
  let changes = 0;
  const changeOnePercent = (round) => {
    const n = Math.max(1, Math.round(files / 100));
    changes++;
    for (let i = 0; i < n; i++)
      writeFileSync(
        join(site, fileName((round * 7919 + i * 97) % files)),
        `changed ${changes} ${round} ${i}\n`.repeat(40),
      );
  };

  console.log(
    `front-end upload: ${files} files, ${pairs} pairs per figure (A B / B A), ${aws === "/usr/bin/aws" ? "" : `${aws}, `}${spawnSync(aws, ["--version"], { encoding: "utf8" }).stdout.trim()}, Node ${process.version}`,
  );
  const goals = [];
  for (const latency of LATENCIES) {
    endpoint = latency === "direct" ? moto.url : proxy.url;
    proxy.setDelay({ delayMs: latency === "direct" ? 0 : latency });
    const scenarios = [
      { name: "first upload", before: empty, goal: latency === 150 ? 0.5 : undefined },
      { name: "1 % changed", before: changeOnePercent, goal: 1 },
      { name: "no change", before: () => {}, goal: 1 },
    ];
    for (const s of scenarios) {
      // The setup of each round (emptying the buckets, changing files) is not timed, and
      // both tools see the same state: it is done once per pair, before the pair.
      const results = await rotatedRounds(
        [
          { name: "aws-cli", run: awsSync },
          { name: "pocket", run: pocketUpload },
        ],
        pairs,
        "aws-cli",
        (r) => s.before(r),
      );
      const [a, p] = results;
      const most = latency === "direct" ? "?" : Math.max(...inFlight);
      inFlight = [];
      const ratio = median(p.ratios);
      const verdict =
        s.goal === undefined
          ? ""
          : ratio <= s.goal
            ? `  goal <= ${s.goal}x: met`
            : `  goal <= ${s.goal}x: NOT met`;
      console.log(
        `  ${latency === "direct" ? "direct" : `${String(latency).padStart(3)} ms`}  ${s.name.padEnd(13)} pocket ${median(p.times).toFixed(0).padStart(6)} ms  aws-cli ${median(a.times).toFixed(0).padStart(6)} ms  ratio ${describeRatios(p.ratios)}  (pocket: at most ${most} requests at once)${verdict}`,
      );
      console.log(`${" ".repeat(9)}${cpuLine()}`);
      if (s.goal !== undefined) goals.push(ratio <= s.goal);
    }
  }
  console.log(`  goals met: ${goals.filter(Boolean).length} of ${goals.length}`);
} finally {
  await proxy.close();
  moto.stop();
}

/** aws-cli v2 (Debian's package), installed when absent. */
function awsCliV2() {
  const path = "/usr/bin/aws";
  const version = () => spawnSync(path, ["--version"], { encoding: "utf8" }).stdout ?? "";
  if (!version().startsWith("aws-cli/2")) {
    console.error("installing aws-cli v2: apt-get install -y awscli");
    const r = spawnSync("apt-get", ["install", "-y", "awscli"], { stdio: "ignore" });
    if (r.status !== 0 || !version().startsWith("aws-cli/2")) {
      console.error("aws-cli v2 is needed (Debian 12: apt-get install -y awscli)");
      process.exit(1);
    }
  }
  return path;
}

function fileName(i) {
  const dirs = ["assets", "assets/img", "static/css", "static/js", "docs"];
  return `${dirs[i % dirs.length]}/file-${i}.${["js", "css", "png", "html", "json"][i % 5]}`;
}

/** A site of `n` files of 1 to 20 KB, in five folders. */
function generateSite(dir, n) {
  for (let i = 0; i < n; i++) {
    const name = join(dir, fileName(i));
    mkdirSync(dirname(name), { recursive: true });
    writeFileSync(name, `/* ${i} */ ${"x".repeat(1024 + ((i * 7717) % 19456))}\n`);
  }
}

function run(command, args, env) {
  const r = spawnSync(command, args, { encoding: "utf8", env });
  if (r.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (${r.status}): ${r.stderr}`);
  return r;
}

// The proxy runs in this process: the timed commands must not block its event loop.
async function timedRun(command, args, env, tool) {
  const [own, emulator] = [ownCpuMs(), processCpuMs(moto.pid)];
  const run = await runTimedWithCpu(command, args, { env });
  cpu[tool].push({ tool: run.cpuMs, proxy: ownCpuMs() - own, moto: processCpuMs(moto.pid) - emulator });
  return run.ms;
}

/** `CPU per run: pocket 850 / aws-cli 2100 ms; proxy 120 / 300 ms; moto 1500 / 1700 ms`; resets. */
function cpuLine() {
  const of = (tool, what) => {
    const values = cpu[tool].map((c) => c[what]).filter((v) => Number.isFinite(v));
    return values.length ? median(values).toFixed(0) : "?";
  };
  const line = `CPU per run (pocket / aws-cli): the tool ${of("pocket", "tool")} / ${of("aws-cli", "tool")} ms, the proxy ${of("pocket", "proxy")} / ${of("aws-cli", "proxy")} ms, moto ${of("pocket", "moto")} / ${of("aws-cli", "moto")} ms`;
  cpu.pocket = [];
  cpu["aws-cli"] = [];
  return line;
}
