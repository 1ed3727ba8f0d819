/**
 * The dashboard's own figures in the server's Prometheus metrics, beside dashwire's: `/metrics`
 * serves them (summed over the workers by the cluster primary) and the system feed reads them.
 */
import type { ReadMetric } from "@dashwire/server";

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

/** The dashboard's metrics, each read from `read()` at collection time. */
export function appMetrics(read: () => AppFigures): ReadMetric[] {
  const counter = (name: string, help: string, field: keyof AppFigures): ReadMetric => ({
    name,
    help,
    type: "counter",
    read: () => read()[field],
  });
  // The processes share one store: the cluster's figure is the largest reading, not the sum.
  const shared = (name: string, help: string, field: keyof AppFigures): ReadMetric => ({
    name,
    help,
    type: "gauge",
    aggregator: "max",
    read: () => read()[field],
  });
  return [
    counter("dashwire_points_in_total", "Metric points accepted (HTTP, socket, feeds).", "pointsIn"),
    counter("dashwire_points_rejected_total", "Metric points refused.", "pointsRejected"),
    counter(
      "dashwire_rollup_publishes_skipped_total",
      "Rollups not published: too many in flight.",
      "publishesSkipped",
    ),
    counter("dashwire_rollup_publish_errors_total", "Rollup publications that failed.", "publishErrors"),
    counter(
      "dashwire_feed_points_dropped_total",
      "Feed points (demo, system) the store could not take.",
      "feedDropped",
    ),
    shared("dashwire_series", "Series in the store.", "series"),
    shared("dashwire_store_bytes", "Bytes the store takes on disk.", "storeBytes"),
  ];
}
