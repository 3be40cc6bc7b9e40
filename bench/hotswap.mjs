// An image-only deploy of the deploy benches' stage (bench/lib/bench-stage.mjs: bucket, secrets,
// a container stack with two functions, a distribution) at 150 ms per request through the
// latency proxy: through the stack update (`pocket deploy --image NEW`) against the hotswap
// (`pocket deploy --hotswap --image NEW`), in rotated pairs, each with an image of its own.
// Per way: wall time, requests, most in flight, and the sequential round trips (critical path).
// moto finishes a stack update at once, so the stack update's figures here are its calls only:
// on AWS, CloudFormation's own update of two image functions adds about a minute or more of
// waiting (DescribeStacks polls), which the hotswap does not have.
// Usage: node bench/hotswap.mjs [pairs, default 3] [--trace: list each run's requests]   (needs the build and python3 with moto;
// BENCH_LATENCIES=150 picks the latencies)
import { benchStage } from "./lib/bench-stage.mjs";
import { startLatencyProxy } from "./lib/latency-proxy.mjs";
import { startMoto } from "./lib/moto.mjs";
import { median, rotatedRounds } from "./lib/pairs.mjs";

const pairs = Number(process.argv[2] ?? 3);
const trace = process.argv.includes("--trace");
const LATENCIES = process.env.BENCH_LATENCIES_HOTSWAP
  ? process.env.BENCH_LATENCIES_HOTSWAP.split(",").map(Number)
  : [150];

const moto = await startMoto();
const proxy = await startLatencyProxy(moto.url);
try {
  const stage = benchStage(moto.url);
  await stage.deploy(["--image", stage.putImage()]);
  console.log(
    `image-only deploy (new image, nothing else changed) of a stage with bucket, secrets, 2 functions and a distribution, moto through the latency proxy, ${pairs} rotated pairs, Node ${process.version}`,
  );
  for (const latency of LATENCIES) {
    proxy.setDelay({ delayMs: latency });
    const seen = { "stack update": [], hotswap: [] };
    const way = (name, args, expect) => ({
      name,
      run: async () => {
        // Each deploy ships an image of its own, so every run has the one change to make.
        const image = stage.putImage();
        proxy.reset();
        const r = await stage.deploy([...args, "--image", image], proxy.url);
        if (!r.stderr.includes(expect)) throw new Error(`${name}: expected "${expect}" in:\n${r.stderr}`);
        seen[name].push({ ms: r.ms, ...proxy.stats() });
        if (trace) printTrace(name, proxy.requests());
        return r.ms;
      },
    });
    const [, hot] = await rotatedRounds(
      [way("stack update", [], "Deployed stage dev"), way("hotswap", ["--hotswap"], "Hotswapped stage dev")],
      pairs,
    );
    for (const [name, runs] of Object.entries(seen)) {
      const m = (key) => median(runs.map((s) => s[key]));
      console.log(
        `  ${String(latency).padStart(3)} ms per request  ${name.padEnd(12)}: median ${m("ms").toFixed(0).padStart(5)} ms  requests ${m("requests")}  most in flight ${m("maxInFlight")}  sequential round trips ${m("depth")}`,
      );
    }
    console.log(
      `  ${String(latency).padStart(3)} ms per request  hotswap / stack update wall time: ${median(hot.ratios).toFixed(2)}x (per pair ${hot.ratios.map((r) => r.toFixed(2)).join(", ")})`,
    );
  }
} finally {
  await proxy.close();
  moto.stop();
}

function printTrace(name, requests) {
  console.log(`    ${name}:`);
  const t0 = requests[0]?.start ?? 0;
  for (const q of requests) {
    console.log(
      `      ${(q.start - t0).toFixed(0).padStart(6)} - ${(q.end - t0).toFixed(0).padStart(6)} ms  ${q.call}`,
    );
  }
}
