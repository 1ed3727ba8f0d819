import { describe, expect, it } from "vitest";
import { ApiErrorCode } from "../errors.js";
import type { BucketTuple } from "./ring.js";
import { SeriesStore } from "./series-store.js";

const T0 = 1_700_000_000_000;

function clockAt(t: number) {
  const c = { t, now: () => c.t };
  return c;
}

describe("SeriesStore", () => {
  it("keys series by name and sorted tags and feeds every ring", () => {
    const c = clockAt(T0 + 500);
    const store = new SeriesStore({ now: c.now });
    expect(store.add("cpu", { region: "eu", host: "a" }, 2, undefined)).toBeUndefined();
    expect(store.add("cpu", { host: "a", region: "eu" }, 4, T0 + 100)).toBeUndefined();
    const s = store.get("cpu,host=a,region=eu");
    expect(s?.tags).toEqual({ host: "a", region: "eu" });
    expect(s?.rings.map((r) => r.get(Math.floor(T0 / r.resolutionMs) * r.resolutionMs)?.slice(1))).toEqual([
      [2, 6, 2, 4, 2],
      [2, 6, 2, 4, 2],
      [2, 6, 2, 4, 2],
    ]);
    expect(store.list("cpu", 10).map((x) => x.id)).toEqual(["cpu,host=a,region=eu"]);
    expect(store.list("mem", 10)).toEqual([]);
  });

  it("refuses new series past the limit with LimitReached, keeps adding to existing ones", () => {
    const c = clockAt(T0);
    const store = new SeriesStore({ now: c.now, maxSeries: 2 });
    expect(store.add("a", undefined, 1, undefined)).toBeUndefined();
    expect(store.add("b", undefined, 1, undefined)).toBeUndefined();
    const refused = store.add("c", undefined, 1, undefined);
    expect(refused?.code).toBe(ApiErrorCode.LimitReached);
    expect(refused?.error).toMatch(/series limit reached \(2\)/);
    expect(store.add("a", undefined, 1, undefined)).toBeUndefined();
    expect(store.size).toBe(2);
  });

  it("refuses points beyond the future skew or older than retention; keeps late points in their bucket", () => {
    const c = clockAt(T0);
    const store = new SeriesStore({ now: c.now, futureSkewMs: 2000 });
    expect(store.add("a", undefined, 1, T0 + 2001)?.code).toBe(ApiErrorCode.TimestampOutOfRange);
    expect(store.add("a", undefined, 1, T0 + 1999)).toBeUndefined();
    expect(store.add("a", undefined, 1, T0 - 8 * 86_400_000)?.code).toBe(ApiErrorCode.TimestampOutOfRange);
    // 1 hour late: too old for the 1 s ring, kept in the 10 s and 60 s rings.
    expect(store.add("a", undefined, 7, T0 - 3_600_000)).toBeUndefined();
    const s = store.get("a");
    expect(s?.rings[0]?.get(T0 - 3_600_000)).toBeUndefined();
    expect(s?.rings[1]?.get(T0 - 3_600_000)?.[5]).toBe(7);
    expect(s?.rings[2]?.get(T0 - 3_600_000)?.[5]).toBe(7);
  });

  it("closes each second once and emits the buckets of the series that had data", () => {
    const c = clockAt(T0 + 10);
    const store = new SeriesStore({ now: c.now });
    const out: Array<[string, BucketTuple]> = [];
    const emit = (s: { id: string }, b: BucketTuple) => out.push([s.id, b]);
    store.add("a", undefined, 1, undefined);
    store.add("a", undefined, 3, undefined);
    store.add("b", undefined, 5, undefined);
    store.closeSeconds(emit);
    expect(out).toEqual([]); // second T0 still open
    c.t = T0 + 1005;
    store.add("a", undefined, 9, undefined); // second T0+1000
    store.closeSeconds(emit);
    expect(out).toEqual([
      ["a", [T0, 2, 4, 1, 3, 3]],
      ["b", [T0, 1, 5, 5, 5, 5]],
    ]);
    expect(store.closedUntilMs).toBe(T0 + 1000);
    out.length = 0;
    store.closeSeconds(emit);
    expect(out).toEqual([]); // same second: nothing more
    // A stall of 3 s: the missed seconds are closed in order.
    c.t = T0 + 4000;
    store.add("b", undefined, 1, T0 + 2500);
    store.closeSeconds(emit);
    expect(out.map(([id, b]) => [id, b[0]])).toEqual([
      ["a", T0 + 1000],
      ["b", T0 + 2000],
    ]);
    out.length = 0;
    // A late point for a closed second is stored, not re-published.
    store.add("a", undefined, 100, T0 + 1500);
    c.t = T0 + 5000;
    store.closeSeconds(emit);
    expect(out).toEqual([]);
    expect(store.get("a")?.rings[0]?.get(T0 + 1000)?.[1]).toBe(2);
  });

  it("prunes series whose data has aged out of every ring", () => {
    const c = clockAt(T0);
    const store = new SeriesStore({ now: c.now, maxSeries: 1 });
    store.add("old", undefined, 1, undefined);
    store.closeSeconds(() => {});
    c.t = T0 + 1000;
    store.closeSeconds(() => {});
    expect(store.prune()).toBe(0);
    expect(store.ringBytes).toBeGreaterThan(0);
    c.t = T0 + 8 * 86_400_000;
    expect(store.prune()).toBe(1);
    expect(store.add("new", undefined, 1, undefined)).toBeUndefined();
  });
});

describe("open-second preview", () => {
  it("emits the open bucket of series that got external points, once per touch", async () => {
    let now = 1_700_000_000_500;
    const store = new SeriesStore({ now: () => now });
    store.add("cpu", { host: "a" }, 1, now, true);
    store.add("cpu", { host: "a" }, 3, now, true);
    store.add("mem", undefined, 7, now); // not external: no preview
    const seen: [string, number, number, number][] = [];
    store.preview((s, b) => seen.push([s.id, b[0], b[1], b[5]]));
    expect(seen).toEqual([["cpu,host=a", 1_700_000_000_000, 2, 3]]);
    store.preview((s) => seen.push([s.id, 0, 0, 0]));
    expect(seen).toHaveLength(1);
    now += 1000;
    const closed: string[] = [];
    store.closeSeconds((s) => closed.push(s.id));
    expect(closed.sort()).toEqual(["cpu,host=a", "mem"]);
  });
});
