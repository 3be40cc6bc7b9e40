// A `pocket deploy` that has nothing to do (state bucket, S3 bucket, secrets, a container stack
// with two handlers, API Gateway and a queue, and a distribution) against moto through the
// latency proxy (bench/lib/latency-proxy.mjs) at 0, 25 and 150 ms per request, whole process
// included; the first deploy for scale. Per latency: the wall time, the requests made, the most
// in flight at once, and the sequential round trips (the longest chain of requests each started
// after the previous one ended: the critical-path depth). The no-op is what users pay on every
// CI run. Goal (issue 25): at most 6 sequential round trips.
// Usage: node bench/deploy-noop.mjs [runs per latency, default 3] [--trace: list the requests of
// the last run at the highest latency]   (needs the build and python3 with moto;
// BENCH_LATENCIES=25,150 picks the latencies)
import { benchStage } from "./lib/bench-stage.mjs";
import { startLatencyProxy } from "./lib/latency-proxy.mjs";
import { startMoto } from "./lib/moto.mjs";
import { median } from "./lib/pairs.mjs";

const runs = Number(process.argv[2] ?? 3);
const trace = process.argv.includes("--trace");
const LATENCIES = process.env.BENCH_LATENCIES
  ? process.env.BENCH_LATENCIES.split(",").map(Number)
  : [0, 25, 150];
const DEPTH_GOAL = 6;

const moto = await startMoto();
const proxy = await startLatencyProxy(moto.url);
const endpoint = moto.url;
try {
  const stage = benchStage(endpoint);
  const image = stage.putImage();
  const deploy = async (via) => {
    const r = await stage.deploy(["--image", image], via);
    return { ms: r.ms, noop: r.stderr.includes("No changes") };
  };
  const first = await deploy(endpoint);
  console.log(
    `pocket deploy --stage dev --image ... (bucket, secrets, container stack, distribution), moto through the latency proxy, ${runs} no-op runs per latency, Node ${process.version}`,
  );
  console.log(`  first deploy (creates everything, no added latency): ${first.ms.toFixed(0)} ms`);
  for (const latency of LATENCIES) {
    proxy.setDelay({ delayMs: latency });
    const seen = [];
    for (let i = 0; i < runs; i++) {
      proxy.reset();
      const r = await deploy(proxy.url);
      if (!r.noop) throw new Error("a repeated deploy changed something");
      seen.push({ ms: r.ms, ...proxy.stats() });
    }
    const m = (key) => median(seen.map((s) => s[key]));
    const depth = Math.max(...seen.map((s) => s.depth));
    if (trace && latency === LATENCIES.at(-1)) {
      const t0 = proxy.requests()[0]?.start ?? 0;
      for (const q of proxy.requests()) {
        console.log(
          `      ${(q.start - t0).toFixed(0).padStart(6)} - ${(q.end - t0).toFixed(0).padStart(6)} ms  ${q.call}`,
        );
      }
    }
    console.log(
      `  ${String(latency).padStart(3)} ms per request  no-op deploy: median ${m("ms").toFixed(0).padStart(5)} ms  requests ${m("requests")}  most in flight ${m("maxInFlight")}  sequential round trips ${depth} (goal <= ${DEPTH_GOAL}: ${depth <= DEPTH_GOAL ? "met" : "NOT met"})`,
    );
  }
} finally {
  await proxy.close();
  moto.stop();
}
