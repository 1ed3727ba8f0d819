/**
 * The raw rows one store connection committed since its last fold, kept in memory as one
 * merged rollup per cell (`JournalCell`), so a fold and a read of open cells neither read the
 * rows back from the database nor sort them. Under a series-heavy ingest (one row per series
 * and second of each write: 2,000 points over 1,000 series is 1,000 rows) reading the rows back
 * was the largest part of a fold's cost, and a live preview read a few times a second merged
 * them again. Here a write's rows cost a few numbers each until they join their cell, and a
 * cell costs the same whatever its rows.
 *
 * The database stays the truth. The journal is used only when it holds exactly the rows that
 * wait, `(folded, last]` as the database says. When another connection (a worker on the same
 * data dir) wrote rows in between, or folded some of ours, or dropped series (the index
 * generation moved), it does not match and the rows are read back until this connection's next
 * fold. Rows join only once their transaction committed. A cell keeps the time spans of its
 * rows: rows may arrive in any order (concurrent requests), and as long as no two spans overlap
 * no timestamp is there twice and the rollups simply merge. A cell with overlapping rows (a
 * retried or replaced point) is marked, and its fold reads its rows back (`foldFromRows`).
 * Bounded: past `maxCells` cells (folds keep failing, e.g. disk full) the journal forgets
 * itself until the next fold.
 */
import type { PendingRow } from "./fold-plan.js";

/** Cells the journal holds at most; past it, waiting rows are read back from the database. */
export const JOURNAL_MAX_CELLS = 200_000;

/**
 * A cell's waiting rows merged: their rollup, the oldest (`firstTs`) and newest (`lastTs`)
 * timestamps of all; `seq` is the first row's. `disjoint`: no two rows' time spans overlap, so
 * the rollup is exact unless the cell's folded points overlap them too.
 */
export interface JournalCell extends PendingRow {
  disjoint: boolean;
  /** The rows' spans `[first, last, …]` sorted, while disjoint (then dropped). */
  spans: number[] | undefined;
}

/** Adds span [first, last] to sorted disjoint `spans`; false (nothing added) when it overlaps one. */
function addSpan(spans: number[], first: number, last: number): boolean {
  let i = spans.length;
  // Rows mostly come in time order: search from the end.
  while (i > 0 && (spans[i - 2] as number) > first) i -= 2;
  if (i > 0 && (spans[i - 1] as number) >= first) return false;
  if (i < spans.length && (spans[i] as number) <= last) return false;
  spans.splice(i, 0, first, last);
  return true;
}

/** Waiting cells by second start (ms), then by sid. */
export type JournalCells = ReadonlyMap<number, ReadonlyMap<number, JournalCell>>;

/** Numbers a tentative row takes in `tentative`. */
const ROW = 10;

/** The waiting rows this connection wrote; see the file comment. */
export class PendingJournal {
  /** Committed rows since the last fold; undefined: not known (read them back). */
  private bySecond: Map<number, Map<number, JournalCell>> | undefined = undefined;
  private rows = 0;
  private cells = 0;
  /** Lowest seq held. */
  private firstSeq = Number.POSITIVE_INFINITY;
  /** The series index generation the rows were written under (a drop of series moves it). */
  private gen = -1;
  /** Rows of the transaction in progress, `ROW` numbers each (no object per row). */
  private tentative: number[] = [];

  constructor(private readonly maxCells = JOURNAL_MAX_CELLS) {}

  /** Cells of the committed rows held; undefined when the journal forgot itself (rows are read back). */
  get cellCount(): number | undefined {
    return this.bySecond === undefined ? undefined : this.cells;
  }

  /** Notes a row appended in the transaction in progress: its seq, cell, rollup and first timestamp. */
  add(
    seq: number,
    sid: number,
    t: number,
    a: { count: number; sum: number; min: number; max: number; last: number; lastTs: number },
    firstTs: number,
  ): void {
    if (this.bySecond !== undefined)
      this.tentative.push(seq, sid, t, a.count, a.sum, a.min, a.max, a.last, a.lastTs, firstTs);
  }

  /** The transaction in progress committed: its rows wait to be folded. */
  commit(): void {
    const by = this.bySecond;
    const r = this.tentative;
    this.tentative = [];
    if (by === undefined) return;
    for (let i = 0; i < r.length; i += ROW) {
      const seq = r[i] as number;
      const sid = r[i + 1] as number;
      const t = r[i + 2] as number;
      let second = by.get(t);
      if (second === undefined) by.set(t, (second = new Map()));
      const cell = second.get(sid);
      const lastTs = r[i + 8] as number;
      const firstTs = r[i + 9] as number;
      if (cell === undefined) {
        second.set(sid, {
          seq,
          sid,
          t,
          count: r[i + 3] as number,
          sum: r[i + 4] as number,
          min: r[i + 5] as number,
          max: r[i + 6] as number,
          last: r[i + 7] as number,
          lastTs,
          firstTs,
          disjoint: true,
          spans: [firstTs, lastTs],
        });
        this.cells++;
      } else {
        if (cell.spans !== undefined && !addSpan(cell.spans, firstTs, lastTs)) {
          cell.disjoint = false;
          cell.spans = undefined;
        }
        cell.count += r[i + 3] as number;
        cell.sum += r[i + 4] as number;
        if ((r[i + 5] as number) < cell.min) cell.min = r[i + 5] as number;
        if ((r[i + 6] as number) > cell.max) cell.max = r[i + 6] as number;
        if (lastTs >= cell.lastTs) {
          cell.last = r[i + 7] as number;
          cell.lastTs = lastTs;
        }
        if (firstTs < cell.firstTs) cell.firstTs = firstTs;
      }
      if (seq < this.firstSeq) this.firstSeq = seq;
      this.rows++;
    }
    if (this.cells > this.maxCells) this.bySecond = undefined;
  }

  /** The transaction in progress rolled back: its rows were never written. */
  rollback(): void {
    this.tentative = [];
  }

  /** Nothing waits (a fold committed, or none waited) under index generation `gen`. */
  folded(gen: number): void {
    this.bySecond = new Map();
    this.rows = 0;
    this.cells = 0;
    this.firstSeq = Number.POSITIVE_INFINITY;
    this.gen = gen;
    this.tentative = [];
  }

  /**
   * The cells of the rows with seq in `(folded, last]`, when the journal holds exactly those
   * rows (call in the transaction that read `folded`, `last` and the index generation `gen`);
   * undefined when it does not (read them back).
   */
  between(folded: number, last: number, gen: number): JournalCells | undefined {
    if (this.bySecond === undefined || gen !== this.gen) return undefined;
    if (this.firstSeq <= folded) {
      // Another connection folded some of ours: which are left is not known here.
      this.bySecond = undefined;
      return undefined;
    }
    // Seqs are distinct and all in (folded, last]: as many as the range holds means all of them.
    return this.rows === last - folded ? this.bySecond : undefined;
  }
}

/** Every cell of `cells`. */
export function* everyCell(cells: JournalCells): Generator<JournalCell> {
  for (const bySid of cells.values()) yield* bySid.values();
}
