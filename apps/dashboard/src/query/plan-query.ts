/**
 * Plans window queries over a series' resolutions ("rings": width and buckets kept): picks the
 * finest that covers the window at the asked step and clamps the window to what is held and to
 * `maxPoints`. The store returns non-empty buckets as `[t, count, sum, min, max, last]`, ascending.
 *
 * Only closed buckets are returned (a bucket ends at or before the newest closed second), so a
 * client that back-fills and then appends live `metrics:` publications newer than its last
 * point sees no duplicate and no partial bucket.
 */
import type { Resolution } from "../store/store.js";

/** A resolution as the planner sees it: bucket width and how many buckets are kept. */
export interface RingShape {
  resolutionMs: number;
  capacity: number;
}

/** The planner's view of the store's resolutions. */
export function ringsOf(resolutions: readonly Resolution[]): RingShape[] {
  return resolutions.map((r) => ({ resolutionMs: r.ms, capacity: Math.max(1, Math.floor(r.retentionMs / r.ms)) }));
}

/** What the caller asks for; all in ms. */
export interface QueryRequest {
  from: number;
  to: number;
  /** Wanted bucket width; rounded up to a ring resolution. Undefined: the finest that fits. */
  step: number | undefined;
}

/** The ring chosen and the window actually served. */
export interface QueryPlan {
  /** Index of the ring used. */
  ring: number;
  /** Bucket width (the ring's resolution). */
  step: number;
  /** First bucket start served (aligned to step). */
  from: number;
  /** End of the window served (exclusive, aligned to step). */
  to: number;
}

/**
 * How much older than a ring's oldest bucket `from` may be and still be served by it (clamped):
 * "the last 15 minutes" is computed from the client's clock before the request travels; read
 * 127 ms later by the server (a 100-series request on a loaded machine), it fell to 10 s buckets.
 */
export const CLOCK_SLACK_MS = 1000;

/** Largest number of buckets one query returns by default. */
export const MAX_QUERY_POINTS = 5_000;

/**
 * Chooses the ring and window. `rings` are finest first; `closedUntilMs` is the end of the
 * newest closed second.
 */
export function planQuery(
  rings: readonly RingShape[],
  req: QueryRequest,
  nowMs: number,
  closedUntilMs: number,
  maxPoints = MAX_QUERY_POINTS,
): QueryPlan {
  const windowStart = (i: number) => {
    const r = rings[i] as RingShape;
    return (Math.floor(nowMs / r.resolutionMs) - r.capacity + 1) * r.resolutionMs;
  };
  const last = rings.length - 1;
  // Step rounds up to a ring resolution; beyond the coarsest it is the coarsest.
  let first = 0;
  if (req.step !== undefined) {
    const step = req.step;
    first = rings.findIndex((r) => r.resolutionMs >= step);
    if (first === -1) first = last;
  }
  let chosen = last;
  for (let i = first; i <= last; i++) {
    const res = (rings[i] as RingShape).resolutionMs;
    const to = Math.floor(Math.min(req.to, closedUntilMs) / res) * res;
    const from = Math.max(req.from, windowStart(i));
    // One bucket of slack, so a window of exactly the ring's span (15 min at 1 s) stays at 1 s,
    // plus `CLOCK_SLACK_MS` for the client that read its clock a moment before we read ours.
    if (req.from >= windowStart(i) - res - CLOCK_SLACK_MS && (to - from) / res <= maxPoints) {
      chosen = i;
      break;
    }
  }
  const res = (rings[chosen] as RingShape).resolutionMs;
  // A bucket is served only when it has ended by `closedUntilMs` and by `to`.
  const to = Math.floor(Math.min(req.to, closedUntilMs) / res) * res;
  let from = Math.ceil(Math.max(req.from, windowStart(chosen)) / res) * res;
  if ((to - from) / res > maxPoints) from = to - maxPoints * res;
  if (from > to) from = to;
  return { ring: chosen, step: res, from, to };
}
