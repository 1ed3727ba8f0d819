/**
 * The body of `POST /api/v1/query` (zod, strict): several series read over one window in one
 * request, as a panel back-fills its series or a client reads many at once. Bounded: at most
 * `queryManyLimits.maxSeries` series, each a series id (at most `seriesLimits.maxIdBytes`); the
 * answer holds at most `queryManyLimits.maxBuckets` buckets in all (the window is clamped, as a
 * one-series query is clamped to 5000).
 */
import { z } from "zod";
import { parseSeriesId, seriesLimits } from "../series/series-id.js";
import { boundedText } from "../zod-text.js";

/** Limits of one multi-series query. */
export const queryManyLimits = {
  /** Most series one request names. */
  maxSeries: 200,
  /** Most buckets one answer holds, all series together (a 15-minute window at 1 s is 900 a series). */
  maxBuckets: 200_000,
  /** Largest body accepted, bytes (200 ids of the longest kind fit). */
  maxBodyBytes: 512 * 1024,
} as const;

const ms = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** Schema of a `POST /api/v1/query` body. */
export const queryManySchema = z
  .object({
    /** Series ids (`name,tag=value` with tags sorted), answered in this order. */
    series: z
      .array(
        boundedText(seriesLimits.maxIdBytes, 1).refine((id) => parseSeriesId(id) !== undefined, {
          message: "not a series id (name,tag=value with tags sorted)",
        }),
      )
      .min(1)
      .max(queryManyLimits.maxSeries),
    /** Start of the window, ms (default: `to` − 5 min). */
    from: ms.optional(),
    /** End of the window, ms (default: now). */
    to: ms.optional(),
    /** Wanted bucket width, ms (rounded up to a resolution; default: the finest that fits). */
    step: ms.min(1).optional(),
  })
  .strict();

/** A `POST /api/v1/query` body. */
export type QueryManyRequest = z.infer<typeof queryManySchema>;
