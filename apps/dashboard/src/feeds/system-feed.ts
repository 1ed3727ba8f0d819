/**
 * dashwire's own metrics as series, one point each per second, so the built-in "system"
 * dashboard shows the product itself: connections, deliveries per second, queue drops per
 * second, CPU, event-loop delay, RSS, heap, the store's size, series count, ingest rate and the
 * number of processes. Read from the same figures `/metrics` serves (`server.metrics()`), so
 * with several workers they are the whole process tree's, summed by the primary (issue 12, item
 * 8: each worker wrote its own, and the dashboard showed "Connections 0" beside "1 online").
 */
import { EVENT_LOOP_RESOLUTION_MS, type MetricJson, metricValue } from "@dashwire/server";
import type { PointSink } from "./demo-feed.js";

/** What the system feed reads each second (cumulative figures are turned into rates). */
export interface SystemFigures {
  /** Open client sessions. */
  connections: number;
  /** Messages delivered to clients since start (cumulative). */
  deliveries: number;
  /** Stream deliveries dropped on queue overflow since start (cumulative). */
  queueDrops: number;
  /** Points accepted since start (cumulative). */
  pointsIn: number;
  /** CPU time of the processes since start, s (cumulative). */
  cpuSeconds: number;
  /** Resident memory of the processes, bytes. */
  rssBytes: number;
  /** V8 heap in use, bytes. */
  heapBytes: number;
  /** Bytes the store takes on disk. */
  storeBytes: number;
  /** Series in the store. */
  series: number;
  /** Worst event-loop delay p99 among the processes since the last reading, ms. */
  eventLoopDelayMs: number;
  /** Processes the figures cover. */
  processes: number;
}

/** Reads the system figures from prom-client JSON (`server.metrics()`). */
export function systemFigures(metrics: readonly MetricJson[]): SystemFigures {
  const v = (name: string) => metricValue(metrics, name);
  // Per process when a cluster primary summed the figures (the worst one counts), else this one's.
  const perProcess = metrics.find((m) => m.name === "dashwire_process_eventloop_lag_p99_seconds")?.values;
  const p99 =
    perProcess !== undefined && perProcess.length > 0
      ? Math.max(...perProcess.map((x) => x.value))
      : v("nodejs_eventloop_lag_p99_seconds");
  return {
    connections: v("dashwire_connections"),
    deliveries: v("dashwire_messages_out_total"),
    queueDrops: v("dashwire_queue_drops_total"),
    pointsIn: v("dashwire_points_in_total"),
    cpuSeconds: v("process_cpu_seconds_total"),
    rssBytes: v("process_resident_memory_bytes"),
    heapBytes: v("nodejs_heap_size_used_bytes"),
    storeBytes: v("dashwire_store_bytes"),
    series: v("dashwire_series"),
    eventLoopDelayMs: Math.max(0, p99 * 1000 - EVENT_LOOP_RESOLUTION_MS),
    processes: Math.max(1, v("dashwire_processes")),
  };
}

/** Series ids the system feed writes, for the built-in dashboard. */
export const systemSeriesIds = {
  connections: "dashwire.connections",
  deliveries: "dashwire.deliveries_per_sec",
  queueDrops: "dashwire.queue_drops",
  eventLoopDelay: "dashwire.event_loop_delay_ms",
  cpu: "dashwire.cpu_percent",
  rss: "dashwire.rss_mb",
  heap: "dashwire.heap_used_mb",
  series: "dashwire.series",
  ingest: "dashwire.ingest_points_per_sec",
  rollup: "dashwire.rollup_mb",
  processes: "dashwire.processes",
} as const;

/** Writes one point per system series each `tick`, from figures read asynchronously. */
export class SystemFeed {
  private last: { ts: number; figures: SystemFigures } | undefined;
  private reading = false;

  constructor(
    private readonly sink: PointSink,
    private readonly read: () => Promise<MetricJson[]>,
    private readonly warn: (err: unknown) => void = () => {},
  ) {}

  /** Reads the figures and writes them at `ts`; skipped while the last reading is still out. */
  tick(ts: number): void {
    if (this.reading) return;
    this.reading = true;
    this.read()
      .then(
        (metrics) => this.write(ts, systemFigures(metrics)),
        (err: unknown) => this.warn(err),
      )
      .finally(() => {
        this.reading = false;
      });
  }

  /** Writes the points of one reading (rates against the previous one). */
  write(ts: number, f: SystemFigures): void {
    const round1 = (v: number) => Math.round(v * 10) / 10;
    const mb = (bytes: number) => round1(bytes / 1_048_576);
    const ids = systemSeriesIds;
    this.sink(ids.connections, undefined, f.connections, ts);
    this.sink(ids.processes, undefined, f.processes, ts);
    this.sink(ids.series, undefined, f.series, ts);
    this.sink(ids.rss, undefined, mb(f.rssBytes), ts);
    this.sink(ids.heap, undefined, mb(f.heapBytes), ts);
    this.sink(ids.rollup, undefined, mb(f.storeBytes), ts);
    this.sink(ids.eventLoopDelay, undefined, Math.round(f.eventLoopDelayMs * 100) / 100, ts);
    const last = this.last;
    if (last !== undefined && ts > last.ts) {
      const secs = (ts - last.ts) / 1000;
      // A counter lower than last time (a restarted process outside a cluster) is a fresh start.
      const rate = (now: number, before: number) => Math.max(0, now - before) / secs;
      this.sink(ids.deliveries, undefined, round1(rate(f.deliveries, last.figures.deliveries)), ts);
      this.sink(ids.queueDrops, undefined, round1(rate(f.queueDrops, last.figures.queueDrops)), ts);
      this.sink(ids.ingest, undefined, round1(rate(f.pointsIn, last.figures.pointsIn)), ts);
      // Percent of one core, summed over the processes (200 = two cores busy).
      this.sink(ids.cpu, undefined, round1(rate(f.cpuSeconds, last.figures.cpuSeconds) * 100), ts);
    }
    this.last = { ts, figures: f };
  }
}
