import { describe, expect, it } from "vitest";
import { defaultResolutions } from "../store/store.js";
import { planQuery, ringsOf } from "./plan-query.js";

const NOW = 1_700_000_040_000; // a multiple of 60 s
const rings = ringsOf(defaultResolutions);

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
    // A span computed by the client a moment before the server reads its clock, too.
    for (const late of [1, 300, 999])
      for (const now of [NOW, NOW + 1, NOW + 999]) {
        const plan = planQuery(rings, { from: now - late - 900_000, to: now - late, step: 1000 }, now, NOW);
        expect(plan.step, `${late} ms late at ${now - NOW}`).toBe(1000);
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
