/**
 * The points of the SQLite store: raw rows, 1-second cells and coarse buckets.
 *
 * A write appends one `raw` row per series and second it touches (its points as one blob and
 * their rollup), numbered by `seq` in write order: the rows of a write land side by side at the
 * end of the table (a 5,000-point write dirties ~25 pages instead of ~430 when each series'
 * cell and buckets were updated in place), and nothing is read. Folding (`fold`) then brings
 * `cells` and `buckets` up to date with every row above the `folded` mark, in one transaction
 * for many writes (`fold-plan.ts` has the rules). Reads fold first, so they see every committed
 * write; the writer folds once enough rows wait (`FOLD_AFTER_CELLS`), so the rows waiting stay
 * few. A replaced point is a later row with the same timestamp; folding compacts a cell whose
 * rows repeat a timestamp into one row, so retries do not pile up.
 */
import type Database from "better-sqlite3";
import { type Agg, type AggRow, aggOf, aggOfRow, decodeRaw, emptyAgg, encodeRaw, mergeAgg } from "./cell.js";
import { CellTextCache } from "./cell-text-cache.js";
import { everyCell, type JournalCell, type JournalCells, PendingJournal } from "./pending-journal.js";
import {
  type CellFold,
  type CellRow,
  type FoldedCell,
  foldedBuckets,
  foldFromRows,
  type PendingRow,
  planFold,
  planFoldCells,
  type TimedAgg,
} from "./fold-plan.js";
import type { BucketTuple, Resolution, StoreStats } from "./store.js";
import type { CellGroup } from "./write-plan.js";

/**
 * When the writer folds by itself: once the rows this connection wrote since its last fold make
 * `FOLD_AFTER_CELLS` cells, or `FOLD_AFTER_ROWS` rows whatever their cells. A fold costs per
 * cell it changes and per page those cells and their buckets sit on, not per row (the journal
 * holds each cell's rows merged, `pending-journal.ts`): once a series' history fills a page, its
 * newest cell and buckets sit on pages of their own, and every fold rewrites them all. So rows
 * that keep landing in the same cells fold best rarely. Under the ui bench's ingest (2,000-point
 * bodies over 1,000 series, 50 a second: 1,000 rows each, 1,000 cells a second), folding every
 * 20,000 rows (0.4 s) held the store thread 7 % of the time, 28 ms a fold; every 100,000 rows
 * (2 s), 1.8 %, 37 ms a fold. A series-heavy ingest (a cell per row) folds every 20,000 rows as
 * before: a fold of that many cells takes tens of ms, and a read of ranges folds first.
 */
export const FOLD_AFTER_CELLS = 20_000;
/** Rows after which the writer folds whatever their cells (see `FOLD_AFTER_CELLS`). */
export const FOLD_AFTER_ROWS = 100_000;

/** Raw rows per INSERT statement of a write (a write's rows go in statements of this many: a
 * statement's call costs as much as inserting a row, and 1,000 rows are common). */
const RAW_PER_INSERT = 32;

/** Values of one raw row. */
const RAW_COLUMNS = 11;

/** What the coarse buckets need of a folded cell (`CellFold.added`). */
type CoarseFold = Pick<CellFold, "sid" | "t" | "added">;

/** Prepared statements of the points tables. */
function statements(db: Database.Database) {
  return {
    seq: db.prepare("SELECT v FROM meta WHERE k = 'seq'").pluck(),
    folded: db.prepare("SELECT v FROM meta WHERE k = 'folded'").pluck(),
    gen: db.prepare("SELECT v FROM meta WHERE k = 'gen'").pluck(),
    changedAfter: db.prepare<[number], [number, number]>("SELECT sid, t FROM raw WHERE seq > ?").raw(),
    setSeq: db.prepare("UPDATE meta SET v = ? WHERE k = 'seq'"),
    setFolded: db.prepare("UPDATE meta SET v = ? WHERE k = 'folded'"),
    waiting: db
      .prepare("SELECT (SELECT v FROM meta WHERE k = 'seq') - (SELECT v FROM meta WHERE k = 'folded')")
      .pluck(),
    putRaw: db.prepare("INSERT INTO raw VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
    putRaws: db.prepare(
      `INSERT INTO raw VALUES ${Array(RAW_PER_INSERT).fill("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)").join(", ")}`,
    ),
    pending: db.prepare<[number], PendingRow>(
      "SELECT seq, t, sid, count, sum, min, max, last, last_ts AS lastTs, first_ts AS firstTs FROM raw WHERE seq > ? ORDER BY seq",
    ),
    cellRows: db.prepare<[number, number], { seq: number; pts: Buffer }>(
      "SELECT seq, pts FROM raw WHERE t = ? AND sid = ? ORDER BY seq",
    ),
    dropCellRows: db.prepare("DELETE FROM raw WHERE t = ? AND sid = ?"),
    getCell: db.prepare<[number, number], AggRow & { first_ts: number }>(
      "SELECT count, sum, min, max, last, last_ts, first_ts FROM cells WHERE sid = ? AND t = ?",
    ),
    putCell: db.prepare("INSERT OR REPLACE INTO cells VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"),
    // Merges new points into a cell, unless their time span overlaps its points' (no change).
    mergeCell: db.prepare(
      `INSERT INTO cells VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sid, t) DO UPDATE SET
         count = count + excluded.count, sum = sum + excluded.sum,
         min = min(min, excluded.min), max = max(max, excluded.max),
         last = CASE WHEN excluded.last_ts >= last_ts THEN excluded.last ELSE last END,
         last_ts = max(last_ts, excluded.last_ts), first_ts = min(first_ts, excluded.first_ts)
       WHERE excluded.first_ts > last_ts OR excluded.last_ts < first_ts`,
    ),
    cellRange: db
      .prepare("SELECT t, count, sum, min, max, last FROM cells WHERE sid = ? AND t >= ? AND t < ? ORDER BY t LIMIT ?")
      .raw(),
    cellAggs: db.prepare<[number, number, number], AggRow & { t: number }>(
      "SELECT t, count, sum, min, max, last, last_ts FROM cells WHERE sid = ? AND t >= ? AND t < ?",
    ),
    bucketAggs: db.prepare<[number, number, number, number], AggRow & { t: number }>(
      "SELECT t, count, sum, min, max, last, last_ts FROM buckets WHERE res = ? AND sid = ? AND t >= ? AND t < ?",
    ),
    mergeBucket: db.prepare(
      `INSERT INTO buckets VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (res, sid, t) DO UPDATE SET
         count = count + excluded.count, sum = sum + excluded.sum,
         min = min(min, excluded.min), max = max(max, excluded.max),
         last = CASE WHEN excluded.last_ts >= last_ts THEN excluded.last ELSE last END,
         last_ts = max(last_ts, excluded.last_ts)`,
    ),
    putBucket: db.prepare("INSERT OR REPLACE INTO buckets VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"),
    bucketRange: db
      .prepare(
        "SELECT t, count, sum, min, max, last FROM buckets WHERE res = ? AND sid = ? AND t >= ? AND t < ? ORDER BY t LIMIT ?",
      )
      .raw(),
    deleteCells: db.prepare("DELETE FROM cells WHERE sid = ? AND t < ?"),
    deleteBuckets: db.prepare("DELETE FROM buckets WHERE res = ? AND sid = ? AND t < ?"),
    deleteRawOf: db.prepare("DELETE FROM raw WHERE sid IN (SELECT value FROM json_each(?))"),
  };
}

/** The points tables of one SQLite connection. */
export class SqlitePoints {
  private readonly st;
  private readonly coarseMs: number[];
  /** Rows this connection wrote since it last folded. */
  private unfolded = 0;
  /** The cells as JSON text, for `rangesText`. */
  private readonly text: CellTextCache;
  /** The rows this connection committed since its last fold (`pending-journal.ts`). */
  private readonly journal = new PendingJournal();

  constructor(
    private readonly db: Database.Database,
    resolutions: readonly Resolution[],
    private readonly stats: StoreStats,
  ) {
    this.st = statements(db);
    this.coarseMs = resolutions.slice(1).map((r) => r.ms);
    this.text = new CellTextCache((sid, from, to) => this.st.cellRange.all(sid, from, to, 61) as unknown[][]);
    if (!this.waiting()) this.journal.folded(this.st.gen.get() as number);
  }

  /**
   * Appends `groups` as raw rows, in the caller's transaction (after `seq`, the number of the
   * last row written; returns the new last). Nothing is read.
   */
  append(groups: readonly CellGroup[], seq: number): number {
    const values: unknown[] = [];
    for (const g of groups) {
      const a = aggOf(g.pairs);
      const first = g.pairs[0] as number;
      values.push(++seq, g.t, g.sid, a.count, a.sum, a.min, a.max, a.last, a.lastTs, first, encodeRaw(g.pairs));
      if (values.length === RAW_PER_INSERT * RAW_COLUMNS) {
        this.st.putRaws.run(values);
        values.length = 0;
      }
      this.journal.add(seq, g.sid, g.t, a, first);
    }
    for (let i = 0; i < values.length; i += RAW_COLUMNS) this.st.putRaw.run(values.slice(i, i + RAW_COLUMNS));
    this.unfolded += groups.length;
    return seq;
  }

  /** Inserts raw row `seq`: the `points` of `sid` in second `t`, with their rollup `a`. */
  private putRaw(seq: number, sid: number, t: number, a: Agg, points: Float64Array): void {
    this.st.putRaw.run(seq, t, sid, a.count, a.sum, a.min, a.max, a.last, a.lastTs, points[0], encodeRaw(points));
  }

  /** The transaction that appended rows committed or rolled back (`SqliteStore` tells after each write's). */
  settled(committed: boolean): void {
    if (committed) this.journal.commit();
    else this.journal.rollback();
  }

  /** Number of the last raw row written (by any connection). */
  lastSeq(): number {
    return this.st.seq.get() as number;
  }

  /** Records the last row number (in the caller's transaction, after `append`). */
  setLastSeq(seq: number): void {
    this.st.setSeq.run(seq);
  }

  /** Whether this connection wrote enough since its last fold to fold again (`FOLD_AFTER_CELLS`). */
  get dueForFold(): boolean {
    // A journal that forgot itself counts a cell per row.
    const cells = this.journal.cellCount ?? this.unfolded;
    return cells >= FOLD_AFTER_CELLS || this.unfolded >= FOLD_AFTER_ROWS;
  }

  /** Whether rows wait to be folded (written by any connection). */
  waiting(): boolean {
    return (this.st.waiting.get() as number) > 0;
  }

  /** Folds every waiting row into cells and buckets, in one transaction; returns the cells changed. */
  fold(): number {
    let gen = this.st.gen.get() as number;
    const cells = this.waiting()
      ? this.db
          .transaction(() => {
            gen = this.st.gen.get() as number;
            return this.applyFold();
          })
          .immediate()
      : 0;
    this.journal.folded(gen);
    this.unfolded = 0;
    return cells;
  }

  /**
   * Folds unless that would wait: false when another connection holds the write lock (a worker
   * writing) or the fold cannot be written (disk full). Reads must not block the event loop on
   * another process's transaction (better-sqlite3 waits synchronously).
   */
  tryFold(): boolean {
    const timeout = this.db.pragma("busy_timeout", { simple: true }) as number;
    this.db.pragma("busy_timeout = 0");
    try {
      this.fold();
      return true;
    } catch (err) {
      const code = String((err as { code?: unknown }).code ?? "");
      if (code.startsWith("SQLITE_BUSY") || code === "SQLITE_FULL" || code.startsWith("SQLITE_IOERR")) return false;
      throw err;
    } finally {
      this.db.pragma(`busy_timeout = ${timeout}`);
    }
  }

  /**
   * Runs `read` on rollups that include every row written, so it sees every acknowledged point:
   * after a fold; or, when the fold cannot be done now (`tryFold`), in one read transaction with
   * the fold's plan for `read` to apply in memory (`foldedBuckets`), nothing written.
   */
  private reading<T>(read: (plan: CellFold[] | undefined) => T): T {
    if (!this.waiting() || this.tryFold()) return read(undefined);
    return this.db.transaction(() => read(this.plan(this.st.folded.get() as number)))();
  }

  /**
   * The fold, in the caller's transaction. A cell of the journal whose rows do not overlap is
   * merged into its stored rollup by one statement that also checks they do not overlap its
   * points (`mergeCell`), instead of reading the stored rollup first: those reads were ~40 % of
   * a fold, and a fold holds the store thread (the writes queued behind it wait). The others are
   * planned (`planFold`, `foldFromRows`) and written whole.
   */
  private applyFold(): number {
    const folded = this.st.folded.get() as number;
    const seq = { last: this.st.seq.get() as number };
    const mine = this.journalCells(folded);
    const folds: CoarseFold[] = [];
    if (mine === undefined)
      for (const c of planFold(this.st.pending.all(folded), folded, this.storedCell, this.rowsOfCell))
        folds.push(this.putFold(c, seq));
    else
      for (const c of everyCell(mine)) {
        if (
          c.disjoint &&
          this.st.mergeCell.run(c.sid, c.t, c.count, c.sum, c.min, c.max, c.last, c.lastTs, c.firstTs).changes > 0
        )
          folds.push({ sid: c.sid, t: c.t, added: c });
        else folds.push(this.putFold(foldFromRows(c.sid, c.t, this.rowsOfCell(c.sid, c.t), folded), seq));
      }
    this.foldCoarse(folds);
    this.st.setSeq.run(seq.last);
    this.st.setFolded.run(seq.last);
    return folds.length;
  }

  /** Writes a planned cell (and its compacted raw row, numbered after `seq.last`). */
  private putFold(c: CellFold, seq: { last: number }): CellFold {
    const a = c.cell;
    this.st.putCell.run(c.sid, c.t, a.count, a.sum, a.min, a.max, a.last, a.lastTs, a.firstTs);
    if (c.compacted !== undefined) {
      this.st.dropCellRows.run(c.t, c.sid);
      this.putRaw(++seq.last, c.sid, c.t, a, c.compacted);
    }
    return c;
  }

  /** The fold of the rows above `folded`, from the journal or read back (nothing written). */
  private plan(folded: number): CellFold[] {
    const mine = this.journalCells(folded);
    if (mine !== undefined) return planFoldCells(everyCell(mine), folded, this.storedCell, this.rowsOfCell);
    return planFold(this.st.pending.all(folded), folded, this.storedCell, this.rowsOfCell);
  }

  /** The journal's rows above `folded` by cell, when it holds exactly those (in the caller's transaction). */
  private journalCells(folded: number): JournalCells | undefined {
    return this.journal.between(folded, this.st.seq.get() as number, this.st.gen.get() as number);
  }

  /** A cell's folded rollup, as `planFold` reads it. */
  private readonly storedCell = (sid: number, t: number): FoldedCell | undefined => {
    const row = this.st.getCell.get(sid, t);
    return row === undefined ? undefined : { ...aggOfRow(row), firstTs: row.first_ts };
  };

  /** Every raw row of a cell, in write order, as `planFold` reads them. */
  private readonly rowsOfCell = (sid: number, t: number): CellRow[] =>
    this.st.cellRows.all(t, sid).map((r): CellRow => ({ seq: r.seq, points: decodeRaw(r.pts) ?? new Float64Array(0) }));

  /** Merges what the fold added into the coarse buckets, or recomputes those a replaced point touched. */
  private foldCoarse(plan: readonly CoarseFold[]): void {
    for (const res of this.coarseMs) {
      const changes = new Map<string, { sid: number; t: number; add: Agg | undefined }>();
      for (const c of plan) {
        const t = Math.floor(c.t / res) * res;
        const key = `${c.sid}:${t}`;
        const change = changes.get(key);
        if (c.added === undefined) {
          if (change === undefined) changes.set(key, { sid: c.sid, t, add: undefined });
          else change.add = undefined;
        } else if (c.added.count > 0) {
          if (change === undefined) changes.set(key, { sid: c.sid, t, add: { ...c.added } });
          else if (change.add !== undefined) mergeAgg(change.add, c.added);
        }
      }
      for (const { sid, t, add } of changes.values()) {
        if (add !== undefined) {
          this.st.mergeBucket.run(res, sid, t, add.count, add.sum, add.min, add.max, add.last, add.lastTs);
          continue;
        }
        this.stats.cellsRecomputed++;
        const a = emptyAgg();
        for (const row of this.st.cellAggs.iterate(sid, t, t + res)) mergeAgg(a, aggOfRow(row));
        this.st.putBucket.run(res, sid, t, a.count, a.sum, a.min, a.max, a.last, a.lastTs);
      }
    }
  }

  /**
   * Buckets of `sid` at resolution `res` (0: the 1-second cells) starting in [from, to), with
   * every written row folded in.
   */
  range(sid: number, res: number, from: number, to: number, limit: number): BucketTuple[] {
    return this.reading((all) =>
      this.rangeWith(
        all?.filter((c) => c.sid === sid),
        sid,
        res,
        from,
        to,
        limit,
      ),
    );
  }

  private rangeWith(
    plan: CellFold[] | undefined,
    sid: number,
    res: number,
    from: number,
    to: number,
    limit: number,
  ): BucketTuple[] {
    const ms = res === 0 ? 1000 : (this.coarseMs[res - 1] as number);
    if (plan === undefined || plan.length === 0) {
      if (res === 0) return this.st.cellRange.all(sid, from, to, limit) as BucketTuple[];
      return this.st.bucketRange.all(ms, sid, from, to, limit) as BucketTuple[];
    }
    const cellsIn = (t: number, end: number) => this.st.cellAggs.all(sid, t, end).map(timedAgg);
    const stored = res === 0 ? cellsIn(from, to) : this.st.bucketAggs.all(ms, sid, from, to).map(timedAgg);
    return foldedBuckets(stored, plan, ms, cellsIn)
      .filter((b) => b[0] >= from && b[0] < to)
      .slice(0, limit);
  }

  /**
   * `range(sid, 0, from, to, limit)` of each of `sids` (undefined: "[]") as JSON text, from the
   * cell text cache (`cell-text-cache.ts`) when every written row is folded, in one read
   * snapshot; else (rows wait and cannot be folded now) from `range`.
   */
  rangesText(sids: ReadonlyArray<number | undefined>, from: number, to: number, limit: number): string[] {
    if (!this.waiting() || this.tryFold()) {
      const texts = this.db.transaction(() => {
        // Another process may have written since the fold: then the rows are read below.
        if (this.waiting()) return undefined;
        this.text.sync(this.st.folded.get() as number, this.st.gen.get() as number, (after) =>
          this.st.changedAfter.iterate(after),
        );
        return sids.map((sid) => (sid === undefined ? "[]" : this.text.range(sid, from, to, limit)));
      })();
      if (texts !== undefined) return texts;
    }
    return sids.map((sid) => (sid === undefined ? "[]" : JSON.stringify(this.range(sid, 0, from, to, limit))));
  }

  /**
   * The 1-second cells starting at `t` of the series `sids` (undefined: none), with every written
   * row folded in. When the journal holds the waiting rows, nothing is written: their part in
   * these cells is folded in memory, in one read transaction. The live previews read this a few
   * times a second, and folding first made every preview a write transaction with its fsync.
   */
  cells(sids: ReadonlyArray<number | undefined>, t: number): Array<BucketTuple | undefined> {
    const read = this.db.transaction(() => {
      const folded = this.st.folded.get() as number;
      const mine = this.journalCells(folded);
      if (mine === undefined) return undefined;
      const second = mine.get(t);
      const groups: JournalCell[] = [];
      if (second !== undefined)
        for (const sid of new Set(sids)) {
          const cell = sid === undefined ? undefined : second.get(sid);
          if (cell !== undefined) groups.push(cell);
        }
      return this.cellsWith(planFoldCells(groups, folded, this.storedCell, this.rowsOfCell), sids, t);
    })();
    return read ?? this.reading((plan) => this.cellsWith(plan?.filter((c) => c.t === t) ?? [], sids, t));
  }

  /** The cells at `t` of `sids`: from `plan` (cells of second `t`, folded in memory), else stored. */
  private cellsWith(
    plan: readonly CellFold[],
    sids: ReadonlyArray<number | undefined>,
    t: number,
  ): Array<BucketTuple | undefined> {
    const planned = new Map<number, FoldedCell>();
    for (const c of plan) planned.set(c.sid, c.cell);
    return sids.map((sid) => {
      if (sid === undefined) return undefined;
      const row = planned.get(sid) ?? this.st.getCell.get(sid, t);
      return row === undefined ? undefined : [t, row.count, row.sum, row.min, row.max, row.last];
    });
  }

  /** Deletes every row of these series (in the caller's transaction). */
  drop(sids: readonly number[]): void {
    if (sids.length === 0) return;
    this.st.deleteRawOf.run(JSON.stringify(sids));
    for (const sid of sids) {
      this.st.deleteCells.run(sid, Number.MAX_SAFE_INTEGER);
      for (const res of this.coarseMs) this.st.deleteBuckets.run(res, sid, Number.MAX_SAFE_INTEGER);
    }
  }

  /** Deletes a series' cells before `cellsBefore` and its buckets past their retention (caller's transaction). */
  pruneSeries(sid: number, cellsBefore: number, bucketsBefore: readonly number[]): number {
    let rows = this.st.deleteCells.run(sid, cellsBefore).changes;
    for (let r = 0; r < this.coarseMs.length; r++)
      rows += this.st.deleteBuckets.run(this.coarseMs[r], sid, bucketsBefore[r]).changes;
    return rows;
  }
}

function timedAgg(row: AggRow & { t: number }): TimedAgg {
  return { t: row.t, ...aggOfRow(row) };
}
