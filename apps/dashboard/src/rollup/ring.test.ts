import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PAGE_BUCKETS, Ring } from "./ring.js";

const T0 = 1_700_000_000_000;

describe("Ring", () => {
  it("rolls values of one bucket into count, sum, min, max, last", () => {
    const r = new Ring({ resolutionMs: 1000, capacity: 120 });
    r.add(T0 + 100, 5, T0);
    r.add(T0 + 900, 1, T0);
    r.add(T0 + 500, 9, T0); // arrives last but is not the latest in time
    expect(r.get(T0)).toEqual([T0, 3, 15, 1, 9, 1]);
    r.add(T0 + 900, 4, T0); // same ts as the current last: the later arrival wins
    expect(r.get(T0)?.[5]).toBe(4);
    expect(r.get(T0 + 1000)).toBeUndefined();
  });

  it("aggregates at its own resolution", () => {
    const r = new Ring({ resolutionMs: 10_000, capacity: 120 });
    for (let s = 0; s < 20; s++) r.add(T0 + s * 1000, s, T0 + 20_000);
    expect(r.range(T0, T0 + 20_000, 10)).toEqual([
      [T0, 10, 45, 0, 9, 9],
      [T0 + 10_000, 10, 145, 10, 19, 19],
    ]);
  });

  it("refuses buckets older than its window and forgets them as it wraps", () => {
    const cap = 120;
    const r = new Ring({ resolutionMs: 1000, capacity: cap });
    const now = T0 + 1_000_000;
    expect(r.add(now - cap * 1000, 1, now)).toBe(false);
    expect(r.add(now - (cap - 1) * 1000, 1, now)).toBe(true);
    // Write one value per second for 3 windows: the ring keeps at least `cap` buckets back.
    for (let s = 0; s < cap * 3; s++) r.add(now + s * 1000, s, now + s * 1000);
    const end = now + cap * 3 * 1000;
    const held = r.range(end - cap * 1000, end, 10_000);
    expect(held).toHaveLength(cap);
    expect(held[0]?.[5]).toBe(cap * 2);
    expect(r.get(now)).toBeUndefined();
    expect(r.allocatedPages).toBeLessThanOrEqual(cap / PAGE_BUCKETS + 1);
  });

  it("allocates pages only where data is, and prunes old ones", () => {
    const r = new Ring({ resolutionMs: 1000, capacity: 900 });
    r.add(T0, 1, T0);
    expect(r.allocatedPages).toBe(1);
    expect(r.prune(T0 + 100_000)).toBe(false);
    expect(r.prune(T0 + 2_000_000)).toBe(true);
    expect(r.get(T0)).toBeUndefined();
  });

  it("matches a naive model (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 299_999 }), fc.double({ min: -1e6, max: 1e6, noNaN: true })), {
          maxLength: 200,
        }),
        (pts) => {
          const now = T0 + 300_000;
          const r = new Ring({ resolutionMs: 10_000, capacity: 60 });
          const model = new Map<number, { c: number; s: number; mn: number; mx: number; l: number; lt: number }>();
          for (const [dt, v] of pts) {
            r.add(T0 + dt, v, now);
            const t = T0 + Math.floor(dt / 10_000) * 10_000;
            const m = model.get(t);
            if (!m) model.set(t, { c: 1, s: v, mn: v, mx: v, l: v, lt: dt });
            else {
              m.c++;
              m.s += v;
              m.mn = Math.min(m.mn, v);
              m.mx = Math.max(m.mx, v);
              if (dt >= m.lt) {
                m.l = v;
                m.lt = dt;
              }
            }
          }
          const got = r.range(T0, now, 1000);
          const want = [...model.entries()].sort((a, b) => a[0] - b[0]).map(([t, m]) => [t, m.c, m.s, m.mn, m.mx, m.l]);
          expect(got).toEqual(want);
        },
      ),
    );
  });
});
