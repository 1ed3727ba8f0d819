/**
 * dashwire's own metrics as series, one point each per second, so the built-in "system"
 * dashboard shows the product itself: connections, deliveries per second, queue drops per
 * second, event-loop delay (p99 over the last second), RSS, heap and rollup memory, series count
 * and ingest rate.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";
import type { PointSink } from "./demo-feed.js";

/** Counters the system feed reads each second (cumulative ones are turned into rates). */
export interface SystemCounters {
  /** Open client sessions. */
  connections: number;
  /** Messages delivered to clients since start (cumulative). */
  deliveries: number;
  /** Deliveries dropped on queue overflow since start (cumulative). */
  queueDrops: number;
  /** Series in the store. */
  series: number;
  /** Points accepted since start (cumulative). */
  pointsIn: number;
  /** Bytes the store takes on disk. */
  rollupBytes: number;
}

/** Sampling interval of the event-loop monitor, ms. */
const LOOP_RESOLUTION_MS = 10;

/** Series ids the system feed writes, for the built-in dashboard. */
export const systemSeriesIds = {
  connections: "dashwire.connections",
  deliveries: "dashwire.deliveries_per_sec",
  queueDrops: "dashwire.queue_drops",
  eventLoopDelay: "dashwire.event_loop_delay_ms",
  rss: "dashwire.rss_mb",
  heap: "dashwire.heap_used_mb",
  series: "dashwire.series",
  ingest: "dashwire.ingest_points_per_sec",
  rollup: "dashwire.rollup_mb",
} as const;

/** Samples process and server counters once per `tick`. */
export class SystemFeed {
  private readonly histogram: IntervalHistogram;
  private last: { ts: number; deliveries: number; queueDrops: number; pointsIn: number } | undefined;

  constructor(
    private readonly sink: PointSink,
    private readonly read: () => SystemCounters,
  ) {
    this.histogram = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
    this.histogram.enable();
  }

  /** Writes one point per system series at `ts`. */
  tick(ts: number): void {
    const c = this.read();
    const mem = process.memoryUsage();
    const round1 = (v: number) => Math.round(v * 10) / 10;
    this.sink(systemSeriesIds.connections, undefined, c.connections, ts);
    this.sink(systemSeriesIds.series, undefined, c.series, ts);
    this.sink(systemSeriesIds.rss, undefined, round1(mem.rss / 1_048_576), ts);
    this.sink(systemSeriesIds.heap, undefined, round1(mem.heapUsed / 1_048_576), ts);
    this.sink(systemSeriesIds.rollup, undefined, round1(c.rollupBytes / 1_048_576), ts);
    // The histogram records whole timer intervals in ns (the resolution included, see Node's
    // ELDHistogram); p99 of the last second says more than the mean about stalls.
    const delay = this.histogram.count > 0 ? Math.max(0, this.histogram.percentile(99) / 1e6 - LOOP_RESOLUTION_MS) : 0;
    this.histogram.reset();
    this.sink(systemSeriesIds.eventLoopDelay, undefined, Math.round(delay * 100) / 100, ts);
    if (this.last !== undefined && ts > this.last.ts) {
      const secs = (ts - this.last.ts) / 1000;
      this.sink(systemSeriesIds.deliveries, undefined, round1((c.deliveries - this.last.deliveries) / secs), ts);
      this.sink(systemSeriesIds.queueDrops, undefined, round1((c.queueDrops - this.last.queueDrops) / secs), ts);
      this.sink(systemSeriesIds.ingest, undefined, round1((c.pointsIn - this.last.pointsIn) / secs), ts);
    }
    this.last = { ts, deliveries: c.deliveries, queueDrops: c.queueDrops, pointsIn: c.pointsIn };
  }

  /** Stops the event-loop monitor. */
  close(): void {
    this.histogram.disable();
  }
}
