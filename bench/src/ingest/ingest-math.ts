/** The arithmetic of the storage scenarios: rates, the drop check, the ratio between targets. */
import { type IngestWorkload, pointsPerBody, pointsPerSeries } from "./ingest-workload.js";
import type { WrkResult } from "./wrk-run.js";

/** Points per second acknowledged (2xx answers × points per body) over a wrk run. */
export function acceptedPerSec(r: Pick<WrkResult, "ok" | "durationS">, w: IngestWorkload): number {
  return r.durationS > 0 ? (r.ok * pointsPerBody(w)) / r.durationS : 0;
}

/**
 * Points accepted per second of server CPU: what a core buys when the server does not get a whole
 * one (on a shared machine the rate follows the core's availability, this much less).
 */
export function pointsPerCpuSecond(pointsPerSec: number, cpuPct: number): number | undefined {
  return cpuPct > 0 ? Math.round(pointsPerSec / (cpuPct / 100)) : undefined;
}

/** Whether every acknowledged point is stored, counted per series after the run. */
export interface DropCheck {
  /** Points answered 2xx. */
  acknowledged: number;
  /** Points sent in bodies: acknowledged, refused, or in flight when wrk stopped. */
  sent: number;
  /** Points the target's query counted. */
  stored: number;
  /** Series holding fewer points than were acknowledged for them. */
  seriesShort: number;
  /** Acknowledged points the query did not find. */
  missing: number;
  /** Points stored beyond the acknowledged: bodies still in flight when wrk stopped, or refused ones kept in part. */
  beyondAcknowledged: number;
  /** Points counted beyond what was ever sent (a point counted twice). */
  overcounted: number;
  /** Nothing missing, nothing counted twice. */
  ok: boolean;
}

/**
 * Compares the stored count of each series with what was acknowledged and sent. Every body holds
 * the same number of points of each series, so per series: acknowledged = bodies answered 2xx ×
 * points per series, sent = bodies sent × points per series.
 */
export function dropCheck(
  storedPerSeries: readonly number[],
  ackedBodies: number,
  sentBodies: number,
  w: IngestWorkload,
): DropCheck {
  const ackedEach = ackedBodies * pointsPerSeries(w);
  const sentEach = sentBodies * pointsPerSeries(w);
  let stored = 0;
  let seriesShort = 0;
  let missing = 0;
  let beyond = 0;
  let overcounted = 0;
  for (let i = 0; i < w.series; i++) {
    const n = storedPerSeries[i] ?? 0;
    stored += n;
    if (n < ackedEach) {
      seriesShort++;
      missing += ackedEach - n;
    } else beyond += n - ackedEach;
    if (n > sentEach) overcounted += n - sentEach;
  }
  return {
    acknowledged: ackedEach * w.series,
    sent: sentEach * w.series,
    stored,
    seriesShort,
    missing,
    beyondAcknowledged: beyond,
    overcounted,
    ok: missing === 0 && overcounted === 0,
  };
}

/** `a / b` rounded to 2 decimals; undefined when either is missing or `b` is 0. */
export function ratio(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined || b === undefined || b === 0) return undefined;
  return Math.round((a / b) * 100) / 100;
}
