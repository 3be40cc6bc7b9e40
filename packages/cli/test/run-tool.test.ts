import { describe, expect, it } from "vitest";
import { runTool } from "../src/util/process.js";

describe("runTool", () => {
  it("reports a tool that exits without reading its input by its exit code, not by crashing", async () => {
    // 4 MiB is more than a pipe holds, so the write meets the closed pipe (EPIPE).
    const input = "x".repeat(4 * 1024 * 1024);
    const r = await runTool(process.execPath, ["-e", "process.exit(3)"], { input });
    expect(r.code).toBe(3);
  });

  it("hands its input to a tool that reads it", async () => {
    const r = await runTool(process.execPath, ["-e", "process.stdin.pipe(process.stdout)"], {
      input: "hello",
    });
    expect(r).toMatchObject({ code: 0, stdout: "hello" });
  });
});
