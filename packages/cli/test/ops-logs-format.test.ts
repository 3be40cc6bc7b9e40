import { describe, expect, it } from "vitest";
import { formatResponse, readPayload } from "../src/commands/invoke-actions.js";
import {
  condense,
  jsonEvent,
  jsonLine,
  parseLambdaLine,
  parseSince,
  textEvent,
} from "../src/commands/logs-format.js";
import { secretMasker } from "../src/util/mask.js";

const NOW = Date.parse("2026-03-01T12:00:00Z");
const REPORT_COLD =
  "REPORT RequestId: 3f1c9a2e-1111-2222-3333-444455556666\tDuration: 812.34 ms\tBilled Duration: 813 ms\tMemory Size: 512 MB\tMax Memory Used: 141 MB\tInit Duration: 1502.77 ms\t\n";
const REPORT_WARM =
  "REPORT RequestId: 7a7a7a7a-1111-2222-3333-444455556666\tDuration: 3.21 ms\tBilled Duration: 4 ms\tMemory Size: 512 MB\tMax Memory Used: 142 MB\t\n";

describe("--since", () => {
  it("takes durations and ISO times", () => {
    expect(parseSince("10m", NOW)).toBe(NOW - 600_000);
    expect(parseSince("2h", NOW)).toBe(NOW - 7_200_000);
    expect(parseSince("90s", NOW)).toBe(NOW - 90_000);
    expect(parseSince("1d", NOW)).toBe(NOW - 86_400_000);
    expect(parseSince("2026-02-28T09:30:00Z", NOW)).toBe(Date.parse("2026-02-28T09:30:00Z"));
  });
  it("refuses anything else as a usage error", () => {
    expect(() => parseSince("yesterday", NOW)).toThrow(/--since yesterday/);
    expect(() => parseSince("10 parsecs", NOW)).toThrow(/neither a duration/);
    try {
      parseSince("5y", NOW);
    } catch (error) {
      expect((error as { exitCode: number }).exitCode).toBe(2);
    }
  });
});

describe("Lambda platform lines", () => {
  it("leaves START, END and INIT_START out and condenses REPORT", () => {
    expect(
      condense(parseLambdaLine("START RequestId: 3f1c9a2e-1111-2222-3333-444455556666 Version: $LATEST\n")),
    ).toBeUndefined();
    expect(
      condense(parseLambdaLine("END RequestId: 3f1c9a2e-1111-2222-3333-444455556666\n")),
    ).toBeUndefined();
    expect(
      condense(parseLambdaLine("INIT_START Runtime Version: python:3.12.v40\tRuntime Version ARN: x\n")),
    ).toBeUndefined();
    expect(condense(parseLambdaLine(REPORT_COLD))).toBe(
      "── 3f1c9a2e done: 812 ms, 141/512 MB, cold start (init 1503 ms)",
    );
    expect(condense(parseLambdaLine(REPORT_WARM))).toBe("── 7a7a7a7a done: 3.2 ms, 142/512 MB");
  });
  it("parses the REPORT numbers, Billed Duration apart from Duration", () => {
    expect(parseLambdaLine(REPORT_COLD)).toEqual({
      kind: "report",
      requestId: "3f1c9a2e-1111-2222-3333-444455556666",
      durationMs: 812.34,
      billedMs: 813,
      memorySizeMb: 512,
      maxMemoryUsedMb: 141,
      initDurationMs: 1502.77,
      coldStart: true,
    });
    expect(parseLambdaLine(REPORT_WARM)).toMatchObject({ coldStart: false, durationMs: 3.21 });
  });
  it("marks a timed-out invocation", () => {
    const line = parseLambdaLine(`${REPORT_WARM.trimEnd()}\tStatus: timeout\n`);
    expect(condense(line)).toContain("status timeout");
  });
  it("reads the level of Python's and Node's Lambda log lines", () => {
    expect(
      parseLambdaLine(
        "[ERROR]\t2026-03-01T11:59:00.000Z\t3f1c9a2e-1111-2222-3333-444455556666\tboom\nTraceback\n",
      ),
    ).toEqual({
      kind: "message",
      level: "ERROR",
      requestId: "3f1c9a2e-1111-2222-3333-444455556666",
      message: "boom\nTraceback",
    });
    expect(
      parseLambdaLine("2026-03-01T11:59:00.000Z\t3f1c9a2e-1111-2222-3333-444455556666\tINFO\thello\n"),
    ).toMatchObject({
      level: "INFO",
      message: "hello",
    });
    expect(parseLambdaLine("plain print output\n")).toEqual({
      kind: "message",
      message: "plain print output",
    });
  });
});

describe("printed events", () => {
  const event = {
    handler: "wsgi",
    timestamp: Date.parse("2026-03-01T11:59:01.250Z"),
    message: "hello\nworld\n",
  };
  it("prefixes time and a padded handler, and indents continuation lines", () => {
    expect(textEvent(event, { width: 10, color: false, index: 0 })).toBe(
      "11:59:01.250 wsgi       │ hello\n                          world",
    );
  });
  it("colours the prefix only when asked", () => {
    const coloured = textEvent(event, { width: 4, color: true, index: 1 })!;
    expect(coloured).toContain("\u001b[");
    expect(coloured).toContain("wsgi");
  });
  it("prints one JSON object with the parsed platform line", () => {
    expect(jsonEvent({ ...event, message: REPORT_COLD, eventId: "1" })).toMatchObject({
      time: "2026-03-01T11:59:01.250Z",
      handler: "wsgi",
      eventId: "1",
      type: "report",
      coldStart: true,
      durationMs: 812.34,
    });
    expect(JSON.parse(JSON.stringify(jsonEvent(event)))).toEqual({
      time: "2026-03-01T11:59:01.250Z",
      handler: "wsgi",
      type: "message",
      message: "hello\nworld",
    });
  });
});

describe("log lines are text, never terminal commands or secrets (issue 20, item 5)", () => {
  const at = Date.parse("2026-03-01T11:59:01.250Z");
  const line = (message: string) => ({ handler: "wsgi", timestamp: at, message });
  it("escapes control characters (a title change, a screen clear) and keeps line breaks and tabs", () => {
    const text = textEvent(line("owned\u001b]0;pwned\u0007\u001b[2J\tcol\r\nnext\u009b31m\n"), {
      width: 4,
      color: false,
      index: 0,
    })!;
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(text).toBe(
      "11:59:01.250 wsgi │ owned\\x1b]0;pwned\\x07\\x1b[2J\tcol\n                    next\\x9b31m",
    );
  });
  it("masks every known secret value of 8 characters or more, in text and JSON", () => {
    const dbUrl = "postgres://app:s3cr3t%2Fpw@db.example.com/app";
    const mask = secretMasker([
      { name: "SECRET_KEY", value: "k3y-0f-50-characters-xxxxxxxxxxxxxxxxxxxxxxxxxxxx" },
      { name: "STAGING_LOGIN", value: "preview:Zx81Qq0Lm2Vb7Nc4Tr6Ys3Wd" },
      { name: "DATABASE_URL", value: dbUrl },
      { name: "SHORT", value: "admin" },
    ]);
    const message =
      "key=k3y-0f-50-characters-xxxxxxxxxxxxxxxxxxxxxxxxxxxx pw=Zx81Qq0Lm2Vb7Nc4Tr6Ys3Wd url=postgres://app:s3cr3t%2Fpw@db.example.com/app raw=s3cr3t/pw user=admin\n";
    const text = textEvent(line(message), { width: 4, color: false, index: 0, mask })!;
    expect(text).toBe(
      "11:59:01.250 wsgi │ key=[masked SECRET_KEY] pw=[masked STAGING_LOGIN] url=[masked DATABASE_URL] raw=[masked DATABASE_URL] user=admin",
    );
    const json = JSON.stringify(jsonEvent(line(`{"password": "Zx81Qq0Lm2Vb7Nc4Tr6Ys3Wd"}`), { mask }));
    expect(json).not.toContain("Zx81Qq0Lm2Vb7Nc4Tr6Ys3Wd");
    expect(json).toContain("[masked STAGING_LOGIN]");
    // Without a mask (--show-secrets) the text is the app's own.
    expect(textEvent(line("pw=Zx81Qq0Lm2Vb7Nc4Tr6Ys3Wd"), { width: 4, color: false, index: 0 })).toContain(
      "Zx81Qq0Lm2Vb7Nc4Tr6Ys3Wd",
    );
  });
  it("escapes DEL and the C1 controls in --json lines too, the parsed value unchanged", () => {
    const event = line("a\u009b2J\u007fb\u001b[0m");
    const printed = jsonLine(jsonEvent(event));
    expect(printed).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(printed).toContain("a\\u009b2J\\u007fb\\u001b[0m");
    expect(JSON.parse(printed).message).toBe("a\u009b2J\u007fb\u001b[0m");
  });
  it("masks a private key printed as PEM and an origin-verify value during a rotation", () => {
    const pem =
      "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEAvLine1xxxxxxxxxxxx\nLine2yyyyyyyyyyyyyyyyyy\n-----END RSA PRIVATE KEY-----\n";
    const mask = secretMasker([
      { name: "SIGNING_KEY", value: Buffer.from(pem).toString("base64") },
      { name: "POCKET_ORIGIN_VERIFY_SECRET", value: `${"a".repeat(64)},${"b".repeat(64)}` },
    ]);
    expect(mask(`got ${pem}`)).not.toMatch(/Line1|Line2/);
    expect(mask(`header ${"b".repeat(64)}`)).toBe("header [masked POCKET_ORIGIN_VERIFY_SECRET]");
  });
});

describe("pocket invoke payloads", () => {
  it("defaults to {} and refuses what is not JSON", () => {
    expect(readPayload({})).toBe("{}");
    expect(readPayload({ payload: '{"a": 1}' })).toBe('{"a": 1}');
    expect(() => readPayload({ payload: "{a: 1}" })).toThrow(/--payload is not JSON/);
    expect(() => readPayload({ payload: "{}", payloadFile: "x.json" })).toThrow(/not both/);
    expect(() => readPayload({ payloadFile: "/nonexistent/payload.json" })).toThrow(/cannot read/);
  });
  it("pretty-prints JSON responses on a terminal only", () => {
    expect(formatResponse('{"ok":true,"n":[1,2]}', true)).toBe(
      '{\n  "ok": true,\n  "n": [\n    1,\n    2\n  ]\n}',
    );
    expect(formatResponse('{"ok":true}', false)).toBe('{"ok":true}');
    expect(formatResponse("not json", true)).toBe("not json");
  });
});
