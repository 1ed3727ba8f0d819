/**
 * Folding written points into the rollups, the engine-independent part. The SQLite store
 * commits a write as raw rows only (one per write, series and second: the points and their
 * rollup, numbered in write order `seq`), which keeps a write's pages few and together; the
 * 1-second cells and the coarser buckets are brought up to date from those rows later, in one
 * transaction for many writes (`SqlitePoints.fold`), by the rules of `cell.ts`: a point is
 * identified by series and timestamp, the later write of a timestamp wins, and rollups stay
 * exact. This file decides, for each cell a fold touches, what its rollup becomes and what the
 * coarse buckets get.
 */
import { type Agg, aggOf, emptyAgg, mergeAgg, mergePairs } from "./cell.js";
import type { BucketTuple } from "./store.js";

/** A raw row not folded yet: one write's points of one series in one second, by their rollup. */
export interface PendingRow extends Agg {
  /** Write order: a later row's point replaces an earlier one's with the same timestamp. */
  seq: number;
  sid: number;
  /** Start of the second, ms. */
  t: number;
  /** Timestamp of the row's first (oldest) point (`lastTs` is its newest). */
  firstTs: number;
}

/** A cell's folded rollup and the timestamp of its oldest point. */
export interface FoldedCell extends Agg {
  firstTs: number;
}

/** A raw row of a cell as read back: its write order and its points `[ts, value, …]`. */
export interface CellRow {
  seq: number;
  points: Float64Array;
}

/** What a fold does to one 1-second cell. */
export interface CellFold {
  sid: number;
  t: number;
  /** The cell's rollup after the fold. */
  cell: FoldedCell;
  /**
   * Rollup of the points that were new to the cell, merged into the coarse buckets; undefined
   * when a stored point got another value: the coarse buckets around it are recomputed.
   */
  added: Agg | undefined;
  /** When the cell's rows held a timestamp twice: all its points, replacing its raw rows. */
  compacted: Float64Array | undefined;
}

/**
 * Plans the fold of `pending` (rows with seq above `folded`, any order). `existing(sid, t)` is
 * the cell's folded rollup; `rowsOf(sid, t)` every raw row of the cell, folded or not, in write
 * order: read only when a row's points may share timestamps with others (a retry, a late or a
 * replaced point). Cells come out sorted by (sid, t).
 */
export function planFold(
  pending: readonly PendingRow[],
  folded: number,
  existing: (sid: number, t: number) => FoldedCell | undefined,
  rowsOf: (sid: number, t: number) => CellRow[],
): CellFold[] {
  // By cell, and in a cell by first timestamp: rows that do not overlap go in one pass.
  const rows = [...pending].sort((a, b) => a.sid - b.sid || a.t - b.t || a.firstTs - b.firstTs);
  const out: CellFold[] = [];
  for (let i = 0; i < rows.length; ) {
    const first = rows[i] as PendingRow;
    let end = i + 1;
    while (end < rows.length && (rows[end] as PendingRow).sid === first.sid && (rows[end] as PendingRow).t === first.t)
      end++;
    const stored = existing(first.sid, first.t);
    out.push(appendOnly(rows, i, end, stored) ?? foldFromRows(first.sid, first.t, rowsOf(first.sid, first.t), folded));
    i = end;
  }
  return out;
}

/**
 * `planFold` of cells whose pending rows are already merged (as a store connection's journal
 * keeps them, `pending-journal.ts`): a cell whose rows' time spans do not overlap is one row of
 * their rollup; one whose rows do (`disjoint` false) is folded from all its rows. Cells come out
 * in the given order.
 */
export function planFoldCells(
  cells: Iterable<PendingRow & { disjoint: boolean }>,
  folded: number,
  existing: (sid: number, t: number) => FoldedCell | undefined,
  rowsOf: (sid: number, t: number) => CellRow[],
): CellFold[] {
  const out: CellFold[] = [];
  for (const cell of cells)
    out.push(
      (cell.disjoint ? appendOnly([cell], 0, 1, existing(cell.sid, cell.t)) : undefined) ??
        foldFromRows(cell.sid, cell.t, rowsOf(cell.sid, cell.t), folded),
    );
  return out;
}

/**
 * The common case: the cell's new rows (`rows[from, to)`, by first timestamp) cover time
 * ranges that overlap neither each other nor the folded cell's, so no timestamp is there twice
 * and the rollups simply merge. Undefined when they may overlap.
 */
function appendOnly(
  rows: readonly PendingRow[],
  from: number,
  to: number,
  stored: FoldedCell | undefined,
): CellFold | undefined {
  const { sid, t } = rows[from] as PendingRow;
  const has = stored !== undefined && stored.count > 0;
  const cell: FoldedCell = has ? { ...stored } : { ...emptyAgg(), firstTs: Number.POSITIVE_INFINITY };
  const added = emptyAgg();
  let prevLast = Number.NEGATIVE_INFINITY;
  for (let i = from; i < to; i++) {
    const row = rows[i] as PendingRow;
    if (row.firstTs <= prevLast) return undefined;
    if (has && row.lastTs >= stored.firstTs && row.firstTs <= stored.lastTs) return undefined;
    prevLast = row.lastTs;
    mergeAgg(added, row);
  }
  mergeAgg(cell, added);
  if (added.lastTs > Number.NEGATIVE_INFINITY && (rows[from] as PendingRow).firstTs < cell.firstTs)
    cell.firstTs = (rows[from] as PendingRow).firstTs;
  return { sid, t, cell, added, compacted: undefined };
}

/** Folds a cell from all its raw rows (`cellRows`, in write order); rows with seq ≤ `folded` were folded before. */
export function foldFromRows(sid: number, t: number, cellRows: readonly CellRow[], folded: number): CellFold {
  const before = mergeRows(cellRows.filter((r) => r.seq <= folded).map((r) => r.points));
  const after = mergeRows(cellRows.map((r) => r.points));
  const points = after.points;
  // What the folded points became: each still there (a later write may have changed its value);
  // the points whose timestamp was not folded before are the new ones.
  const added = emptyAgg();
  let replaced = false;
  let i = 0;
  for (let j = 0; j < points.length; j += 2) {
    const ts = points[j] as number;
    while (i < before.points.length && (before.points[i] as number) < ts) i += 2;
    if (i < before.points.length && before.points[i] === ts) {
      if (!Object.is(before.points[i + 1], points[j + 1])) replaced = true;
    } else {
      const v = points[j + 1] as number;
      mergeAgg(added, { count: 1, sum: v, min: v, max: v, last: v, lastTs: ts });
    }
  }
  const agg = aggOf(points);
  return {
    sid,
    t,
    cell: { ...agg, firstTs: points.length > 0 ? (points[0] as number) : Number.POSITIVE_INFINITY },
    added: replaced ? undefined : added,
    compacted: after.duplicates ? points : undefined,
  };
}

/**
 * The points of a cell from its rows (each `[ts, value, …]` sorted, in write order): a later
 * row's point replaces an earlier one's with the same ts. `duplicates` is true when a ts was in
 * more than one row.
 */
export function mergeRows(rows: readonly Float64Array[]): { points: Float64Array; duplicates: boolean } {
  let acc: Float64Array = new Float64Array(0);
  let duplicates = false;
  for (const next of rows) {
    if (next.length === 0) continue;
    if (acc.length === 0) {
      acc = next;
      continue;
    }
    const merged = mergePairs(acc, next);
    acc = merged.points;
    if (merged.same) duplicates = true;
  }
  return { points: acc, duplicates };
}

/** A stored cell or bucket: its start and rollup. */
export type TimedAgg = Agg & { t: number };

/**
 * Buckets of one series at width `resMs` (1000: the cells) as they will be once `plan` (that
 * series' part of a fold) is applied, from the `stored` ones: for reading when a fold cannot be
 * written (disk full). `cellsIn(t, end)` reads the series' stored cells starting in [t, end),
 * for a coarse bucket that must be recomputed. Ascending `[t, count, sum, min, max, last]`.
 */
export function foldedBuckets(
  stored: readonly TimedAgg[],
  plan: readonly CellFold[],
  resMs: number,
  cellsIn: (t: number, end: number) => TimedAgg[],
): BucketTuple[] {
  const byT = new Map<number, Agg>(stored.map((b) => [b.t, b]));
  const buckets = new Map<number, CellFold[]>();
  for (const c of plan) {
    const t = Math.floor(c.t / resMs) * resMs;
    const list = buckets.get(t);
    if (list === undefined) buckets.set(t, [c]);
    else list.push(c);
  }
  for (const [t, cells] of buckets) {
    if (resMs === 1000) {
      byT.set(t, (cells[0] as CellFold).cell);
      continue;
    }
    const agg = emptyAgg();
    if (cells.every((c) => c.added !== undefined)) {
      mergeAgg(agg, byT.get(t) ?? emptyAgg());
      for (const c of cells) mergeAgg(agg, c.added as Agg);
    } else {
      const folded = new Map<number, Agg>(cellsIn(t, t + resMs).map((c) => [c.t, c]));
      for (const c of cells) folded.set(c.t, c.cell);
      for (const a of folded.values()) mergeAgg(agg, a);
    }
    byT.set(t, agg);
  }
  return [...byT].sort((a, b) => a[0] - b[0]).map(([t, a]): BucketTuple => [t, a.count, a.sum, a.min, a.max, a.last]);
}
