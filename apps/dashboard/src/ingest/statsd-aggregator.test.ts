import { describe, expect, it } from "vitest";
import { PERCENTILE_SAMPLES, StatsdAggregator } from "./statsd-aggregator.js";
import { parseStatsdLine, type StatsdSample } from "./statsd-lines.js";

const agg = (maxKeys = 100, maxSetMembers = 100) => new StatsdAggregator({ maxKeys, maxSetMembers });
const add = (a: StatsdAggregator, ...lines: string[]) => lines.map((l) => a.add(parseStatsdLine(l) as StatsdSample));
const values = (a: StatsdAggregator, ts = 999) =>
  Object.fromEntries(a.flush(ts).points.map((p) => [p.name + (p.tags ? JSON.stringify({ ...p.tags }) : ""), p.value]));

describe("StatsdAggregator", () => {
  it("counts counters per interval, each value divided by its rate", () => {
    const a = agg();
    add(a, "hits:1|c", "hits:2|c|@0.1", "hits:1|c|#route:/a");
    expect(values(a)).toEqual({ hits: 21, 'hits{"route":"/a"}': 1 });
    expect(values(a)).toEqual({}); // nothing sent: no point
  });

  it("keeps gauges' last value for +/- changes across intervals", () => {
    const a = agg();
    add(a, "temp:10|g", "temp:+5|g", "temp:-2|g");
    expect(values(a)).toEqual({ temp: 13 });
    expect(values(a)).toEqual({});
    add(a, "temp:+1|g", "fresh:-4|g");
    expect(values(a)).toEqual({ temp: 14, fresh: -4 });
  });

  it("gives timers count, sum, mean, min, max and nearest-rank percentiles", () => {
    const a = agg();
    // 1..100 in a shuffled order, one sample at rate 0.5 (counts twice).
    const vals = Array.from({ length: 100 }, (_, i) => ((i * 37) % 100) + 1);
    add(a, ...vals.slice(1).map((v) => `lat:${v}|ms`), `lat:${vals[0]}|ms|@0.5`);
    expect(values(a, 5)).toEqual({
      "lat.count": 101,
      "lat.sum": 5050,
      "lat.mean": 50.5,
      "lat.min": 1,
      "lat.max": 100,
      "lat.p50": 50,
      "lat.p90": 90,
      "lat.p99": 99,
    });
  });

  it("keeps at most PERCENTILE_SAMPLES values per timer; count, sum, min and max stay exact", () => {
    const a = agg();
    const n = PERCENTILE_SAMPLES * 5;
    for (let i = 1; i <= n; i++) add(a, `big:${i}|h`);
    const v = values(a);
    expect([v["big.count"], v["big.sum"], v["big.min"], v["big.max"]]).toEqual([n, (n * (n + 1)) / 2, 1, n]);
    // A uniform sample of 1..5000: its median is near 2500.
    expect(Math.abs((v["big.p50"] as number) - n / 2)).toBeLessThan(n / 10);
  });

  it("counts a set's distinct members, within a limit of members per interval", () => {
    const a = agg(100, 3);
    const r = add(a, "users:alice|s", "users:bob|s", "users:alice|s", "other:x|s", "other:y|s");
    expect(r.map((x) => x.refused)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      expect.stringMatching(/more than 3 set members/),
    ]);
    expect(values(a)).toEqual({ users: 2, other: 1 });
    expect(add(a, "other:y|s")[0]?.refused).toBeUndefined(); // a new interval, a new budget
  });

  it("refuses a new series past maxKeys, and a second kind under one name", () => {
    const a = agg(2);
    const r = add(a, "a:1|c", "b:1|g", "c:1|c", "a:2|c", "a:1|g");
    expect(r.map((x) => x.refused)).toEqual([
      undefined,
      undefined,
      "more than 2 series in one flush interval",
      undefined,
      '"a" is a counter in this interval, not a gauge',
    ]);
    expect(values(a)).toEqual({ a: 3, b: 1 });
  });

  it("refuses aggregates that overflow to infinity at flush", () => {
    const a = agg();
    add(a, "huge:1e308|c", "huge:1e308|c", "ok:1|c");
    const { points, refused } = a.flush(1);
    expect(points.map((p) => p.name)).toEqual(["ok"]);
    expect(refused).toBe(1);
  });
});
