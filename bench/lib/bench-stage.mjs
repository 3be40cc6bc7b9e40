// The stage the deploy benches share: a state bucket, an S3 bucket, managed secrets, a container
// stack with two handlers (API Gateway, a queue) and a distribution, in a scratch project whose
// dev stage allows hotswaps; images are put straight into moto's ECR (no build).
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { awsEnv } from "./moto.mjs";
import { runTimed } from "./processes.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const bin = join(root, "packages/cli/bin/pocket.cjs");
const REPOSITORY = "dev-benchapp-pocket-lambda";

const CONFIG = `[general]
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

[dev.awscontainer]
hotswap = true
`;

/** A scratch project `benchapp` on moto at `endpoint`; `deploy(args, via)` runs pocket through `via`. */
export function benchStage(endpoint) {
  const dir = join(mkdtempSync(join(tmpdir(), "pocket-bench-")), "benchapp");
  mkdirSync(dir);
  writeFileSync(join(dir, "pocket.toml"), CONFIG);
  let images = 0;
  return {
    dir,
    /** A new image (its own digest) tagged dev in moto's ECR: `URI@sha256:...`. */
    putImage() {
      images += 1;
      const out = spawnSync(
        "python3",
        [
          "-c",
          `import boto3, json
ecr = boto3.client("ecr", endpoint_url="${endpoint}", region_name="ap-northeast-1")
try:
    ecr.create_repository(repositoryName="${REPOSITORY}")
except ecr.exceptions.RepositoryAlreadyExistsException:
    pass
m = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json", "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 1, "digest": "sha256:" + "b" * 64}, "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 1, "digest": "sha256:" + "${images.toString(16)}".rjust(64, "0")}]})
d = ecr.put_image(repositoryName="${REPOSITORY}", imageManifest=m, imageTag="dev")["image"]["imageId"]["imageDigest"]
print("123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/${REPOSITORY}@" + d)`,
        ],
        { encoding: "utf8", env: awsEnv(endpoint) },
      );
      if (out.status !== 0) throw new Error(`putting an image into moto failed: ${out.stderr}`);
      return out.stdout.trim();
    },
    /** `pocket deploy --stage dev ...args` as a whole process, its requests through `via`. */
    async deploy(args, via = endpoint) {
      const r = await runTimed(process.execPath, [bin, "deploy", "--stage", "dev", ...args], {
        cwd: dir,
        env: awsEnv(via),
      });
      return { ms: r.ms, stderr: r.stderr };
    },
  };
}
