import { Writable } from "node:stream";
import { describe, expect, it, vi } from "vitest";
import { ProgressView } from "../src/engine/progress.js";

function plainView() {
  let text = "";
  const out = new Writable({
    write(chunk, _encoding, done) {
      text += chunk.toString();
      done();
    },
  }) as unknown as NodeJS.WriteStream;
  return { view: new ProgressView(out), text: () => text };
}

describe("the progress view in plain logs (CI, pipes)", () => {
  it("prints every step, but a file counter at most every 2 s and always its last value", () => {
    vi.useFakeTimers();
    try {
      const { view, text } = plainView();
      const p = view.for("frontend:main", "front end");
      p.update("building (default): npm run build");
      for (let i = 1; i <= 500; i++) {
        p.update(`uploading ${i}/500 spa/assets/file-${i}.js`);
        vi.advanceTimersByTime(10);
      }
      p.update("invalidating the distribution's cache");
      p.done("uploaded 500, unchanged 0; invalidated /*");
      view.stop();
      const lines = text().trim().split("\n");
      const counters = lines.filter((l) => l.includes("/500 "));
      expect(counters.length).toBeGreaterThanOrEqual(3);
      expect(counters.length).toBeLessThanOrEqual(5);
      expect(counters.at(-1)).toContain("uploading 500/500");
      expect(lines.some((l) => l.includes("building (default)"))).toBe(true);
      expect(lines.some((l) => l.includes("invalidating"))).toBe(true);
      expect(lines.at(-1)).toContain("✔ front end: uploaded 500");
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("text read from AWS in progress lines (issue 20, item 5)", () => {
  it("shows a stack event's control characters as escapes, in logged lines and in the status", () => {
    const { view, text } = plainView();
    const p = view.for("cloudfront:main", "CloudFront");
    p.log("Distribution CREATE_FAILED: bad\u001b[2J\u001b]0;owned\u0007 reason");
    p.update("waiting\u001b[1A");
    p.done("failed\u009b2J", "fail");
    view.stop();
    expect(text()).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(text()).toContain("CloudFront: Distribution CREATE_FAILED: bad\\x1b[2J\\x1b]0;owned\\x07 reason");
    expect(text()).toContain("CloudFront: waiting\\x1b[1A");
  });
});
