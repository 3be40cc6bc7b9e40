import { describe, expect, it } from "vitest";
import { context, GENERAL, load, problems } from "./helpers.js";

/*
 * Schedules of a stage of several `[container.<name>]` (the original's configuration.md,
 * "scheduler" and "複数 container"): a schedule may start a handler of any container; the
 * container's stack holds it, so each container that has schedules has a group of its own.
 */
const container = (name: string, extra = "") => `
[container.${name}]
dockerfile_path = "Dockerfile"

[container.${name}.handlers.worker]
command = "app.worker"
${extra}
`;

const STAGE = `${GENERAL}${container("web")}${container("v2", "sqs = {}")}
[scheduler.schedules.tick]
rate = "1 hour"
handler = "web.worker"
input = { task = "tick" }

[scheduler.schedules.drain]
scheduler = "pocket.sqs_scheduler"
cron = "0 3 * * ? *"
handler = "v2.worker"
message = { command = "drain" }
`;

describe("schedules of several containers", () => {
  it("validate, each starting its own container's handler", () => {
    const r = load(STAGE);
    expect(r.ok ? [] : r.diagnostics).toEqual([]);
  });

  it("are held by the container whose handler they start, each container in a group of its own", () => {
    const ctx = context(STAGE);
    expect(Object.keys(ctx.scheduler!.schedules)).toEqual(["tick"]);
    expect(ctx.scheduler!.groupName).toBe("dev-testprj-pocket-schedules");
    const v2 = ctx.containerSchedulers!.v2!;
    expect(v2.groupName).toBe("dev-testprj-pocket-v2-schedules");
    expect(Object.keys(v2.schedules)).toEqual(["drain"]);
    expect(v2.schedules.drain).toMatchObject({
      roleName: "dev-testprj-pocket-schedule-drain",
      target: { kind: "sqs", queueName: "dev-testprj-pocket-v2-worker" },
      deadLetterQueueName: "dev-testprj-pocket-v2-worker-dead-letter",
    });
    expect(ctx.containerSchedulers!.web).toBe(ctx.scheduler);
    expect(ctx.scheduler!.schedules.tick!.target).toMatchObject({
      kind: "lambda",
      functionName: "dev-testprj-pocket-web-worker",
    });
  });

  it("a later container's schedule is checked against that container's handlers", () => {
    const wrong = STAGE.replace('handler = "v2.worker"', 'handler = "v2.nope"');
    expect(problems(wrong).map((d) => [d.code, d.path])).toContainEqual([
      "schedule-unknown-handler",
      "scheduler.schedules.drain.handler",
    ]);
  });

  it("a later container's group name is checked like the stage's", () => {
    const long = STAGE.replaceAll("v2", "v2abcdefghijklmnopqrstuvwxyz0123");
    expect(problems(long).map((d) => d.code)).toContain("name-too-long");
  });
});
