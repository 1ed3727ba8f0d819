import { describe, expect, it } from "vitest";
import { builtinDashboards } from "../dashboards/builtin-dashboards.js";
import { type SystemCounters, SystemFeed, systemSeriesIds } from "./system-feed.js";

describe("SystemFeed", () => {
  it("writes gauges every tick and turns cumulative counters into per-second rates", () => {
    const written = new Map<string, number>();
    const counters: SystemCounters = {
      connections: 3,
      deliveries: 100,
      queueDrops: 0,
      series: 7,
      pointsIn: 10,
      rollupBytes: 2 * 1_048_576,
    };
    const feed = new SystemFeed(
      (name, _tags, value) => written.set(name, value),
      () => counters,
    );
    try {
      const t0 = 1_700_000_000_000;
      feed.tick(t0);
      expect(written.get(systemSeriesIds.connections)).toBe(3);
      expect(written.get(systemSeriesIds.series)).toBe(7);
      expect(written.get(systemSeriesIds.rollup)).toBe(2);
      expect(written.get(systemSeriesIds.rss)).toBeGreaterThan(1);
      expect(written.get(systemSeriesIds.eventLoopDelay)).toBeGreaterThanOrEqual(0);
      expect(written.has(systemSeriesIds.deliveries)).toBe(false); // needs two samples
      counters.deliveries = 600;
      counters.queueDrops = 4;
      counters.pointsIn = 30;
      feed.tick(t0 + 2000);
      expect(written.get(systemSeriesIds.deliveries)).toBe(250);
      expect(written.get(systemSeriesIds.queueDrops)).toBe(2);
      expect(written.get(systemSeriesIds.ingest)).toBe(10);
      // The system dashboard shows only series this feed writes.
      const system = builtinDashboards().find((d) => d.id === "system");
      for (const p of system?.panels ?? []) for (const id of p.series) expect(written.has(id)).toBe(true);
    } finally {
      feed.close();
    }
  });
});
