/**
 * Pruning the SQLite store's points (`SqliteStore.prune`): the raw rows of seconds past the 1 s
 * retention, the cells and buckets past theirs, and the series no resolution holds any more, in
 * transactions of about `PRUNE_ROWS` rows with a turn of the event loop between them, so the
 * writes queued meanwhile commit in between. The raw rows of a minute of a 100,000 points/s
 * ingest are 3,000,000; deleted in one transaction they held the store thread (and every write
 * behind it) for seconds.
 */
import { setImmediate as turn } from "node:timers/promises";
import type Database from "better-sqlite3";
import type { SqlitePoints } from "./sqlite-points.js";
import type { SqliteSeries } from "./sqlite-series.js";
import type { PruneResult, Resolution } from "./store.js";

/** Rows one prune transaction deletes, about (see the file comment). */
export const PRUNE_ROWS = 10_000;

/** Series one prune transaction looks at, at most (it stops at `PRUNE_ROWS` rows deleted). */
const PRUNE_SERIES = 500;

/** The pruning of one connection's points tables; see the file comment. */
export class SqlitePrune {
  private readonly st;

  constructor(
    private readonly db: Database.Database,
    private readonly points: SqlitePoints,
    private readonly series: SqliteSeries,
    private readonly resolutions: readonly Resolution[],
  ) {
    this.st = {
      rawBefore: db.prepare("DELETE FROM raw WHERE t < ?"),
      rawCellAt: db.prepare("SELECT t, sid FROM raw WHERE t < ? ORDER BY t, sid LIMIT 1 OFFSET ?").raw(),
      rawCellsTo: db.prepare("DELETE FROM raw WHERE (t, sid) <= (?, ?)"),
    };
  }

  /** Prunes what is past its retention at `nowMs` (throws SQLite's errors as they come). */
  async run(nowMs: number): Promise<PruneResult> {
    const result: PruneResult = { rows: 0, series: 0 };
    const coarsest = this.resolutions.at(-1) as Resolution;
    // Cells outlive their window by one coarsest bucket: a replaced point can always recompute
    // the coarse buckets around it from their cells.
    const cellCutoff = nowMs - (this.resolutions[0] as Resolution).retentionMs - coarsest.ms;
    this.points.fold();
    for (;;) {
      const { rows, more } = this.db.transaction(() => this.raw(cellCutoff)).immediate();
      result.rows += rows;
      if (!more) break;
      await turn();
    }
    const bucketsBefore = this.resolutions.slice(1).map((r) => nowMs - r.retentionMs);
    let after = 0;
    for (;;) {
      const sids = this.series.sidsAfter(after, PRUNE_SERIES);
      if (sids.length === 0) break;
      result.rows += this.db
        .transaction(() => {
          let rows = 0;
          for (const sid of sids) {
            rows += this.points.pruneSeries(sid, cellCutoff, bucketsBefore);
            after = sid;
            if (rows >= PRUNE_ROWS) break;
          }
          return rows;
        })
        .immediate();
      await turn();
    }
    result.series = this.db
      .transaction(() => {
        const rows = this.series.expired(nowMs - coarsest.retentionMs - coarsest.ms);
        this.series.drop(rows);
        return rows.length;
      })
      .immediate();
    return result;
  }

  /**
   * Deletes raw rows of seconds before `t`, about `PRUNE_ROWS` of them: those up to the cell of
   * the `PRUNE_ROWS`-th oldest, by the `(t, sid)` index (at least one cell's, so it progresses;
   * in the caller's transaction, after a fold). `more` when some may be left.
   */
  private raw(t: number): { rows: number; more: boolean } {
    const at = this.st.rawCellAt.get(t, PRUNE_ROWS - 1) as [number, number] | undefined;
    if (at === undefined) return { rows: this.st.rawBefore.run(t).changes, more: false };
    return { rows: this.st.rawCellsTo.run(at[0], at[1]).changes, more: true };
  }
}
