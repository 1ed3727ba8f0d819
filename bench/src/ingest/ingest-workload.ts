/**
 * The line-protocol workload of the storage scenarios, as `bench/wrk/ingest.lua` generates it:
 * every body has `lines` lines, one point each, spread evenly over `series` series
 * (`bench_cpu,host=host-NNN,region=eu-west usage=<v> <ts>`), and every point of a run has a
 * (series, timestamp) of its own. This file holds what the harness needs to know about those
 * bodies: series names on each target, points per body, and where the timestamps of a run end.
 */

/** Measurement of every line. */
export const MEASUREMENT = "bench_cpu";
/** The one numeric field of every line. */
export const FIELD = "usage";
/** The second tag of every line (a constant, as `region` is in real fleets). */
export const REGION = "eu-west";

/** Shape of the bodies and of their timestamps. */
export interface IngestWorkload {
  /** Lines (points) per body. */
  lines: number;
  /** Series a body's points are spread over (`lines / series` points each). */
  series: number;
  /** Milliseconds between two consecutive points of one series. */
  strideMs: number;
}

/** Defaults of `IngestWorkload`: the peer figure's bodies (5,000 lines over 100 series), 1 ms apart. */
export const ingestWorkloadDefaults: IngestWorkload = { lines: 5000, series: 100, strideMs: 1 };

/** Points each body holds of each series. */
export function pointsPerSeries(w: IngestWorkload): number {
  return Math.floor(w.lines / w.series);
}

/** Points a body holds in all. */
export function pointsPerBody(w: IngestWorkload): number {
  return pointsPerSeries(w) * w.series;
}

/** Milliseconds of timestamps one body covers (per series). */
export function bodySpanMs(w: IngestWorkload): number {
  return pointsPerSeries(w) * w.strideMs;
}

/**
 * The first timestamp free after a run that started at `base` and whose highest body (block)
 * number was `lastBlock` (-1: it sent nothing): the next run starts there, so no point repeats.
 */
export function nextBase(base: number, lastBlock: number, w: IngestWorkload): number {
  return base + (lastBlock + 1) * bodySpanMs(w);
}

/** The `host` tag of series `i` (from 0), as the Lua script writes it. */
export function hostTag(i: number): string {
  return `host-${String(i).padStart(3, "0")}`;
}

/** The series id dashwire gives series `i`: `measurement.field` and the tags sorted by key. */
export function dashwireSeriesId(i: number): string {
  return `${MEASUREMENT}.${FIELD},host=${hostTag(i)},region=${REGION}`;
}
