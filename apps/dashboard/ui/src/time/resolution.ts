/**
 * The bucket width a panel asks for: the finest that gives no more buckets than the panel has
 * pixels across (Grafana's `maxDataPoints` rule), never fewer than `MIN_POINTS` wide. The store
 * keeps 1 s, 10 s and 1 min buckets; wider steps (5 min … 1 h) are rolled up in the page from
 * the 1 min ones (exactly: the rollups are mergeable).
 */

/** Bucket widths a panel may show, ms: the store's three, then the page's own rollups of its minutes. */
export const STEPS: readonly number[] = [1000, 10_000, 60_000, 300_000, 900_000, 3_600_000];

/** The coarsest resolution the store keeps, ms; a wider step is rolled up from it. */
export const STORE_MAX_STEP = 60_000;

/** A panel narrower than this still gets this many buckets (a 5-minute window stays at 1 s). */
export const MIN_POINTS = 300;

/** The step for a span of `spanMs` drawn `widthPx` wide. */
export function stepFor(spanMs: number, widthPx: number): number {
  const points = Math.max(MIN_POINTS, Math.floor(widthPx));
  for (const s of STEPS) if (spanMs / s <= points) return s;
  return STEPS[STEPS.length - 1] as number;
}

/** The step to ask the store for when the panel shows `step` (its own, or the coarsest kept). */
export function storeStep(step: number): number {
  return Math.min(step, STORE_MAX_STEP);
}
