import { describe, expect, it } from "vitest";
import { backoff, backoffDefaults } from "./backoff.js";

const opts = { minDelayMs: 250, maxDelayMs: 10_000, factor: 2 };

describe("backoff", () => {
  it("stays within [min, max] for every attempt and random value", () => {
    for (let attempt = 0; attempt < 200; attempt++)
      for (const r of [0, 0.001, 0.5, 0.999, 1]) {
        const d = backoff(attempt, opts, () => r);
        expect(d).toBeGreaterThanOrEqual(250);
        expect(d).toBeLessThanOrEqual(10_000);
      }
    expect(Number.isFinite(backoff(1e9, opts, () => 1))).toBe(true);
    expect(backoff(-5, opts, () => 1)).toBe(500);
  });

  it("grows the cap geometrically until the ceiling", () => {
    const caps = [0, 1, 2, 3, 4, 5, 6, 10].map((a) => backoff(a, opts, () => 1));
    expect(caps).toEqual([500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]);
    // The floor never moves: the smallest draw is always the minimum delay.
    expect(backoff(7, opts, () => 0)).toBe(250);
  });

  it("jitters over the whole window (full jitter)", () => {
    const draws = Array.from({ length: 500 }, () => backoff(4, opts));
    const min = Math.min(...draws);
    const max = Math.max(...draws);
    expect(new Set(draws).size).toBeGreaterThan(400);
    // Window for attempt 4 is [250, 8000]: 500 uniform draws cover most of it.
    expect(min).toBeLessThan(1000);
    expect(max).toBeGreaterThan(7000);
    expect(backoff(4, opts, () => 0.5)).toBe(250 + 0.5 * (8000 - 250));
  });

  it("has the documented defaults", () => {
    expect(backoffDefaults).toEqual({ minDelayMs: 250, maxDelayMs: 10_000, factor: 2 });
    expect(backoff(0, undefined, () => 1)).toBe(500);
  });
});
