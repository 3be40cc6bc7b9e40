// Times a `pocket deploy` that has nothing to do (the second deploy of the README's tour
// config: state bucket, S3 bucket, secrets, two handlers with API Gateway and a custom domain
// only in prd) against moto's server on loopback, whole process included, and the first
// deploy for comparison. The figure that matters is the no-op: it is what users pay on every
// CI run. moto answers in microseconds, so this measures pocket's own work (start-up, SDK
// loading, the comparisons), not AWS latency.
// Usage: node bench/deploy-noop.mjs [runs]   (needs the build and python3 with moto)
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = join(root, "packages/cli/bin/pocket.cjs");
const runs = Number(process.argv[2] ?? 10);

const port = await new Promise((resolve) => {
  const s = createServer();
  s.listen(0, "127.0.0.1", () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
});
const moto = spawn(
  "python3",
  [join(root, "packages/cli/test/moto/server.py"), "-H", "127.0.0.1", "-p", String(port)],
  {
    cwd: mkdtempSync(join(tmpdir(), "pocket-bench-moto-")),
    stdio: "ignore",
  },
);
const endpoint = `http://127.0.0.1:${port}`;
try {
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${endpoint}/moto-api/data.json`)).ok) break;
    } catch {}
    if (i > 150) throw new Error("moto did not start");
    await new Promise((r) => setTimeout(r, 200));
  }
  const env = {
    ...process.env,
    NO_COLOR: "1",
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: "bench",
    AWS_SECRET_ACCESS_KEY: "bench",
    AWS_REGION: "ap-northeast-1",
    AWS_EC2_METADATA_DISABLED: "true",
  };
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
  const deploy = () => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [bin, "deploy", "--stage", "dev", "--image", image], {
      cwd: dir,
      encoding: "utf8",
      env,
    });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`deploy failed (${r.status}): ${r.stderr}`);
    return { ms, noop: r.stderr.includes("No changes") };
  };
  const first = deploy();
  const times = Array.from({ length: runs }, () => {
    const r = deploy();
    if (!r.noop) throw new Error("a repeated deploy changed something");
    return r.ms;
  }).sort((a, b) => a - b);
  const q = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
  console.log(`pocket deploy --stage dev --image ... against moto (${runs} no-op runs)`);
  console.log(`  first deploy (creates everything): ${first.ms.toFixed(0)} ms`);
  console.log(
    `  no-op deploy: median ${q(0.5).toFixed(0)} ms   p10 ${q(0.1).toFixed(0)} ms   p90 ${q(0.9).toFixed(0)} ms   min ${times[0].toFixed(0)} ms   max ${times[times.length - 1].toFixed(0)} ms`,
  );
} finally {
  moto.kill();
}
