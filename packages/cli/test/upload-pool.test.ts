import { describe, expect, it } from "vitest";
import { adaptiveLimit, isThrottle, runPool } from "../src/buckets/upload-pool.js";

const slowDown = () =>
  Object.assign(new Error("Please reduce your request rate."), {
    name: "SlowDown",
    $metadata: { httpStatusCode: 503 },
  });
const tick = () => new Promise<void>((r) => setImmediate(r));

describe("adaptive upload limit", () => {
  it("starts at 32, grows by one per answer up to its maximum, halves on throttling, never below 1", () => {
    const limit = adaptiveLimit();
    expect(limit.current).toBe(32);
    for (let i = 0; i < 100; i++) limit.succeeded();
    expect(limit.current).toBe(48);
    limit.throttled();
    expect(limit.current).toBe(24);
    for (let i = 0; i < 10; i++) limit.throttled();
    expect(limit.current).toBe(1);
  });

  it("knows S3's throttling answers from other errors", () => {
    expect(isThrottle(slowDown())).toBe(true);
    expect(isThrottle(Object.assign(new Error("x"), { $metadata: { httpStatusCode: 503 } }))).toBe(true);
    expect(isThrottle(Object.assign(new Error("x"), { name: "AccessDenied" }))).toBe(false);
  });
});

describe("upload pool", () => {
  it("keeps at least 32 uploads in flight and no more than the limit", async () => {
    let now = 0;
    let most = 0;
    const done: number[] = [];
    await runPool(
      Array.from({ length: 200 }, (_, i) => i),
      async (i) => {
        most = Math.max(most, ++now);
        await tick();
        now--;
        done.push(i);
        return undefined;
      },
    );
    expect(done.sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(most).toBeGreaterThanOrEqual(32);
    expect(most).toBeLessThanOrEqual(48);
  });

  it("backs off on SlowDown: halves the limit, waits, tries the item again", async () => {
    const limit = adaptiveLimit({ initial: 8 });
    const tries = new Map<number, number>();
    const waits: number[] = [];
    await runPool(
      [1, 2, 3],
      async (i) => {
        const n = (tries.get(i) ?? 0) + 1;
        tries.set(i, n);
        if (i === 2 && n <= 2) throw slowDown();
        return undefined;
      },
      { limit, sleep: async (ms) => void waits.push(ms), backoff: (attempt) => attempt * 100 },
    );
    expect(tries.get(2)).toBe(3);
    expect(waits).toEqual([100, 200]);
    // 8 halved twice, then one more per success (items 1, 3 and the third try of 2).
    expect(limit.current).toBeLessThan(8);
  });

  it("an answer that needed the SDK's retries slows the pool down too", async () => {
    const limit = adaptiveLimit({ initial: 16 });
    await runPool([1], async () => ({ slowed: true }), { limit });
    expect(limit.current).toBe(8);
  });

  it("gives up on an item throttled `attempts` times, and stops at any other error", async () => {
    await expect(
      runPool([1], async () => Promise.reject(slowDown()), { attempts: 3, sleep: async () => {} }),
    ).rejects.toMatchObject({ name: "SlowDown" });
    const started: number[] = [];
    await expect(
      runPool(
        Array.from({ length: 100 }, (_, i) => i),
        async (i) => {
          started.push(i);
          await tick();
          if (i === 0) throw Object.assign(new Error("denied"), { name: "AccessDenied" });
          return undefined;
        },
        { limit: adaptiveLimit({ initial: 4 }) },
      ),
    ).rejects.toMatchObject({ name: "AccessDenied" });
    expect(started.length).toBeLessThan(100);
  });
});
