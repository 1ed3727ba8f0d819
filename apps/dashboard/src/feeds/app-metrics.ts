/**
 * The dashboard's own figures in the server's Prometheus registry, beside dashwire's: `/metrics`
 * serves them (summed over the workers by the cluster primary) and the system feed reads them.
 */
import type { Registry } from "prom-client";

/** What the dashboard counts, read at each collection. */
export interface AppFigures {
  /** Points accepted since start. */
  pointsIn: number;
  /** Points refused since start. */
  pointsRejected: number;
  /** Rollups not published because too many publications were in flight. */
  publishesSkipped: number;
  /** Rollup publications that failed. */
  publishErrors: number;
  /** Feed points (demo, system) the store could not take. */
  feedDropped: number;
  /** Series in the store (shared by the processes). */
  series: number;
  /** Bytes the store takes on disk (shared by the processes). */
  storeBytes: number;
}

/** Registers the dashboard's metrics in `registry`, read from `read()` at each collection. */
export async function registerAppMetrics(registry: Registry, read: () => AppFigures): Promise<void> {
  const { Counter, Gauge } = await import("prom-client");
  const counters: Array<[string, string, keyof AppFigures]> = [
    ["dashwire_points_in_total", "Metric points accepted (HTTP, socket, feeds).", "pointsIn"],
    ["dashwire_points_rejected_total", "Metric points refused.", "pointsRejected"],
    ["dashwire_rollup_publishes_skipped_total", "Rollups not published: too many in flight.", "publishesSkipped"],
    ["dashwire_rollup_publish_errors_total", "Rollup publications that failed.", "publishErrors"],
    ["dashwire_feed_points_dropped_total", "Feed points (demo, system) the store could not take.", "feedDropped"],
  ];
  for (const [name, help, field] of counters)
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(read()[field]);
      },
    });
  // The processes share one store: the cluster total is the largest reading, not the sum.
  const shared: Array<[string, string, "series" | "storeBytes"]> = [
    ["dashwire_series", "Series in the store.", "series"],
    ["dashwire_store_bytes", "Bytes the store takes on disk.", "storeBytes"],
  ];
  for (const [name, help, field] of shared)
    new Gauge({
      name,
      help,
      registers: [registry],
      aggregator: "max",
      collect() {
        this.set(read()[field]);
      },
    });
}
