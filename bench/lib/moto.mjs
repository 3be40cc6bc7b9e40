// moto's server for a bench: the tests' server.py on a free loopback port, in a scratch folder.
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");

export async function startMoto() {
  const port = await new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
  const child = spawn(
    "python3",
    [join(root, "packages/cli/test/moto/server.py"), "-H", "127.0.0.1", "-p", String(port)],
    { cwd: mkdtempSync(join(tmpdir(), "pocket-bench-moto-")), stdio: "ignore" },
  );
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/moto-api/data.json`)).ok) break;
    } catch {}
    if (i > 150) {
      child.kill();
      throw new Error("moto did not start");
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  // pid: bench/lib/cpu.mjs reads what moto spent.
  return { url, pid: child.pid, stop: () => child.kill() };
}

/** The environment that points the AWS SDKs (and aws-cli) at `endpoint` with dummy credentials. */
export function awsEnv(endpoint) {
  return {
    ...process.env,
    NO_COLOR: "1",
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: "bench",
    AWS_SECRET_ACCESS_KEY: "bench",
    AWS_REGION: "ap-northeast-1",
    AWS_DEFAULT_REGION: "ap-northeast-1",
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_PAGER: "",
  };
}
