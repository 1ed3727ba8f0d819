import { batchedQuery } from "./query-batch.js";
import { storeStep } from "../time/resolution.js";
import { rollupAll } from "./bucket-rollup.js";
import { type Bucket, rowToBucket } from "./series-window.js";

/** Most requests one read makes (the API serves at most 5000 buckets a request): 40,000 minutes, 27 days. */
export const MAX_PAGES = 8;

/** What `queryRange` read: buckets of `step` ms, ascending. */
export interface RangeAnswer {
  step: number;
  buckets: Bucket[];
}

/** The buckets of a `/api/v1/query` answer. */
export function bucketsOf(points: readonly unknown[] | undefined): Bucket[] {
  const out: Bucket[] = [];
  for (const row of points ?? []) {
    const b = rowToBucket(row);
    if (b) out.push(b);
  }
  return out;
}

/**
 * Reads the closed buckets of `series` in `[from, to)` at `step` ms. The store serves its own
 * resolutions (1 s, 10 s, 1 min), newest first when a window holds more than one answer's worth,
 * so the read goes back page by page; a step wider than a minute is rolled up here from minutes.
 * The store may serve a coarser step than asked (the window is older than the finer
 * resolution's retention): the answer says which.
 */
export async function queryRange(
  series: string,
  from: number,
  to: number,
  step: number,
  signal?: AbortSignal,
): Promise<RangeAnswer> {
  const ask = storeStep(step);
  const pages: Bucket[][] = [];
  let served = 0;
  let end = to;
  for (let page = 0; page < MAX_PAGES && end - from >= 1; page++) {
    const a = await batchedQuery(series, Math.floor(from), Math.ceil(end), ask, signal);
    // An older page served coarser (past a resolution's retention) would mix widths: stop there.
    if (served !== 0 && a.step !== served) break;
    served = a.step;
    pages.unshift(bucketsOf(a.points));
    // The answer starts later than asked when it was cut to its bucket limit: read the rest.
    if (a.from <= from || a.from >= end || a.to <= a.from) break;
    end = a.from;
  }
  const buckets = pages.flat();
  const out = Math.max(step, served);
  return { step: out, buckets: out > served && served > 0 ? rollupAll(buckets, out) : buckets };
}
