import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnPocket } from "../cli/run.js";
import { type FaultProxy, type FaultRequest, startFaultProxy } from "../moto/fault-proxy.js";
import { motoEnv } from "../moto/moto.js";
import { DJANGO_API_CONTAINER, freshProject, general, REGION, until } from "./harness.js";

/*
 * `pocket deploy` sends its reads before the lock (the --image check, the state bucket's state)
 * with the takeover check's instead of after them (README, "Speed"). CloudFormation is held back
 * by a proxy that never answers it: the takeover check waits, and the image check must still
 * reach ECR meanwhile. Before, nothing but the account id was asked until the takeover check
 * had its answers, so this waited in vain.
 */
const TOML = `
${general("early")}
[s3]

${DJANGO_API_CONTAINER}`;

let dir: string;
let image: string;
let proxy: FaultProxy;
const service = (req: FaultRequest) =>
  /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(String(req.headers.authorization ?? ""))?.[1];

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
    const child = spawnPocket(["deploy", "--stage", "dev", "--image", image], {
      cwd: dir,
      env: { ...motoEnv(REGION), AWS_ENDPOINT_URL: proxy.url },
      timeoutMs: 60_000,
    });
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c));
    const exited = new Promise<void>((resolve) => child.on("close", () => resolve()));
    try {
      await until("the takeover check to ask CloudFormation", () => seen.has("cloudformation"), {
        detail: () => stderr,
      });
      await until("the image check to reach ECR meanwhile", () => seen.has("ecr"), {
        detail: () => `${[...seen].join(", ")}\n${stderr}`,
      });
      expect(seen.has("cloudformation")).toBe(true);
    } finally {
      child.kill("SIGKILL");
      await exited;
      proxy.rule = () => "pass";
    }
  }, 90_000);
});
