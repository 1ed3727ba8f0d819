/**
 * The cell and bucket statements of a PostgreSQL write (`PgStore.write`), in the order a write
 * runs them: lock the cells it touches in (sid, t) order, read the stored points of those it
 * rewrites, write the cells, then merge the coarse buckets in SQL (count and sum add, min of
 * mins, max of maxes, last by time) or recompute one from its cells when a point was replaced.
 */
import type pg from "pg";
import { type Agg, type AggRow, aggOfRow, type Cell, type CellWrite, concatRaw, decodeRaw, encodeRaw } from "./cell.js";
import type { StoreStats } from "./store.js";

interface CellRow extends AggRow {
  sid: number;
  t: number;
  raw: Buffer | null;
}

/** The stored points of some cells (their first segment, then the appended ones), by group index. */
export async function readRaw(
  c: pg.PoolClient,
  groups: ReadonlyArray<{ sid: number; t: number }>,
  existing: ReadonlyArray<Cell | undefined>,
  indexes: readonly number[],
): Promise<Map<number, Float64Array | undefined>> {
  const out = new Map<number, Float64Array | undefined>();
  if (groups.length === 0) return out;
  const segs = await c.query<{ sid: number; t: number; pts: Buffer }>(
    `SELECT s.sid, s.t, s.pts FROM raw_segs s JOIN unnest($1::int[], $2::bigint[]) AS u(sid, t)
        ON s.sid = u.sid AND s.t = u.t ORDER BY s.sid, s.t, s.first_ts`,
    [groups.map((g) => g.sid), groups.map((g) => g.t)],
  );
  const byKey = new Map<string, Array<Float64Array | undefined>>();
  for (const r of segs.rows) {
    const key = `${r.sid}:${r.t}`;
    byKey.set(key, [...(byKey.get(key) ?? []), decodeRaw(r.pts)]);
  }
  groups.forEach((g, j) => {
    const i = indexes[j] as number;
    out.set(i, concatRaw([existing[i]?.raw, ...(byKey.get(`${g.sid}:${g.t}`) ?? [])]));
  });
  return out;
}

/** Makes every cell of `groups` exist and locks them in order; returns the stored ones. */
export async function lockCells(
  c: pg.PoolClient,
  groups: ReadonlyArray<{ sid: number; t: number }>,
): Promise<Array<Cell | undefined>> {
  const sids = groups.map((g) => g.sid);
  const ts = groups.map((g) => g.t);
  // An empty cell (count 0) stands for "none" until this transaction fills it in.
  await c.query(
    `INSERT INTO cells SELECT u.sid, u.t, 0, 0, 0, 0, 0, 0, NULL
       FROM unnest($1::int[], $2::bigint[]) AS u(sid, t) ON CONFLICT DO NOTHING`,
    [sids, ts],
  );
  const rows = await c.query<CellRow>(
    `SELECT c.* FROM cells c JOIN unnest($1::int[], $2::bigint[]) AS u(sid, t) ON c.sid = u.sid AND c.t = u.t
       ORDER BY c.sid, c.t FOR UPDATE OF c`,
    [sids, ts],
  );
  const byKey = new Map<string, CellRow>();
  for (const r of rows.rows) byKey.set(`${r.sid}:${r.t}`, r);
  return groups.map((g) => {
    const r = byKey.get(`${g.sid}:${g.t}`);
    if (r === undefined || r.count === 0) return undefined;
    return { ...aggOfRow(r), raw: decodeRaw(r.raw) };
  });
}

/** Writes the planned cells: appended points as one more segment, the rest whole. */
export async function putCells(
  c: pg.PoolClient,
  all: ReadonlyArray<{ sid: number; t: number; cell: Cell; kind: CellWrite }>,
) {
  // Appended points become one more segment; new and rewritten cells hold all their points.
  const appended = all.filter((x) => x.kind === "append");
  if (appended.length > 0)
    await c.query("INSERT INTO raw_segs SELECT * FROM unnest($1::int[], $2::bigint[], $3::bigint[], $4::bytea[])", [
      appended.map((x) => x.sid),
      appended.map((x) => x.t),
      appended.map((x) => x.cell.raw?.[0]),
      appended.map((x) => encodeRaw(x.cell.raw as Float64Array)),
    ]);
  const rewritten = all.filter((x) => x.kind === "rewrite");
  if (rewritten.length > 0)
    await c.query(
      `DELETE FROM raw_segs s USING unnest($1::int[], $2::bigint[]) AS u(sid, t) WHERE s.sid = u.sid AND s.t = u.t`,
      [rewritten.map((x) => x.sid), rewritten.map((x) => x.t)],
    );
  const cells = all;
  if (cells.length === 0) return;
  const col = <T>(f: (x: { sid: number; t: number; cell: Cell }) => T) => cells.map(f);
  await c.query(
    `UPDATE cells SET count = u.count, sum = u.sum, min = u.min, max = u.max, last = u.last,
            last_ts = u.last_ts, raw = CASE WHEN u.append THEN cells.raw ELSE u.raw END
       FROM unnest($1::int[], $2::bigint[], $3::int[], $4::float8[], $5::float8[], $6::float8[],
                   $7::float8[], $8::bigint[], $9::bytea[], $10::boolean[])
                   AS u(sid, t, count, sum, min, max, last, last_ts, raw, append)
      WHERE cells.sid = u.sid AND cells.t = u.t`,
    [
      col((x) => x.sid),
      col((x) => x.t),
      col((x) => x.cell.count),
      col((x) => x.cell.sum),
      col((x) => x.cell.min),
      col((x) => x.cell.max),
      col((x) => x.cell.last),
      col((x) => x.cell.lastTs),
      cells.map((x) => (x.kind === "append" || x.cell.raw === undefined ? null : encodeRaw(x.cell.raw))),
      cells.map((x) => x.kind === "append"),
    ],
  );
}

/** Merges the new points' rollups `adds` into the coarse buckets of width `res` (they commute). */
export async function mergeBuckets(
  c: pg.PoolClient,
  res: number,
  adds: ReadonlyArray<{ sid: number; t: number; add: Agg | undefined }>,
) {
  const a = adds.map((x) => x.add as Agg);
  await c.query(
    `INSERT INTO buckets
       SELECT $1, * FROM unnest($2::int[], $3::bigint[], $4::bigint[], $5::float8[], $6::float8[], $7::float8[],
                                $8::float8[], $9::bigint[])
     ON CONFLICT (res, sid, t) DO UPDATE SET
       count = buckets.count + excluded.count, sum = buckets.sum + excluded.sum,
       min = least(buckets.min, excluded.min), max = greatest(buckets.max, excluded.max),
       last = CASE WHEN excluded.last_ts >= buckets.last_ts THEN excluded.last ELSE buckets.last END,
       last_ts = greatest(buckets.last_ts, excluded.last_ts)`,
    [
      res,
      adds.map((x) => x.sid),
      adds.map((x) => x.t),
      a.map((x) => x.count),
      a.map((x) => x.sum),
      a.map((x) => x.min),
      a.map((x) => x.max),
      a.map((x) => x.last),
      a.map((x) => x.lastTs),
    ],
  );
}

/** Recomputes a coarse bucket from its cells, with the bucket locked first (see the file comment). */
export async function recomputeBucket(
  c: pg.PoolClient,
  stats: StoreStats,
  res: number,
  sid: number,
  t: number,
): Promise<void> {
  stats.cellsRecomputed++;
  await c.query("INSERT INTO buckets VALUES ($1, $2, $3, 0, 0, 0, 0, 0, 0) ON CONFLICT DO NOTHING", [res, sid, t]);
  await c.query("SELECT 1 FROM buckets WHERE res = $1 AND sid = $2 AND t = $3 FOR UPDATE", [res, sid, t]);
  // A new statement: it sees every cell committed while this one waited for the lock.
  await c.query(
    `UPDATE buckets b SET count = a.count, sum = a.sum, min = a.min, max = a.max, last = a.last, last_ts = a.last_ts
       FROM (SELECT sum(count) AS count, sum(sum) AS sum, min(min) AS min, max(max) AS max,
                    (array_agg(last ORDER BY last_ts DESC))[1] AS last, max(last_ts) AS last_ts
               FROM cells WHERE sid = $2 AND t >= $3 AND t < $3 + $1 AND count > 0) a
      WHERE b.res = $1 AND b.sid = $2 AND b.t = $3`,
    [res, sid, t],
  );
}
