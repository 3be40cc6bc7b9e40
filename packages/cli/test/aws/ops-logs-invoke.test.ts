import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runContext } from "../../src/engine/run-context.js";
import { managedSecretStore } from "../../src/resources/secrets/store.js";
import { pocket, pocketAsync, project } from "../cli/run.js";
import { motoConfig, motoEnv } from "../moto/moto.js";
import { loadInline } from "../templates/context.js";
import { freshMoto, general, REGION, standInFunction, WSGI_CONTAINER } from "./harness.js";
import { record } from "./recorder.js";

const TOML = `
${general("ops")}
${WSGI_CONTAINER}
[awscontainer.handlers.worker]
command = "app.worker"
sqs = {}

[awscontainer.handlers.cron]
command = "app.cron"

[awscontainer.secrets.managed]
SECRET_KEY = { type = "password", options = { length = 50 } }

[awscontainer.secrets.user]
API_TOKEN = { name = "/ops/api-token", store = "ssm" }
`;
const env = () => motoEnv(REGION);
/** `pocket` in the test project against moto. */
const pocketHere = (args: string[]) => pocket(args, { cwd: dir, env: env() });
const logs = () => new CloudWatchLogsClient({ region: REGION });
const T0 = Date.now() - 60_000;
let dir: string;

async function putEvents(group: string, stream: string, events: [number, string][]): Promise<void> {
  await logs()
    .send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }))
    .catch(() => undefined);
  await logs().send(
    new PutLogEventsCommand({
      logGroupName: group,
      logStreamName: stream,
      logEvents: events.map(([timestamp, message]) => ({ timestamp, message })),
    }),
  );
}

beforeAll(async () => {
  await freshMoto();
  await motoConfig({ lambda: { use_docker: false } });
  dir = project(TOML, "ops");
  // Log groups as the container stack creates them; "cron" has a group and no stream (never ran).
  for (const key of ["wsgi", "worker", "cron"])
    await logs().send(new CreateLogGroupCommand({ logGroupName: `/aws/lambda/dev-ops-pocket-${key}` }));
  await putEvents("/aws/lambda/dev-ops-pocket-wsgi", "2026/03/01/[$LATEST]a", [
    [T0, "INIT_START Runtime Version: python:3.12.v40\n"],
    [T0 + 1, "START RequestId: 11111111-aaaa-bbbb-cccc-000000000001 Version: $LATEST\n"],
    [T0 + 10, "[INFO]\t2026-03-01T00:00:00.000Z\t11111111-aaaa-bbbb-cccc-000000000001\tGET /notes 200\n"],
    [T0 + 30, "END RequestId: 11111111-aaaa-bbbb-cccc-000000000001\n"],
    [
      T0 + 31,
      "REPORT RequestId: 11111111-aaaa-bbbb-cccc-000000000001\tDuration: 20.00 ms\tBilled Duration: 21 ms\tMemory Size: 512 MB\tMax Memory Used: 90 MB\tInit Duration: 900.50 ms\t\n",
    ],
  ]);
  await putEvents("/aws/lambda/dev-ops-pocket-worker", "2026/03/01/[$LATEST]b", [
    [T0 + 20, "[ERROR]\t2026-03-01T00:00:00.000Z\t22222222-aaaa-bbbb-cccc-000000000002\tjob failed\n"],
  ]);
  await standInFunction("ops", "cron");
});
afterAll(async () => {
  await motoConfig({ lambda: { use_docker: true } });
});

describe("pocket logs against moto's CloudWatch Logs", () => {
  it("merges every handler's events by time, condenses START/END/REPORT and says who never ran", async () => {
    const { result: r, operations } = await record(() =>
      pocketHere(["logs", "--stage", "dev", "--since", "1h"]),
    );
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} wsgi {3}│ INFO GET \/notes 200$/);
    expect(lines[1]).toMatch(/ worker │ ERROR job failed$/);
    expect(lines[2]).toMatch(
      / wsgi {3}│ ── 11111111 done: 20\.0 ms, 90\/512 MB, cold start \(init 901 ms\)$/,
    );
    expect(r.stdout).not.toContain("START");
    expect(r.stderr).toContain("cron: has never run (log group /aws/lambda/dev-ops-pocket-cron is empty)");
    expect(operations.filter((o) => o === "FilterLogEvents")).toHaveLength(3);
  });

  it("reads only the named handlers, with the filter pattern, as JSON lines", () => {
    const r = pocketHere([
      "logs",
      "worker",
      "--stage",
      "dev",
      "--since",
      "1h",
      "--json",
      "--filter",
      "failed",
    ]);
    expect(r.status, r.stderr).toBe(0);
    const events = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(events).toEqual([
      expect.objectContaining({ handler: "worker", type: "message", level: "ERROR", message: "job failed" }),
    ]);
  });

  it("says so for an unknown handler (usage error) and for a window without events", () => {
    const bad = pocketHere(["logs", "nope", "--stage", "dev"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('there is no handler "nope"');
    expect(bad.stderr).toContain("wsgi, worker, cron");
    const old = pocketHere(["logs", "wsgi", "--stage", "dev", "--since", "2020-01-01T00:00:00Z"]);
    expect(old.status, old.stderr).toBe(0);
    const quiet = pocketHere(["logs", "wsgi", "--stage", "dev", "--since", "1s"]);
    expect(quiet.stderr).toContain("no log events since");
    expect(pocketHere(["logs", "--stage", "dev", "--since", "soon"]).status).toBe(2);
  });

  it("--follow prints events that arrive later, once each", async () => {
    const run = pocketAsync(["logs", "worker", "--stage", "dev", "--since", "1h", "--follow"], {
      cwd: dir,
      env: { ...env(), POCKET_LOGS_POLL_MS: "200", POCKET_LOGS_MAX_POLLS: "8" },
    });
    await new Promise((r) => setTimeout(r, 700));
    await putEvents("/aws/lambda/dev-ops-pocket-worker", "2026/03/01/[$LATEST]c", [
      [Date.now(), "late line\n"],
    ]);
    const r = await run;
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.match(/job failed/g)).toHaveLength(1);
    expect(r.stdout.match(/late line/g)).toHaveLength(1);
    expect(r.stderr).toContain("following (Ctrl-C to stop)");
  });
});

describe("pocket logs prints text, never terminal commands or the stage's secrets (issue 20, item 5)", () => {
  const secretKey = `k3y${"x".repeat(47)}`;
  const apiToken = "tok_3f9a7c21b8e4d605";
  beforeAll(async () => {
    const config = loadInline(TOML, "dev");
    const secrets = config.context.container!.secrets!;
    await managedSecretStore(
      runContext(config, {}).aws(secrets.region),
      secrets,
      "dev",
      config.context.project,
    ).write({
      SECRET_KEY: secretKey,
    });
    await new SSMClient({ region: REGION }).send(
      new PutParameterCommand({ Name: "/ops/api-token", Value: apiToken, Type: "SecureString" }),
    );
    await putEvents("/aws/lambda/dev-ops-pocket-wsgi", "2026/03/01/[$LATEST]s", [
      [T0 + 40, `settings SECRET_KEY=${secretKey} token=${apiToken}\u001b]0;owned\u0007\u001b[2J\n`],
    ]);
  });

  it("masks managed and user secret values and escapes control characters", () => {
    const r = pocketHere(["logs", "wsgi", "--stage", "dev", "--since", "1h", "--filter", "settings"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      / wsgi │ settings SECRET_KEY=\[masked SECRET_KEY\] token=\[masked API_TOKEN\]\\x1b\]0;owned\\x07\\x1b\[2J\n$/,
    );
    expect(r.stdout).not.toContain("\u001b");
    for (const value of [secretKey, apiToken]) expect(r.stdout + r.stderr).not.toContain(value);
  });

  it("masks them in --json too, and shows them with --show-secrets", () => {
    const args = ["logs", "wsgi", "--stage", "dev", "--since", "1h", "--filter", "settings"];
    const json = pocketHere([...args, "--json"]);
    expect(json.status, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout).message).toContain(
      "SECRET_KEY=[masked SECRET_KEY] token=[masked API_TOKEN]",
    );
    for (const value of [secretKey, apiToken]) expect(json.stdout).not.toContain(value);
    const shown = pocketHere([...args, "--show-secrets"]);
    expect(shown.status, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(`SECRET_KEY=${secretKey} token=${apiToken}`);
    expect(shown.stdout).toContain("\\x1b[2J");
  });
});

describe("pocket invoke", () => {
  it("invokes synchronously with the payload and prints the response (moto echoes the event)", async () => {
    const { result: r, requests } = await record(() =>
      pocketHere(["invoke", "cron", "--stage", "dev", "--payload", '{"job":"report"}']),
    );
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ job: "report" });
    const invoke = requests.find((q) => q.url.includes("/functions/dev-ops-pocket-cron/invocations"));
    expect(invoke?.headers["X-Amz-Invocation-Type"]).toBe("RequestResponse");
  });

  it("refuses a payload that is not JSON before calling AWS", async () => {
    const { result: bad, operations } = await record(() =>
      pocketHere(["invoke", "cron", "--stage", "dev", "--payload", "{job}"]),
    );
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("--payload is not JSON");
    expect(operations).toEqual([]);
  });
});

// moto's Lambda without Docker always succeeds and returns no log: the error and log-tail
// paths are checked against a stand-in that answers Invoke as Lambda's API does.
describe("pocket invoke against Lambda's wire format", () => {
  let server: Server;
  let url: string;
  let seen: IncomingHttpHeaders | undefined;
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen = req.headers;
      req.resume();
      req.on("end", () => {
        // Lambda's API refusing the call: the error type in a header, the message in the body.
        const refuse = (status: number, type: string, message: string) => {
          res.writeHead(status, { "content-type": "application/json", "x-amzn-errortype": type });
          res.end(JSON.stringify({ Type: "User", message }));
        };
        if (req.url?.includes("dev-ops-pocket-worker"))
          return refuse(409, "ResourceConflictException", "busy\u001b]0;owned\u0007\u001b[2J");
        if (req.url?.includes("dev-ops-pocket-wsgi"))
          return refuse(404, "ResourceNotFoundException", "Function not found: dev-ops-pocket-wsgi");
        const tail = [
          "START RequestId: 33333333-aaaa-bbbb-cccc-000000000003 Version: $LATEST",
          "[ERROR]\t2026-03-01T00:00:00.000Z\t33333333-aaaa-bbbb-cccc-000000000003\tZeroDivisionError: division by zero\u001b[2J",
          "END RequestId: 33333333-aaaa-bbbb-cccc-000000000003",
          "REPORT RequestId: 33333333-aaaa-bbbb-cccc-000000000003\tDuration: 5.00 ms\tBilled Duration: 6 ms\tMemory Size: 512 MB\tMax Memory Used: 80 MB\t",
          "",
        ].join("\n");
        res.writeHead(200, {
          "content-type": "application/json",
          "x-amz-function-error": "Unhandled",
          "x-amz-log-result": Buffer.from(tail).toString("base64"),
          "x-amz-executed-version": "$LATEST",
        });
        res.end(
          JSON.stringify({
            errorType: "ZeroDivisionError",
            errorMessage: "division by zero\u001b]0;owned\u0007",
            stackTrace: ['  File "/var/task/app.py", line 3, in cron\n'],
          }),
        );
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("prints the error and the condensed log tail, and exits 1", async () => {
    const r = await pocketAsync(["invoke", "cron", "--stage", "dev", "--log"], {
      cwd: dir,
      env: { ...env(), AWS_ENDPOINT_URL_LAMBDA: url },
    });
    expect(r.status).toBe(1);
    expect(seen?.["x-amz-log-type"]).toBe("Tail");
    expect(r.stderr).toContain("ERROR ZeroDivisionError: division by zero");
    expect(r.stderr).toContain("── 33333333 done: 5.0 ms, 80/512 MB");
    expect(r.stderr).not.toContain("START RequestId");
    expect(r.stderr).toContain(
      "error: dev-ops-pocket-cron failed (Unhandled): ZeroDivisionError: division by zero",
    );
    expect(r.stderr).toContain('File "/var/task/app.py", line 3, in cron');
    expect(r.stdout).toBe("");
  });

  it("prints the function's words and AWS's errors as text, never as terminal commands (issue 20, item 5)", async () => {
    const failed = await pocketAsync(["invoke", "cron", "--stage", "dev", "--log"], {
      cwd: dir,
      env: { ...env(), AWS_ENDPOINT_URL_LAMBDA: url },
    });
    expect(failed.stderr).not.toContain("\u001b");
    expect(failed.stderr).toContain("ERROR ZeroDivisionError: division by zero\\x1b[2J");
    expect(failed.stderr).toContain("ZeroDivisionError: division by zero\\x1b]0;owned\\x07");
    const refused = await pocketAsync(["invoke", "worker", "--stage", "dev"], {
      cwd: dir,
      env: { ...env(), AWS_ENDPOINT_URL_LAMBDA: url },
    });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain("error: AWS ResourceConflictException: busy\\x1b]0;owned\\x07\\x1b[2J");
    expect(refused.stderr).not.toContain("\u001b");
  });

  it("says that a function that is not deployed does not exist", async () => {
    const r = await pocketAsync(["invoke", "wsgi", "--stage", "dev"], {
      cwd: dir,
      env: { ...env(), AWS_ENDPOINT_URL_LAMBDA: url },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("the function dev-ops-pocket-wsgi does not exist");
    expect(r.stderr).toContain("pocket deploy --stage dev");
  });
});
