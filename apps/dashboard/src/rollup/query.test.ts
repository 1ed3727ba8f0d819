import { describe, expect, it } from "vitest";
import { defaultRingSpecs, Ring } from "./ring.js";
import { planQuery, runQuery } from "./query.js";

const NOW = 1_700_000_040_000; // a multiple of 60 s
const rings = defaultRingSpecs;

describe("planQuery", () => {
  it("picks the finest ring that covers the window", () => {
    expect(planQuery(rings, { from: NOW - 300_000, to: NOW, step: undefined }, NOW, NOW)).toEqual({
      ring: 0,
      step: 1000,
      from: NOW - 300_000,
      to: NOW,
    });
    expect(planQuery(rings, { from: NOW - 3_600_000, to: NOW, step: undefined }, NOW, NOW).step).toBe(10_000);
    // Exactly the span of a ring still uses it, wherever "now" falls within its second.
    for (const now of [NOW, NOW + 1, NOW + 999]) {
      expect(planQuery(rings, { from: now - 900_000, to: now, step: 1000 }, now, NOW).step).toBe(1000);
      expect(planQuery(rings, { from: now - 6 * 3_600_000, to: now, step: 10_000 }, now, NOW).step).toBe(10_000);
    }
    expect(planQuery(rings, { from: NOW - 902_000, to: NOW, step: 1000 }, NOW, NOW).step).toBe(10_000);
    expect(planQuery(rings, { from: NOW - 86_400_000, to: NOW, step: undefined }, NOW, NOW).step).toBe(60_000);
  });

  it("rounds step up to a ring resolution", () => {
    const at = (step: number) => planQuery(rings, { from: NOW - 60_000, to: NOW, step }, NOW, NOW).step;
    expect(at(1)).toBe(1000);
    expect(at(1000)).toBe(1000);
    expect(at(1001)).toBe(10_000);
    expect(at(30_000)).toBe(60_000);
    expect(at(3_600_000)).toBe(60_000);
  });

  it("clamps the window to what is held, to closed buckets, and to max points", () => {
    // Older than 7 days: coarsest ring, from clamped to its window (and to 5000 points).
    const p = planQuery(rings, { from: NOW - 30 * 86_400_000, to: NOW, step: undefined }, NOW, NOW);
    expect(p.step).toBe(60_000);
    expect(p.to - p.from).toBe(5000 * 60_000);
    // `to` in the future is clamped to the end of the newest closed second (then to the step).
    const q = planQuery(rings, { from: NOW - 10_000, to: NOW + 60_000, step: undefined }, NOW + 500, NOW);
    expect(q.to).toBe(NOW);
    const r = planQuery(rings, { from: NOW - 100_000, to: NOW, step: 10_000 }, NOW + 5000, NOW + 5000);
    expect(r.to).toBe(NOW); // the 10 s bucket NOW..NOW+10s is still open
    // Asking for 1 s steps over 2 days: too many points at 1 s, so a coarser ring is used.
    expect(planQuery(rings, { from: NOW - 2 * 86_400_000, to: NOW, step: 1000 }, NOW, NOW).step).toBe(60_000);
    // A max-points cap smaller than the window at the coarsest ring clamps from.
    const fits = planQuery(rings, { from: NOW - 600_000, to: NOW, step: undefined }, NOW, NOW, 100);
    expect(fits).toMatchObject({ step: 10_000, from: NOW - 600_000, to: NOW });
    const small = planQuery(rings, { from: NOW - 600_000, to: NOW, step: undefined }, NOW, NOW, 5);
    expect(small).toMatchObject({ step: 60_000, from: NOW - 5 * 60_000, to: NOW });
  });
});

describe("runQuery", () => {
  it("returns non-empty buckets in the window, ascending", () => {
    const rs = rings.map((s) => new Ring(s));
    for (let s = 0; s < 30; s++) for (const r of rs) r.add(NOW - 30_000 + s * 1000, s, NOW);
    const plan = planQuery(rs, { from: NOW - 20_000, to: NOW, step: undefined }, NOW, NOW);
    const pts = runQuery(rs, plan);
    expect(pts).toHaveLength(20);
    expect(pts[0]).toEqual([NOW - 20_000, 1, 10, 10, 10, 10]);
    expect(pts.every((p, i) => i === 0 || p[0] > (pts[i - 1]?.[0] ?? 0))).toBe(true);
    const coarse = runQuery(rs, planQuery(rs, { from: NOW - 30_000, to: NOW, step: 10_000 }, NOW, NOW));
    expect(coarse.map((p) => [p[0], p[1]])).toEqual([
      [NOW - 30_000, 10],
      [NOW - 20_000, 10],
      [NOW - 10_000, 10],
    ]);
  });
});
