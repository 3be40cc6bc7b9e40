import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pocket, project } from "../cli/run.js";
import { motoConfig, motoEnv } from "../moto/moto.js";
import { freshMoto, general, REGION, standInFunction } from "./harness.js";
import { record } from "./recorder.js";
import { containerTables, DJANGO_WSGI } from "./several-containers-stage.js";

/*
 * The commands that act on a handler or on user secrets, in a stage of two `[container.<name>]`
 * (the original's current spelling): a handler is named `<container>.<handler>` (or by its key
 * when one container only has it), `--container` names the container, and a command never
 * picks the first container silently.
 */
const TOML = `${general("multi", ["dev", "prd"])}
${containerTables({
  web: {
    dockerfile: "Dockerfile",
    handlers: { wsgi: { command: DJANGO_WSGI }, worker: { command: "app.worker" } },
    userSecrets: { API_TOKEN: "/multi/web-token" },
  },
  v2: {
    dockerfile: "v2/Dockerfile",
    handlers: { wsgi: { command: "app.handler" } },
    userSecrets: { V2_TOKEN: "/multi/v2-token" },
  },
})}`;
const pocketHere = (args: string[]) => pocket(args, { cwd: dir, env: motoEnv(REGION) });
const logs = () => new CloudWatchLogsClient({ region: REGION });
const T0 = Date.now() - 60_000;
let dir: string;

async function logLine(fn: string, at: number, message: string): Promise<void> {
  const group = `/aws/lambda/${fn}`;
  await logs().send(new CreateLogGroupCommand({ logGroupName: group }));
  await logs().send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: "s" }));
  await logs().send(
    new PutLogEventsCommand({
      logGroupName: group,
      logStreamName: "s",
      logEvents: [
        {
          timestamp: at,
          message: `[INFO]\t2026-03-01T00:00:00.000Z\t11111111-aaaa-bbbb-cccc-000000000001\t${message}\n`,
        },
      ],
    }),
  );
}

beforeAll(async () => {
  await freshMoto();
  await motoConfig({ lambda: { use_docker: false } });
  dir = project(TOML, "multi");
  await logLine("dev-multi-pocket-web-wsgi", T0, "web answered");
  await logLine("dev-multi-pocket-web-worker", T0 + 10, "web worked");
  await logLine("dev-multi-pocket-v2-wsgi", T0 + 20, "v2 answered");
  await new SSMClient({ region: REGION }).send(
    new PutParameterCommand({ Name: "/multi/v2-token", Value: "not-printed-v2", Type: "SecureString" }),
  );
  await standInFunction("multi", "v2-wsgi");
});
afterAll(async () => {
  await motoConfig({ lambda: { use_docker: true } });
});

describe("handler and secret commands in a stage of several containers", () => {
  it("pocket logs reads every container's handlers, each shown as <container>.<handler>", () => {
    const r = pocketHere(["logs", "--stage", "dev", "--since", "1h"]);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/ web\.wsgi {3}│ INFO web answered$/);
    expect(lines[1]).toMatch(/ web\.worker │ INFO web worked$/);
    expect(lines[2]).toMatch(/ v2\.wsgi {4}│ INFO v2 answered$/);
  });

  it("pocket logs chooses by <container>.<handler>, by a key one container has, or by --container", () => {
    const v2 = pocketHere(["logs", "v2.wsgi", "--stage", "dev", "--since", "1h"]);
    expect(v2.status, v2.stderr).toBe(0);
    expect(v2.stdout.trim()).toMatch(/ v2\.wsgi │ INFO v2 answered$/);
    const worker = pocketHere(["logs", "worker", "--stage", "dev", "--since", "1h"]);
    expect(worker.stdout.trim()).toMatch(/ web\.worker │ INFO web worked$/);
    const web = pocketHere(["logs", "--container", "web", "--stage", "dev", "--since", "1h"]);
    expect(web.stdout).toContain("web answered");
    expect(web.stdout).not.toContain("v2 answered");
  });

  it("refuses a handler key two containers have, and a container the stage lacks", () => {
    const both = pocketHere(["logs", "wsgi", "--stage", "dev"]);
    expect(both.status).toBe(2);
    expect(both.stderr).toContain('handler "wsgi" is in several containers of stage dev: web.wsgi, v2.wsgi');
    const invoke = pocketHere(["invoke", "wsgi", "--stage", "dev"]);
    expect(invoke.status).toBe(2);
    expect(invoke.stderr).toContain("Name it as <container>.<handler>, e.g. web.wsgi");
    const none = pocketHere(["logs", "--container", "v3", "--stage", "dev"]);
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('stage dev has no container "v3"');
    expect(none.stderr).toContain("Containers of this stage: web, v2");
  });

  it("pocket invoke calls the named container's function", async () => {
    const invoked = async (args: string[]) => {
      const { result, requests } = await record(() => pocketHere(args));
      expect(result.status, result.stderr).toBe(0);
      return requests.map((r) => new URL(r.url).pathname).filter((p) => p.endsWith("/invocations"));
    };
    expect(await invoked(["invoke", "v2.wsgi", "--stage", "dev", "--payload", '{"job":"v2"}'])).toEqual([
      "/2015-03-31/functions/dev-multi-pocket-v2-wsgi/invocations",
    ]);
    expect(await invoked(["invoke", "wsgi", "--container", "v2", "--stage", "dev"])).toEqual([
      "/2015-03-31/functions/dev-multi-pocket-v2-wsgi/invocations",
    ]);
  });

  it("pocket secrets needs --container, and lists only that container's user secrets", () => {
    const refused = pocketHere(["secrets", "list", "--stage", "dev"]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain(
      "stage dev has several containers (web, v2): say which one `pocket secrets list` acts on",
    );
    expect(refused.stderr).toContain("--container web");
    const v2 = pocketHere(["secrets", "list", "--stage", "dev", "--container", "v2", "--json"]);
    expect(v2.status, v2.stderr).toBe(0);
    expect(JSON.parse(v2.stdout)).toEqual([
      expect.objectContaining({ name: "V2_TOKEN", secret: "/multi/v2-token", state: "present" }),
    ]);
    expect(v2.stdout).not.toContain("not-printed-v2");
    const web = pocketHere(["secrets", "get", "API_TOKEN", "--stage", "dev", "--container", "web"]);
    expect(web.stdout + web.stderr).toContain("API_TOKEN");
    expect(web.stdout + web.stderr).not.toContain("V2_TOKEN");
  });

  it("refuses django manage without --container, instead of using the first container", () => {
    const manage = pocketHere(["django", "manage", "migrate", "--stage", "dev"]);
    expect(manage.status).toBe(2);
    expect(manage.stderr).toContain(
      "stage dev has several containers (web, v2): say which one `pocket django manage` acts on",
    );
  });
});
