import { inject } from "vitest";

/** Environment that points the SDK (and the pocket CLI) at moto with dummy credentials. */
export function motoEnv(region = "ap-northeast-1"): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: inject("motoEndpoint"),
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
    AWS_SESSION_TOKEN: "testing",
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_EC2_METADATA_DISABLED: "true",
  };
}

/** Sets the moto environment on this test process (for tests that call the SDK directly). */
export function useMoto(): void {
  Object.assign(process.env, motoEnv());
}

/** Forgets every resource moto holds, so each test file starts from an empty account. */
export async function resetMoto(): Promise<void> {
  const r = await fetch(`${inject("motoEndpoint")}/moto-api/reset`, { method: "POST" });
  if (!r.ok) throw new Error(`moto reset failed: ${r.status}`);
}

/** Puts a tiny image manifest into moto's ECR and returns `repoUri@digest`. */
export async function putTestImage(
  repository: string,
  tag: string,
  region = "ap-northeast-1",
): Promise<string> {
  useMoto();
  const { ECRClient, CreateRepositoryCommand, PutImageCommand, DescribeRepositoriesCommand } = await import(
    "@aws-sdk/client-ecr"
  );
  const ecr = new ECRClient({ region });
  let uri: string | undefined;
  try {
    uri = (await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [repository] })))
      .repositories?.[0]?.repositoryUri;
  } catch {
    uri = (await ecr.send(new CreateRepositoryCommand({ repositoryName: repository }))).repository
      ?.repositoryUri;
  }
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.docker.distribution.manifest.v2+json",
    config: {
      mediaType: "application/vnd.docker.container.image.v1+json",
      size: 1,
      digest: `sha256:${"c".repeat(64)}`,
    },
    layers: [
      {
        mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip",
        size: 1,
        digest: `sha256:${Date.now().toString(16).padStart(64, "0")}`,
      },
    ],
  });
  const out = await ecr.send(
    new PutImageCommand({ repositoryName: repository, imageManifest: manifest, imageTag: tag }),
  );
  return `${uri}@${out.image!.imageId!.imageDigest}`;
}

/** Sets moto's own configuration (moto-api/config), e.g. whether its Lambda runs images in Docker. */
export async function motoConfig(config: unknown): Promise<void> {
  const r = await fetch(`${inject("motoEndpoint")}/moto-api/config`, {
    method: "POST",
    body: JSON.stringify(config),
  });
  if (!r.ok) throw new Error(`moto config: ${r.status}`);
}
