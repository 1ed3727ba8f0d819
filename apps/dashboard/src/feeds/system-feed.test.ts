import type { MetricJson } from "@dashwire/server";
import { describe, expect, it } from "vitest";
import { builtinDashboards } from "../dashboards/builtin-dashboards.js";
import { type SystemFigures, SystemFeed, systemFigures, systemSeriesIds } from "./system-feed.js";

const metric = (name: string, ...values: Array<[number, Record<string, string>?]>): MetricJson => ({
  name,
  help: name,
  type: "gauge",
  aggregator: "sum",
  values: values.map(([value, labels]) => ({ value, labels: labels ?? {} })),
});

describe("systemFigures", () => {
  it("reads the figures /metrics serves, the worst process's event-loop delay, without the timer resolution", () => {
    const f = systemFigures([
      metric("dashwire_connections", [24]),
      metric("dashwire_messages_out_total", [1000]),
      metric("process_resident_memory_bytes", [300 * 1_048_576]),
      metric("nodejs_eventloop_lag_p99_seconds", [0.021]),
      metric(
        "dashwire_process_eventloop_lag_p99_seconds",
        [0.021, { process: "primary" }],
        [0.05, { process: "worker-1" }],
      ),
      metric("dashwire_processes", [3]),
    ]);
    expect(f.connections).toBe(24);
    expect(f.deliveries).toBe(1000);
    expect(f.rssBytes).toBe(300 * 1_048_576);
    expect(f.eventLoopDelayMs).toBeCloseTo(30);
    expect(f.processes).toBe(3);
    expect(f.pointsIn).toBe(0); // absent: 0
    expect(systemFigures([]).processes).toBe(1); // one process when no primary counted them
  });
});

describe("SystemFeed", () => {
  it("writes gauges every reading and turns cumulative figures into per-second rates", async () => {
    const written = new Map<string, number>();
    const figures: SystemFigures = {
      connections: 3,
      deliveries: 100,
      queueDrops: 0,
      pointsIn: 10,
      cpuSeconds: 5,
      rssBytes: 80 * 1_048_576,
      heapBytes: 20 * 1_048_576,
      storeBytes: 2 * 1_048_576,
      series: 7,
      eventLoopDelayMs: 1.234,
      processes: 3,
    };
    const feed = new SystemFeed(
      (name, _tags, value) => written.set(name, value),
      async () => [],
    );
    const t0 = 1_700_000_000_000;
    feed.write(t0, figures);
    expect(written.get(systemSeriesIds.connections)).toBe(3);
    expect(written.get(systemSeriesIds.series)).toBe(7);
    expect(written.get(systemSeriesIds.rollup)).toBe(2);
    expect(written.get(systemSeriesIds.rss)).toBe(80);
    expect(written.get(systemSeriesIds.processes)).toBe(3);
    expect(written.get(systemSeriesIds.eventLoopDelay)).toBe(1.23);
    expect(written.has(systemSeriesIds.deliveries)).toBe(false); // needs two readings
    feed.write(t0 + 2000, { ...figures, deliveries: 600, queueDrops: 4, pointsIn: 30, cpuSeconds: 6.5 });
    expect(written.get(systemSeriesIds.deliveries)).toBe(250);
    expect(written.get(systemSeriesIds.queueDrops)).toBe(2);
    expect(written.get(systemSeriesIds.ingest)).toBe(10);
    expect(written.get(systemSeriesIds.cpu)).toBe(75);
    // A counter that went down (a restarted process) is a fresh start, not a negative rate.
    feed.write(t0 + 3000, { ...figures, deliveries: 50 });
    expect(written.get(systemSeriesIds.deliveries)).toBe(0);
    // The system dashboard shows only series this feed writes.
    const system = builtinDashboards().find((d) => d.id === "system");
    for (const p of system?.panels ?? []) for (const id of p.series) expect(written.has(id), id).toBe(true);
  });

  it("reads asynchronously and skips a tick while the last reading is still out", async () => {
    let calls = 0;
    let release: (m: MetricJson[]) => void = () => {};
    const written: string[] = [];
    const feed = new SystemFeed(
      (name) => written.push(name),
      () => {
        calls++;
        return new Promise<MetricJson[]>((r) => {
          release = r;
        });
      },
    );
    feed.tick(1000);
    feed.tick(2000);
    expect(calls).toBe(1);
    release([metric("dashwire_connections", [1])]);
    await new Promise((r) => setTimeout(r, 0));
    expect(written).toContain(systemSeriesIds.connections);
    feed.tick(3000);
    expect(calls).toBe(2);
  });
});
