import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  enqueue,
  resetEnvLoaded,
  type SqsEvent,
  type SqsRecord,
  splitCommandLine,
  sqsHandler,
  taskHandler,
} from "../src/index.js";

const saved = { ...process.env };
beforeEach(() => {
  delete process.env.POCKET_STAGE;
  resetEnvLoaded();
});
afterEach(() => {
  process.env = { ...saved };
  vi.restoreAllMocks();
});

const QUEUE_ARN = "arn:aws:sqs:ap-northeast-1:123456789012:dev-myapp-worker";

function record(id: string, body: string, arn = QUEUE_ARN): SqsRecord {
  return {
    messageId: id,
    receiptHandle: `rh-${id}`,
    body,
    attributes: { ApproximateReceiveCount: "1" },
    messageAttributes: {},
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: arn,
    awsRegion: "ap-northeast-1",
  };
}

const batch = (...records: SqsRecord[]): SqsEvent => ({ Records: records });

describe("sqsHandler", () => {
  it("parses JSON bodies, passes other text as is, and reports the record that threw", async () => {
    const seen: unknown[] = [];
    const logError = vi.fn();
    const handler = sqsHandler(
      (body: unknown, r) => {
        seen.push(body);
        if (r.messageId === "m2") throw new Error("no");
      },
      { logError },
    );
    const out = await handler(
      batch(record("m1", '{"n":1}'), record("m2", "[2]"), record("m3", "plain text")),
    );
    expect(seen).toEqual([{ n: 1 }, [2], "plain text"]);
    expect(out).toEqual({ batchItemFailures: [{ itemIdentifier: "m2" }] });
    expect(logError).toHaveBeenCalledOnce();
    expect(String(logError.mock.calls[0]![0])).not.toContain("[2]");
  });

  it("rethrows when the handler's queue says report_batch_item_failures = false", async () => {
    process.env.POCKET_WORKER_QUEUEURL =
      "https://sqs.ap-northeast-1.amazonaws.com/123456789012/dev-myapp-worker";
    process.env.POCKET_WORKER_REPORT_BATCH_ITEM_FAILURES = "false";
    const handler = sqsHandler(
      (body: { fail?: boolean }) => {
        if (body.fail) throw new Error("failed record");
      },
      { logError: () => {} },
    );
    await expect(handler(batch(record("m1", "{}"), record("m2", '{"fail":true}')))).rejects.toThrow(
      "failed record",
    );
    // Another handler's queue keeps the default.
    const other = batch(record("m3", '{"fail":true}', "arn:aws:sqs:ap-northeast-1:123456789012:other"));
    expect(await handler(other)).toEqual({ batchItemFailures: [{ itemIdentifier: "m3" }] });
  });

  it("reports when the flag is true, and refuses a flag that is neither true nor false", async () => {
    process.env.POCKET_SQS_MGMT_QUEUEURL =
      "https://sqs.ap-northeast-1.amazonaws.com/123456789012/dev-myapp-worker";
    process.env.POCKET_SQS_MGMT_REPORT_BATCH_ITEM_FAILURES = "true";
    const handler = sqsHandler(
      () => {
        throw new Error("x");
      },
      { logError: () => {} },
    );
    expect(await handler(batch(record("m1", "{}")))).toEqual({
      batchItemFailures: [{ itemIdentifier: "m1" }],
    });
    process.env.POCKET_SQS_MGMT_REPORT_BATCH_ITEM_FAILURES = "yes";
    await expect(handler(batch(record("m1", "{}")))).rejects.toMatchObject({
      code: "invalid-environment",
      location: "POCKET_SQS_MGMT_REPORT_BATCH_ITEM_FAILURES",
    });
  });

  it("keeps a FIFO group in order: records after a failure are returned unprocessed", async () => {
    const fifo = "arn:aws:sqs:ap-northeast-1:123456789012:jobs.fifo";
    const ran: string[] = [];
    const handler = sqsHandler(
      (_b, r) => {
        ran.push(r.messageId);
        if (r.messageId === "b") throw new Error("b failed");
      },
      { logError: () => {} },
    );
    const out = await handler(batch(record("a", "1", fifo), record("b", "2", fifo), record("c", "3", fifo)));
    expect(ran).toEqual(["a", "b"]);
    expect(out.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(["b", "c"]);
  });
});

describe("enqueue", () => {
  it("is an error naming the variable when the handler has no queue", async () => {
    delete process.env.POCKET_SQS_WORKER_QUEUEURL;
    await expect(enqueue("sqs-worker", { a: 1 })).rejects.toMatchObject({
      code: "queue-not-configured",
      location: "POCKET_SQS_WORKER_QUEUEURL",
    });
  });
});

describe("splitCommandLine", () => {
  it.each([
    ["report --daily", ["report", "--daily"]],
    ['  send   \'a b\'  "c \\"d\\"" e\\ f ', ["send", "a b", 'c "d"', "e f"]],
    ["x '' \"\"", ["x", "", ""]],
    ["say 'it''s'", ["say", "its"]],
    ['a "b\\n"', ["a", "b\\n"]],
  ])("splits %j like a shell", (line, words) => {
    expect(splitCommandLine(line)).toEqual(words);
  });

  it.each(["a 'b", 'a "b', "a\\"])("refuses %j", (line) => {
    expect(() => splitCommandLine(line)).toThrow(expect.objectContaining({ code: "invalid-command-line" }));
  });
});

describe("taskHandler", () => {
  const handler = taskHandler({
    greet: (args, io) => {
      io.log("hello", args.join("+"));
      return "done";
    },
    exit3: () => 3,
    fail: async () => {
      throw new Error("task broke");
    },
  });
  beforeEach(() => {
    vi.spyOn(console, "log").mockImplementation(() => {});
    vi.spyOn(console, "error").mockImplementation(() => {});
  });

  it("runs { command, args } and returns exit code and output", async () => {
    expect(await handler({ command: "greet", args: ["a", "b"] })).toEqual({
      exitCode: 0,
      output: "hello a+b\ndone\n",
    });
    expect(await handler({ command: "exit3" })).toEqual({ exitCode: 3, output: "" });
  });

  it("runs { manage } command lines as schedules send them", async () => {
    expect(await handler({ manage: "greet 'x y' z" })).toEqual({
      exitCode: 0,
      output: "hello x y+z\ndone\n",
    });
  });

  it("turns a throw into exit code 1 with the error, unknown tasks and bad events into 2", async () => {
    const failed = (await handler({ command: "fail" })) as { exitCode: number; output: string };
    expect(failed.exitCode).toBe(1);
    expect(failed.output).toContain("task broke");
    expect(await handler({ command: "nope" })).toEqual({
      exitCode: 2,
      output: "pocket: unknown task 'nope'; known: exit3, fail, greet\n",
    });
    expect(await handler({ command: "toString" })).toMatchObject({ exitCode: 2 });
    expect(await handler({ manage: "greet 'open" })).toMatchObject({ exitCode: 2 });
    expect(await handler({ command: "greet", args: [1] } as never)).toEqual({
      exitCode: 2,
      output: 'pocket: "args" must be a list of strings\n',
    });
  });

  it("runs an SQS batch of task events and reports the failed ones", async () => {
    const out = await handler(
      batch(
        record("ok", JSON.stringify({ command: "greet" })),
        record("bad", JSON.stringify({ command: "exit3" })),
        record("junk", "not json"),
      ),
    );
    expect(out).toEqual({ batchItemFailures: [{ itemIdentifier: "bad" }, { itemIdentifier: "junk" }] });
  });
});

describe("events of the wrong kind", () => {
  it("the worker refuses what is not an SQS batch", async () => {
    await expect(sqsHandler(() => {})({ command: "x" } as never)).rejects.toMatchObject({
      code: "invalid-event",
    });
  });
});
