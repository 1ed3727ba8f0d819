import { describe, expect, it } from "vitest";
import { builtinDashboards } from "../dashboards/builtin-dashboards.js";
import { dashboardSchema } from "../dashboards/dashboard-schema.js";
import { resolveSeries } from "../dashboards/variables.js";
import { formatSeriesId, parseSeriesId } from "../series/series-id.js";
import { DemoFeed } from "./demo-feed.js";

describe("DemoFeed", () => {
  it("writes every series each second with values in realistic ranges", () => {
    const seen = new Map<string, number[]>();
    const feed = new DemoFeed((name, tags, value) => {
      const id = formatSeriesId(name, tags);
      seen.set(id, [...(seen.get(id) ?? []), value]);
    });
    const t0 = Date.UTC(2024, 0, 1, 12);
    for (let s = 0; s < 3600; s++) feed.tick(t0 + s * 1000);
    expect(seen.size).toBe(13);
    for (const values of seen.values()) expect(values).toHaveLength(3600);
    const range = (id: string) => {
      const v = seen.get(id) ?? [];
      return [Math.min(...v), Math.max(...v)];
    };
    const [cpuMin, cpuMax] = range("cpu.usage,host=web-1");
    expect(cpuMin).toBeGreaterThanOrEqual(0);
    expect(cpuMax).toBeLessThanOrEqual(100);
    expect((cpuMax ?? 0) - (cpuMin ?? 0)).toBeGreaterThan(5); // it moves
    const p50 = seen.get("http.latency_ms,quantile=p50,service=api") ?? [];
    const p99 = seen.get("http.latency_ms,quantile=p99,service=api") ?? [];
    expect(p50.every((v, i) => v <= (p99[i] ?? 0))).toBe(true);
    expect(range("queue.depth,queue=jobs")[0]).toBeGreaterThanOrEqual(0);
    const [tMin, tMax] = range("temperature.celsius,sensor=rack-1");
    expect(tMin).toBeGreaterThan(10);
    expect(tMax).toBeLessThan(40);
  });

  it("feeds every series the built-in demo dashboard shows, and the built-ins are valid", () => {
    const ids = new Set<string>();
    new DemoFeed((name, tags) => ids.add(formatSeriesId(name, tags))).tick(Date.now());
    const [demo, system] = builtinDashboards();
    // Each variable offers values (the fed series matching it carry its tag), and with any of
    // them every panel's series is one the feed writes.
    for (const v of demo?.variables ?? []) {
      const values = [...ids]
        .filter((id) => id.startsWith(v.match ?? ""))
        .map((id) => parseSeriesId(id)?.tags[v.tag])
        .filter((x) => x !== undefined);
      expect(values.length, v.name).toBeGreaterThan(0);
      for (const value of values)
        for (const p of demo?.panels ?? [])
          for (const s of p.series) expect(ids).toContain(resolveSeries(s, { [v.name]: value }));
    }
    for (const p of demo?.panels ?? []) for (const s of p.series) if (!s.includes("$")) expect(ids).toContain(s);
    expect(dashboardSchema.safeParse(demo).success).toBe(true);
    expect(dashboardSchema.safeParse(system).success).toBe(true);
  });
});
