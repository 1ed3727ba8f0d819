import { describe, expect, it, vi } from "vitest";
import { IdempotencyCache } from "./server-api-idempotency.js";

describe("IdempotencyCache", () => {
  it("runs once per key, shares a call in flight, forgets failures, and runs every call without a key", async () => {
    const cache = new IdempotencyCache<number>(10, 60_000);
    let runs = 0;
    const run = () => Promise.resolve(++runs);
    const [a, b] = await Promise.all([cache.run("k", run), cache.run("k", run)]);
    expect([a, b, await cache.run("k", run)]).toEqual([1, 1, 1]);
    expect(await cache.run(undefined, run)).toBe(2);
    expect(await cache.run(undefined, run)).toBe(3);
    await expect(cache.run("f", () => Promise.reject(new Error("broker down")))).rejects.toThrow("broker down");
    expect(await cache.run("f", run)).toBe(4);
  });

  it("is bounded: past its size the oldest key is forgotten, and keys expire", async () => {
    vi.useFakeTimers();
    try {
      const cache = new IdempotencyCache<string>(2, 1000);
      let runs = 0;
      const run = () => Promise.resolve(`run ${++runs}`);
      await cache.run("a", run);
      await cache.run("b", run);
      await cache.run("c", run);
      expect(await cache.run("a", run)).toBe("run 4");
      expect(await cache.run("c", run)).toBe("run 3");
      vi.advanceTimersByTime(1001);
      expect(await cache.run("c", run)).toBe("run 5");
    } finally {
      vi.useRealTimers();
    }
  });
});
