import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { throttle } from "./throttle.js";

describe("throttle", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("runs at once, then once at the end of each window, never dropping the last call", () => {
    const fn = vi.fn();
    const t = throttle(fn, 100);
    t.call();
    expect(fn).toHaveBeenCalledTimes(1);
    for (let i = 0; i < 10; i++) t.call();
    expect(fn).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(100);
    expect(fn).toHaveBeenCalledTimes(2);
    // 60 calls a second for a second: at most 10 runs (one per 100 ms) plus the first.
    for (let i = 0; i < 60; i++) {
      t.call();
      vi.advanceTimersByTime(1000 / 60);
    }
    expect(fn.mock.calls.length).toBeLessThanOrEqual(13);
    t.cancel();
    const before = fn.mock.calls.length;
    vi.advanceTimersByTime(1000);
    expect(fn).toHaveBeenCalledTimes(before);
  });
});
