/**
 * Window reads of the PostgreSQL store: the buckets of many series in one statement (one
 * round trip, each series cut to its own `limit` by a LATERAL subquery), where the store used
 * to send two statements a series (the series index's generation, then the cells): a 15-minute
 * 1 s read of 100 series was 200 statements.
 */
import type pg from "pg";
import { pgFailure } from "./pg-tx.js";
import type { BucketTuple } from "./store.js";

/** Where one resolution's buckets are: the 1-second cells, or a coarse width of `buckets`. */
export type RangeSource = { cells: true } | { bucketMs: number };

/** One window read: the series (sids), where their buckets are, [from, to), at most `limit` a series. */
export interface RangeRead {
  sids: readonly number[];
  source: RangeSource;
  from: number;
  to: number;
  limit: number;
}

/** The subquery of one series' window (sid `u.sid`) and the statement's values. */
function windowOf(r: RangeRead): { sql: string; values: unknown[] } {
  const coarse = "bucketMs" in r.source;
  const sql = `SELECT t, count, sum, min, max, last FROM ${coarse ? "buckets" : "cells"}
    WHERE ${coarse ? "res = $5 AND " : ""}sid = u.sid AND t >= $2 AND t < $3 AND count > 0 ORDER BY t LIMIT $4`;
  const values = [r.sids, r.from, r.to, r.limit];
  return { sql, values: "bucketMs" in r.source ? [...values, r.source.bucketMs] : values };
}

async function arrays(pool: pg.Pool, text: string, values: unknown[]): Promise<unknown[][]> {
  try {
    return (await pool.query({ text, values, rowMode: "array" })).rows as unknown[][];
  } catch (err) {
    pgFailure(err);
  }
}

/** The non-empty buckets of each series of `r`, ascending, by sid (a sid without any is absent). */
export async function readRanges(pool: pg.Pool, r: RangeRead): Promise<Map<number, BucketTuple[]>> {
  const out = new Map<number, BucketTuple[]>();
  if (r.sids.length === 0 || r.limit <= 0) return out;
  const { sql, values } = windowOf(r);
  const rows = await arrays(
    pool,
    `SELECT u.sid, b.* FROM unnest($1::int[]) AS u(sid) CROSS JOIN LATERAL (${sql}) b`,
    values,
  );
  for (const row of rows) {
    const sid = row[0] as number;
    let list = out.get(sid);
    if (list === undefined) out.set(sid, (list = []));
    list.push(row.slice(1) as BucketTuple);
  }
  return out;
}

/**
 * The same windows as JSON text, one a sid in the order of `r.sids` (`[]` when none), written
 * by PostgreSQL: the rows never become JavaScript values (parsing 87,000 rows and encoding them
 * again took ~200 ms of the node's CPU for 100 series of 15 minutes). Numbers are PostgreSQL's
 * shortest exact form, the same values as `JSON.stringify` writes (a very large or small one
 * may have an exponent where JavaScript writes digits).
 */
export async function readRangesText(pool: pg.Pool, r: RangeRead): Promise<string[]> {
  if (r.sids.length === 0 || r.limit <= 0) return r.sids.map(() => "[]");
  const { sql, values } = windowOf(r);
  // json_agg writes ", " between values; the texts hold numbers only, so every space goes.
  const rows = await arrays(
    pool,
    `SELECT coalesce(replace((SELECT json_agg(json_build_array(t, count, sum, min, max, last) ORDER BY t)
        FROM (${sql}) b)::text, ' ', ''), '[]')
      FROM unnest($1::int[]) WITH ORDINALITY AS u(sid, i) ORDER BY u.i`,
    values,
  );
  return rows.map((row) => row[0] as string);
}
