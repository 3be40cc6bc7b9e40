import { GetRolePolicyCommand, IAMClient } from "@aws-sdk/client-iam";
import { beforeAll, describe, expect, it } from "vitest";
import { pocket } from "../cli/run.js";
import { motoEnv } from "../moto/moto.js";
import { freshProject, general, REGION, stackExists } from "./harness.js";
import { expectNoChangeDeploy } from "./recorder.js";
import { containerTables, servedContainers, twoContainerSchedules } from "./several-containers-stage.js";

/*
 * Schedules of a stage of two containers in the original's current spelling (its
 * configuration.md, "scheduler" and "複数 container"): a schedule may start a handler of any
 * container. Each container stack holds the schedules that start its handlers, in a group of its
 * own, each schedule with a role that may start its one target. moto's CloudFormation creates
 * them through the Scheduler stand-in of test/moto/server.py.
 */
const STAGE = `${general("msched")}
${containerTables(servedContainers({ v2Handlers: { tick: { command: "app.tick" } } }))}
${twoContainerSchedules("v2.tick")}`;

const env = () => motoEnv(REGION);
let dir: string;
let image: string;
const run = (args: string[]) => pocket(args, { cwd: dir, env: env() });
const deploy = () => run(["deploy", "--stage", "dev", "--image", image]);

/**
 * EventBridge Scheduler's GetSchedule, read from moto (the SDK's Scheduler client is not a
 * dependency; moto tells the service from the signature's credential scope, which it does not check).
 */
async function getSchedule(group: string, name: string) {
  const r = await fetch(`${env().AWS_ENDPOINT_URL}/schedules/${name}?groupName=${group}`, {
    headers: {
      Authorization: `AWS4-HMAC-SHA256 Credential=testing/20260101/${REGION}/scheduler/aws4_request, SignedHeaders=host, Signature=0`,
    },
  });
  if (!r.ok) throw new Error(`GetSchedule ${group}/${name}: ${r.status} ${await r.text()}`);
  return (await r.json()) as { GroupName: string; Target: { Arn: string; RoleArn: string; Input: string } };
}

async function rolePolicy(role: string): Promise<string> {
  const out = await new IAMClient({ region: REGION }).send(
    new GetRolePolicyCommand({ RoleName: role, PolicyName: `${role}-policy` }),
  );
  return decodeURIComponent(out.PolicyDocument!);
}

beforeAll(async () => {
  ({ dir, image } = await freshProject(STAGE, "msched"));
});

describe("schedules of several [container.<name>] against moto", () => {
  it("puts each schedule in the stack of the container it starts, in that container's group", async () => {
    const r = deploy();
    expect(r.status, r.stderr).toBe(0);
    const tick = await getSchedule("dev-msched-pocket-v2-schedules", "tick");
    expect(tick.Target.Arn).toMatch(/:function:dev-msched-pocket-v2-tick$/);
    expect(tick.Target.RoleArn).toMatch(/:role\/dev-msched-pocket-schedule-tick$/);
    expect(JSON.parse(tick.Target.Input)).toEqual({ task: "tick" });
    const nightly = await getSchedule("dev-msched-pocket-schedules", "nightly");
    expect(nightly.Target.Arn).toMatch(/:dev-msched-pocket-web-worker$/);
    expect(nightly.Target.RoleArn).toMatch(/:role\/dev-msched-pocket-schedule-nightly$/);
    expect(JSON.parse(nightly.Target.Input)).toEqual({ command: "clearsessions", args: [], kwargs: {} });
  });

  it("gives each schedule a role that may start its one target only", async () => {
    const tick = await rolePolicy("dev-msched-pocket-schedule-tick");
    expect(tick).toContain("dev-msched-pocket-v2-tick");
    expect(tick).not.toContain("web-worker");
    const nightly = await rolePolicy("dev-msched-pocket-schedule-nightly");
    expect(nightly).toContain("dev-msched-pocket-web-worker");
    expect(nightly).not.toContain("v2-tick");
  });

  it("lists and reports every container's schedules", () => {
    const list = run(["resource", "scheduler", "list", "--stage", "dev", "--json"]);
    expect(list.status, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout).map((s: { key: string; target: string }) => [s.key, s.target])).toEqual([
      ["nightly", "dev-msched-pocket-web-worker"],
      ["tick", "dev-msched-pocket-v2-tick"],
    ]);
    const status = run(["status", "--stage", "dev"]);
    expect(status.status, status.stderr).toBe(0);
    const out = status.stdout + status.stderr;
    expect(out).toMatch(/schedule nightly .*next run \d{4}-\d\d-\d\d 03:00 UTC/);
    expect(out).toMatch(/schedule tick .*next run about \d{4}-/);
  });

  it("acts on the container --container names (the original's cli.md)", () => {
    const url = run(["resource", "awscontainer", "url", "--container", "v2", "--stage", "dev"]);
    expect(url.status, url.stderr).toBe(0);
    expect(url.stdout).toMatch(/wsgi.*https:\/\//);
    const status = run(["resource", "awscontainer", "status", "--container", "v2", "--stage", "dev"]);
    expect(status.status, status.stderr).toBe(0);
    expect(status.stdout).toContain("dev-msched-container-v2");
    expect(status.stdout).not.toContain("dev-msched-container-web");
    const list = run(["resource", "awscontainer", "secrets", "list", "--container", "v2", "--stage", "dev"]);
    expect(list.status, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([
      { name: "SECRET_KEY", kind: "managed", type: "password", state: "created", value: "**** (50 chars)" },
    ]);
    const reload = run([
      "resource",
      "awscontainer",
      "secrets",
      "reload",
      "--container",
      "v2",
      "--stage",
      "dev",
    ]);
    expect(reload.status, reload.stderr).toBe(0);
    const said = reload.stdout + reload.stderr;
    expect(said).toContain("dev-msched-pocket-v2-wsgi");
    expect(said).not.toContain("dev-msched-pocket-web-wsgi");
  });

  it("changes nothing on a second deploy", async () => {
    await expectNoChangeDeploy(deploy);
  });

  it("deletes the schedules and their groups with the container stacks", async () => {
    const r = run(["destroy", "--stage", "dev", "--yes", "--with-secrets"]);
    expect(r.status, r.stderr).toBe(0);
    for (const name of ["dev-msched-container-web", "dev-msched-container-v2"]) {
      expect(await stackExists(name, REGION), name).toBe(false);
    }
    await expect(getSchedule("dev-msched-pocket-v2-schedules", "tick")).rejects.toThrow(/404/);
    await expect(getSchedule("dev-msched-pocket-schedules", "nightly")).rejects.toThrow(/404/);
  });
});
