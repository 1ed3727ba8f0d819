/**
 * The time range's pure logic in Node: the URL form (Grafana's), zoom, pan and zoom out, the
 * live range to go back to, and the page's rollups of finer buckets (exact, no part counted twice).
 */
import { describe, expect, it } from "vitest";
import { BucketRollup, combineBuckets, rollupAll } from "../../ui/src/live/bucket-rollup.js";
import type { Bucket } from "../../ui/src/live/series-window.js";
import {
  formatSpan,
  liveRangeFor,
  MIN_SPAN_MS,
  PANEL_WINDOWS,
  panelSpan,
  parseRange,
  rangeLabel,
  sameRange,
  shiftRange,
  type TimeRange,
  writeRange,
  zoomOutOf,
  zoomTo,
} from "../../ui/src/time/time-range.js";

const q = (s: string) => new URLSearchParams(s);
const b = (t: number, v: number, count = 1): Bucket => ({ t, count, sum: v * count, min: v, max: v, last: v });

describe("time range in the URL", () => {
  it("reads Grafana's forms and writes them back", () => {
    expect(parseRange(q(""))).toEqual(PANEL_WINDOWS);
    expect(parseRange(q("from=now-1h&to=now"))).toEqual({ kind: "last", spanMs: 3_600_000 });
    expect(parseRange(q("from=now-15m"))).toEqual({ kind: "last", spanMs: 900_000 });
    expect(parseRange(q("from=now-7d&to=now"))).toEqual({ kind: "last", spanMs: 7 * 86_400_000 });
    expect(parseRange(q("from=1700000000000&to=1700000600000"))).toEqual({
      kind: "absolute",
      from: 1_700_000_000_000,
      to: 1_700_000_600_000,
    });
    const ranges: TimeRange[] = [
      PANEL_WINDOWS,
      { kind: "last", spanMs: 5 * 60_000 },
      { kind: "last", spanMs: 90 * 60_000 },
      { kind: "absolute", from: 1_700_000_000_000, to: 1_700_000_060_000 },
    ];
    for (const r of ranges) {
      const p = q("var-host=web-1");
      writeRange(p, r);
      expect(parseRange(p), p.toString()).toEqual(r);
      expect(p.get("var-host")).toBe("web-1"); // the rest of the query is kept
    }
    expect(formatSpan(90 * 60_000)).toBe("90m");
    expect(formatSpan(2 * 86_400_000)).toBe("2d");
  });

  it("takes anything malformed or out of bounds as the panels' own windows", () => {
    for (const bad of [
      "from=now-1x",
      "from=now-1s", // shorter than the shortest span
      "from=now-9999d",
      "from=now-1h&to=now-5m",
      "from=abc&to=1",
      "from=1700000000000", // absolute needs both ends
      "from=1700000000000&to=1700000000000",
      "from=1700000600000&to=1700000000000",
      "from=99999999999999999&to=99999999999999999",
    ])
      expect(parseRange(q(bad)), bad).toEqual(PANEL_WINDOWS);
  });

  it("says what each panel shows: its own window, the last span (live), or a fixed span", () => {
    expect(panelSpan(PANEL_WINDOWS, 60_000)).toEqual({ live: true, spanMs: 60_000 });
    expect(panelSpan({ kind: "last", spanMs: 3_600_000 }, 60_000)).toEqual({ live: true, spanMs: 3_600_000 });
    expect(panelSpan({ kind: "absolute", from: 1, to: 2 }, 60_000)).toEqual({ live: false, from: 1, to: 2 });
    expect(rangeLabel({ kind: "last", spanMs: 3_600_000 })).toBe("Last 1 hour");
    expect(rangeLabel(PANEL_WINDOWS)).toBe("Panel windows");
    expect(sameRange({ kind: "last", spanMs: 1 }, { kind: "last", spanMs: 1 })).toBe(true);
    expect(sameRange({ kind: "last", spanMs: 1 }, PANEL_WINDOWS)).toBe(false);
  });
});

describe("zoom and pan", () => {
  const now = 1_700_000_000_000;
  it("zooms to a dragged span, widening a tiny one and never past now", () => {
    expect(zoomTo(now - 60_000, now - 30_000, now)).toEqual({ kind: "absolute", from: now - 60_000, to: now - 30_000 });
    expect(zoomTo(now - 30_000, now - 60_000, now)).toEqual({ kind: "absolute", from: now - 60_000, to: now - 30_000 });
    const tiny = zoomTo(now - 40_000, now - 39_000, now);
    expect(tiny.kind === "absolute" && tiny.to - tiny.from).toBe(MIN_SPAN_MS);
    expect(zoomTo(now - 5000, now + 5000, now)).toEqual({ kind: "absolute", from: now - 10_000, to: now });
  });

  it("pans by a fraction of the span and zooms out around the middle", () => {
    expect(shiftRange(now - 3_600_000, now, -0.5, now)).toEqual({
      kind: "absolute",
      from: now - 5_400_000,
      to: now - 1_800_000,
    });
    // Forward past now stops at now.
    expect(shiftRange(now - 3_600_000, now - 600_000, 0.5, now)).toEqual({
      kind: "absolute",
      from: now - 3_000_000,
      to: now,
    });
    expect(
      zoomOutOf({ kind: "absolute", from: now - 20_000, to: now - 10_000 }, now - 20_000, now - 10_000, now),
    ).toEqual({ kind: "absolute", from: now - 25_000, to: now - 5000 });
    // A live range stays live.
    expect(zoomOutOf({ kind: "last", spanMs: 3_600_000 }, now - 3_600_000, now, now)).toEqual({
      kind: "last",
      spanMs: 7_200_000,
    });
  });

  it("goes back to live with the preset that covers the span", () => {
    expect(liveRangeFor({ kind: "absolute", from: 0, to: 20 * 60_000 })).toEqual({ kind: "last", spanMs: 30 * 60_000 });
    expect(liveRangeFor({ kind: "absolute", from: 0, to: 60_000 })).toEqual({ kind: "last", spanMs: 5 * 60_000 });
    expect(liveRangeFor({ kind: "last", spanMs: 60_000 })).toEqual({ kind: "last", spanMs: 60_000 });
  });
});

describe("rollups in the page", () => {
  it("combines buckets exactly: counts and sums add, min, max, last of the newest", () => {
    expect(combineBuckets(0, [b(2000, 5, 2), b(1000, 9), b(3000, 1)])).toEqual({
      t: 0,
      count: 4,
      sum: 20,
      min: 1,
      max: 9,
      last: 1,
    });
    expect(rollupAll([b(0, 1), b(60_000, 2), b(300_000, 3), b(360_000, 5)], 300_000)).toEqual([
      { t: 0, count: 2, sum: 3, min: 1, max: 2, last: 2 },
      { t: 300_000, count: 2, sum: 8, min: 3, max: 5, last: 5 },
    ]);
  });

  it("builds the open bucket from seconds: a second published again replaces its copy", () => {
    const r = new BucketRollup(10_000);
    expect(r.add(b(10_000, 1))).toEqual({ t: 10_000, count: 1, sum: 1, min: 1, max: 1, last: 1 });
    expect(r.add(b(11_000, 2))?.count).toBe(2);
    // The preview of second 11 grew: replaced, not added.
    expect(r.add(b(11_000, 4, 2))).toEqual({ t: 10_000, count: 3, sum: 9, min: 1, max: 4, last: 4 });
    // A stale copy (fewer samples) changes nothing.
    expect(r.add(b(11_000, 7, 1))).toBeNull();
    expect(r.add(b(20_000, 3))?.t).toBe(20_000);
    // Two buckets are held; an older one is forgotten.
    expect(r.add(b(12_000, 1))?.count).toBe(4);
    r.add(b(30_000, 1));
    expect(r.add(b(13_000, 1))).toBeNull();
  });

  it("never counts a second twice once its closed minute is held", () => {
    const r = new BucketRollup(300_000);
    r.add(b(60_000, 1)); // the first second of minute 1, live
    r.add(b(61_000, 1));
    // The closed minute 1 arrives from a back-fill: it replaces the seconds inside it.
    expect(r.add({ t: 60_000, count: 60, sum: 60, min: 1, max: 1, last: 1 }, 60_000)?.count).toBe(60);
    // A late copy of a second inside it adds nothing.
    expect(r.add(b(62_000, 5), 1000)).toBeNull();
    // Seconds after it count.
    expect(r.add(b(120_000, 2))?.count).toBe(61);
  });
});
