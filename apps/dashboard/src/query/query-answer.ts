/**
 * The answer of `POST /api/v1/query`: several series over one window (`query-request.ts` has
 * the body it answers).
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
