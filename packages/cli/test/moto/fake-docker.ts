import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";

/**
 * A `docker` executable for machines without a Docker engine: it records its arguments and
 * answers like the real CLI. `buildx build --push` puts a manifest into (moto's) ECR under the
 * given tag, derived from the Dockerfile's content, so an unchanged Dockerfile yields the same
 * digest, as a cached real build would.
 */
export function fakeDocker(): { env: Record<string, string>; calls: () => string[][] } {
  const dir = mkdtempSync(join(tmpdir(), "pocket-fake-docker-"));
  const log = join(dir, "calls.jsonl");
  writeFileSync(log, "");
  const script = join(dir, "docker");
  writeFileSync(
    script,
    `#!/usr/bin/env python3
import hashlib, json, os, sys
args = sys.argv[1:]
with open(${JSON.stringify(log)}, "a") as f:
    f.write(json.dumps(args) + "\\n")
if args[:1] == ["version"]:
    print("28.2.2")
    sys.exit(0)
if args[:1] == ["login"]:
    sys.stdin.read()
    print("Login Succeeded")
    sys.exit(0)
if args[:2] == ["buildx", "build"] and "--push" in args:
    import boto3
    tag = args[args.index("--tag") + 1]
    dockerfile = args[args.index("--file") + 1]
    repo_uri, image_tag = tag.rsplit(":", 1)
    repo = repo_uri.split("/", 1)[1]
    content = open(dockerfile, "rb").read()
    layer = "sha256:" + hashlib.sha256(content).hexdigest()
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": len(content), "digest": layer},
        "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": len(content), "digest": layer}]})
    ecr = boto3.client("ecr", region_name=os.environ.get("AWS_REGION", "ap-northeast-1"))
    try:
        digest = ecr.put_image(repositoryName=repo, imageManifest=manifest, imageTag=image_tag)["image"]["imageId"]["imageDigest"]
    except ecr.exceptions.ImageAlreadyExistsException:
        # Pushing identical content is a no-op for a real registry too.
        digest = ecr.describe_images(repositoryName=repo, imageIds=[{"imageTag": image_tag}])["imageDetails"][0]["imageDigest"]
    print("#8 pushing " + tag + " done")
    print(image_tag + ": digest: " + digest + " size: 1234")
    sys.exit(0)
print("fake docker: unsupported command " + " ".join(args), file=sys.stderr)
sys.exit(1)
`,
  );
  chmodSync(script, 0o755);
  return {
    env: { PATH: `${dir}${delimiter}${process.env.PATH ?? ""}` },
    calls: () =>
      readFileSync(log, "utf8")
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => JSON.parse(l) as string[]),
  };
}
