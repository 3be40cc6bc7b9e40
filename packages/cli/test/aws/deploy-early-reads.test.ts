import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pocket, spawnPocket } from "../cli/run.js";
import { type FaultProxy, type FaultRequest, startFaultProxy } from "../moto/fault-proxy.js";
import { motoEnv } from "../moto/moto.js";
import { DJANGO_API_CONTAINER, freshProject, general, REGION, until } from "./harness.js";

/*
 * Reads a deploy asks ahead (README, "Speed"), shown by holding CloudFormation back with a proxy
 * that never answers it: what is asked ahead still goes out meanwhile, what waits for the
 * stacks' answers never does.
 * - Before the lock, the --image check and the state bucket's state go out with the takeover
 *   check's reads (before: only after the takeover check had its answers).
 * - Under the lock, a distribution's bucket policy is read with the statuses (before: only after
 *   the distribution's stack was read).
 */
const TOML = `
${general("early")}
[s3]

${DJANGO_API_CONTAINER}

[cloudfront.main]
routes = [{ is_default = true, is_spa = true }]
`;

let dir: string;
let image: string;
let proxy: FaultProxy;
const service = (req: FaultRequest) =>
  /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(String(req.headers.authorization ?? ""))?.[1];

/** Runs `watch` while a deploy talks to moto through the proxy, then stops the deploy. */
async function whileDeploying(watch: (stderr: () => string) => Promise<void>): Promise<void> {
  const child = spawnPocket(["deploy", "--stage", "dev", "--image", image], {
    cwd: dir,
    env: { ...motoEnv(REGION), AWS_ENDPOINT_URL: proxy.url },
    timeoutMs: 60_000,
  });
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => (stderr += c));
  const exited = new Promise<void>((resolve) => child.on("close", () => resolve()));
  try {
    await watch(() => stderr);
  } finally {
    child.kill("SIGKILL");
    await exited;
    proxy.rule = () => "pass";
  }
}

beforeAll(async () => {
  ({ dir, image } = await freshProject(TOML, "early"));
  proxy = await startFaultProxy(motoEnv(REGION).AWS_ENDPOINT_URL ?? "");
});
afterAll(async () => {
  await proxy?.close();
});

describe("deploy's reads before the lock", () => {
  it("checks --image in ECR while the takeover check waits for CloudFormation", async () => {
    const seen = new Set<string>();
    proxy.rule = (req) => {
      const name = service(req) ?? "?";
      seen.add(name);
      return name === "cloudformation" ? "hang" : "pass";
    };
    await whileDeploying(async (stderr) => {
      await until("the takeover check to ask CloudFormation", () => seen.has("cloudformation"), {
        detail: stderr,
      });
      await until("the image check to reach ECR meanwhile", () => seen.has("ecr"), {
        detail: () => `${[...seen].join(", ")}\n${stderr()}`,
      });
    });
  }, 90_000);

  it("reads a distribution's bucket policy with the statuses under the lock", async () => {
    const first = pocket(["deploy", "--stage", "dev", "--image", image], { cwd: dir, env: motoEnv(REGION) });
    expect(first.status, first.stderr).toBe(0);
    let locked = false;
    let policyRead = false;
    proxy.rule = (req) => {
      if (req.method === "PUT" && req.path.startsWith("/dev-early-pocket-state/locks/")) locked = true;
      if (req.method === "GET" && /^\/dev-early-pocket\/?\?policy/.test(req.path)) policyRead = true;
      return locked && service(req) === "cloudformation" ? "hang" : "pass";
    };
    await whileDeploying(async (stderr) => {
      await until("the lock", () => locked, { detail: stderr });
      await until("the bucket policy's read while the stacks' reads wait", () => policyRead, {
        detail: stderr,
      });
    });
  }, 120_000);
});
