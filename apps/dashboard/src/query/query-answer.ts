/**
 * The answer of `POST /api/v1/query`: several series over one window (`query-request.ts` has
 * the body it answers), and its encoding from each series' buckets as JSON text (the store's
 * `queryText`: no tuple is parsed or built again).
 */
import type { BucketTuple } from "../store/store.js";

/** One series of a multi-series answer: its id and its buckets, ascending. */
export interface SeriesBuckets {
  series: string;
  /** Non-empty buckets `[t, count, sum, min, max, last]`, t = bucket start in ms. */
  points: BucketTuple[];
}

/** The answer of `POST /api/v1/query`: the window served (`from` ≤ t < `to`) at `step` ms a bucket. */
export interface QueryManyAnswer {
  step: number;
  from: number;
  to: number;
  /** One entry per series asked for, in the order asked. */
  results: SeriesBuckets[];
}

/** The JSON text of a `QueryManyAnswer` for `plan`'s window, `series` and each one's `points` (JSON text). */
export function encodeQueryAnswer(
  plan: { step: number; from: number; to: number },
  series: readonly string[],
  points: readonly string[],
): string {
  const parts = series.map((id, i) => `{"series":${JSON.stringify(id)},"points":${points[i] ?? "[]"}}`);
  return `{"step":${plan.step},"from":${plan.from},"to":${plan.to},"results":[${parts.join(",")}]}`;
}
