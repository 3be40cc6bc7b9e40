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
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startLatencyProxy } from "./lib/latency-proxy.mjs";
import { awsEnv, startMoto } from "./lib/moto.mjs";
import { median } from "./lib/pairs.mjs";
import { runTimed } from "./lib/processes.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = join(root, "packages/cli/bin/pocket.cjs");
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
  const env = awsEnv(endpoint);
  const dir = join(mkdtempSync(join(tmpdir(), "pocket-bench-")), "benchapp");
  mkdirSync(dir);
  writeFileSync(
    join(dir, "pocket.toml"),
    `[general]
region = "ap-northeast-1"
stages = ["dev"]

[s3]

[awscontainer]
dockerfile_path = "Dockerfile"

[awscontainer.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"
apigateway = {}

[awscontainer.handlers.management]
command = "pocket.django.lambda_handlers.management_command_handler"
timeout = 600
sqs = {}

[awscontainer.secrets.managed]
SECRET_KEY = { type = "password", options = { length = 50 } }

[cloudfront.main]
routes = [{ is_default = true, is_spa = true }]
`,
  );
  const image = spawnSync(
    "python3",
    [
      "-c",
      `import boto3, json
ecr = boto3.client("ecr", endpoint_url="${endpoint}", region_name="ap-northeast-1")
ecr.create_repository(repositoryName="dev-benchapp-pocket-lambda")
m = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json", "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 1, "digest": "sha256:" + "b" * 64}, "layers": []})
d = ecr.put_image(repositoryName="dev-benchapp-pocket-lambda", imageManifest=m, imageTag="dev")["image"]["imageId"]["imageDigest"]
print("123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/dev-benchapp-pocket-lambda@" + d)`,
    ],
    { encoding: "utf8", env },
  ).stdout.trim();
  const deploy = async (via) => {
    const r = await runTimed(process.execPath, [bin, "deploy", "--stage", "dev", "--image", image], {
      cwd: dir,
      env: awsEnv(via),
    });
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
