/**
 * The embedded store: one SQLite file (`<dataDir>/dashwire.db`) in WAL mode, opened by every
 * worker of the machine (SQLite serializes their write transactions; readers never wait). Each
 * `write` is one `BEGIN IMMEDIATE` transaction that resolves once committed: with
 * `synchronous=FULL` (the default) the WAL is fsynced at every commit, so an acknowledged point
 * survives a process kill, an OS crash and a power cut; with `normal` it survives a process
 * kill (the WAL write is in the kernel before the ack), and an OS crash may lose the last commits.
 */
import { mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { ApiErrorCode } from "../errors.js";
import { type Agg, concatRaw, decodeRaw, emptyAgg, encodeRaw, mergeAgg } from "./cell.js";
import { migrateSqlite } from "./sqlite-schema.js";
import { type CachedSeries, SeriesCache } from "./series-cache.js";
import {
  type BucketTuple,
  type DashboardWrite,
  defaultResolutions,
  type Expect,
  type PointRefusal,
  type PruneResult,
  type Resolution,
  type SeriesInfo,
  type SeriesMatch,
  type SeriesPoint,
  type Store,
  type StoredDashboard,
  type StoreStats,
} from "./store.js";
import { StoreError } from "./store-error.js";
import { SqliteAlerts } from "./sqlite-alerts.js";
import { SqliteAnnotations } from "./sqlite-annotations.js";
import { SqliteDocs } from "./sqlite-docs.js";
import { sqliteFailure } from "./sqlite-failure.js";
import { SqliteLeases } from "./sqlite-leases.js";
import { groupBySecond, planWrite, type SidPoint } from "./write-plan.js";

/** Name of the database file in the data dir. */
export const SQLITE_FILE = "dashwire.db";

/** Options of `SqliteStore`. */
export interface SqliteStoreOptions {
  /** Directory of the database file (created when missing). */
  dataDir: string;
  /** `full`: fsync at every commit (survives power loss); `normal`: survives a process kill only. */
  sync: "full" | "normal";
  resolutions: readonly Resolution[];
  /** How long a write waits for another process's write transaction, ms. */
  busyTimeoutMs: number;
}

/** Defaults of `SqliteStoreOptions`. */
export const sqliteStoreDefaults: SqliteStoreOptions = {
  dataDir: ".data",
  sync: "full",
  resolutions: defaultResolutions,
  busyTimeoutMs: 5000,
};

/** A write waiting for the group commit. */
interface QueuedWrite {
  points: readonly SeriesPoint[];
  maxSeries: number;
  resolve: (refusals: PointRefusal[]) => void;
  reject: (err: unknown) => void;
}

/** Series whose rows one prune transaction handles (the rest in the next, after a turn). */
const PRUNE_CHUNK = 500;

interface CellRow {
  count: number;
  sum: number;
  min: number;
  max: number;
  last: number;
  last_ts: number;
  raw: Buffer | null;
}

/** The SQLite `Store`. */
export class SqliteStore implements Store {
  readonly kind = "sqlite";
  readonly stats: StoreStats = { writes: 0, cellsRecomputed: 0 };
  readonly options: SqliteStoreOptions;
  readonly resolutions: readonly Resolution[];
  readonly file: string;
  private readonly db: Database.Database;
  private readonly cache = new SeriesCache();
  private readonly coarseMs: number[];
  private queue: QueuedWrite[] = [];
  private readonly st;
  private readonly dashboards: SqliteDocs;
  readonly leases: SqliteLeases;
  readonly alerts: SqliteAlerts;
  readonly annotations: SqliteAnnotations;

  /** Opens (creating or migrating) the database in `options.dataDir`. */
  constructor(options: Partial<SqliteStoreOptions> = {}) {
    this.options = { ...sqliteStoreDefaults, ...options };
    this.resolutions = this.options.resolutions;
    this.coarseMs = this.resolutions.slice(1).map((r) => r.ms);
    mkdirSync(this.options.dataDir, { recursive: true });
    this.file = join(this.options.dataDir, SQLITE_FILE);
    const db = new Database(this.file, { timeout: this.options.busyTimeoutMs });
    this.db = db;
    try {
      db.pragma("journal_mode = WAL");
      db.pragma(`synchronous = ${this.options.sync === "full" ? "FULL" : "NORMAL"}`);
      migrateSqlite(db);
    } catch (err) {
      db.close();
      throw err;
    }
    this.st = {
      gen: db.prepare("SELECT v FROM meta WHERE k = 'gen'").pluck(),
      bumpGen: db.prepare("UPDATE meta SET v = v + 1 WHERE k = 'gen'"),
      seriesCount: db.prepare("SELECT v FROM meta WHERE k = 'series'").pluck(),
      claimSeries: db.prepare("UPDATE meta SET v = v + 1 WHERE k = 'series' AND v < ?"),
      releaseSeries: db.prepare("UPDATE meta SET v = max(0, v - ?) WHERE k = 'series'"),
      sidOf: db.prepare<[string], { sid: number; last_t: number }>("SELECT sid, last_t FROM series WHERE id = ?"),
      insertSeries: db.prepare("INSERT INTO series (id, name, tags, last_t) VALUES (?, ?, ?, 0)"),
      touchSeries: db.prepare("UPDATE series SET last_t = max(last_t, ?) WHERE sid = ?"),
      seriesFrom: db.prepare<[string], { sid: number; id: string; name: string; tags: string }>(
        "SELECT sid, id, name, tags FROM series WHERE id >= ? ORDER BY id",
      ),
      expired: db.prepare<[number], { sid: number; id: string }>("SELECT sid, id FROM series WHERE last_t < ?"),
      allSids: db.prepare("SELECT sid FROM series WHERE sid > ? ORDER BY sid LIMIT ?").pluck(),
      deleteSeries: db.prepare("DELETE FROM series WHERE sid = ?"),
      getCell: db.prepare<[number, number], Omit<CellRow, "raw">>(
        "SELECT count, sum, min, max, last, last_ts FROM cells WHERE sid = ? AND t = ?",
      ),
      getCellRaw: db.prepare("SELECT raw FROM cells WHERE sid = ? AND t = ?").pluck(),
      getSegs: db.prepare("SELECT pts FROM raw_segs WHERE sid = ? AND t = ? ORDER BY first_ts").pluck(),
      putCell: db.prepare("INSERT OR REPLACE INTO cells VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"),
      updateCell: db.prepare(
        "UPDATE cells SET count = ?, sum = ?, min = ?, max = ?, last = ?, last_ts = ? WHERE sid = ? AND t = ?",
      ),
      putSeg: db.prepare("INSERT INTO raw_segs VALUES (?, ?, ?, ?)"),
      dropSegs: db.prepare("DELETE FROM raw_segs WHERE sid = ? AND t = ?"),
      deleteSegs: db.prepare("DELETE FROM raw_segs WHERE sid = ? AND t < ?"),
      cellRange: db
        .prepare(
          "SELECT t, count, sum, min, max, last FROM cells WHERE sid = ? AND t >= ? AND t < ? ORDER BY t LIMIT ?",
        )
        .raw(),
      cellAggs: db.prepare<[number, number, number], Omit<CellRow, "raw">>(
        "SELECT count, sum, min, max, last, last_ts FROM cells WHERE sid = ? AND t >= ? AND t < ?",
      ),
      deleteCells: db.prepare("DELETE FROM cells WHERE sid = ? AND t < ?"),
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
      deleteBuckets: db.prepare("DELETE FROM buckets WHERE res = ? AND sid = ? AND t < ?"),
    };
    this.dashboards = new SqliteDocs(db, "dashboards");
    this.leases = new SqliteLeases(db);
    this.alerts = new SqliteAlerts(db, this.leases);
    this.annotations = new SqliteAnnotations(db);
  }

  /**
   * Group commit: writes that arrive in one turn of the event loop (requests read while the
   * last commit's fsync blocked the loop) share one transaction and one fsync; each still gets
   * its own refusals, and all resolve after the commit. The queue holds at most one turn's
   * requests (bounded by the open connections and the body limit).
   */
  write(points: readonly SeriesPoint[], maxSeries: number): Promise<PointRefusal[]> {
    if (points.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.queue.push({ points, maxSeries, resolve, reject });
      if (this.queue.length === 1) setImmediate(this.flush);
    });
  }

  private readonly flush = (): void => {
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0 || !this.db.open) {
      for (const w of batch) w.reject(new StoreError("unavailable", "the store is closed"));
      return;
    }
    let results: Array<ReturnType<typeof this.writeTx>>;
    try {
      results = this.db.transaction(() => batch.map((w) => this.writeTx(w.points, w.maxSeries))).immediate();
    } catch (err) {
      let failure: unknown = err;
      try {
        sqliteFailure(err);
      } catch (mapped) {
        failure = mapped;
      }
      // A failure of the database fails them all (nothing was kept); any other is one request's:
      // the others are written on their own.
      if (failure instanceof StoreError || batch.length === 1) for (const w of batch) w.reject(failure);
      else {
        this.queue = batch;
        this.flushAlone();
      }
      return;
    }
    this.stats.writes++;
    for (let i = 0; i < batch.length; i++) {
      const result = results[i] as ReturnType<typeof this.writeTx>;
      // Committed: only now does the cache learn the new ids and seconds.
      for (const [id, entry] of result.resolved) this.cache.set(id, entry);
      for (const [entry, t] of result.touched) if (t > entry.lastT) entry.lastT = t;
      (batch[i] as QueuedWrite).resolve(result.refusals);
    }
  };

  /** Flushes the queue one write per transaction (after a group failed for one of them). */
  private flushAlone(): void {
    const batch = this.queue;
    this.queue = [];
    for (const w of batch) {
      this.queue = [w];
      this.flush();
    }
  }

  private writeTx(points: readonly SeriesPoint[], maxSeries: number) {
    this.cache.sync(this.st.gen.get() as number);
    const st = this.st;
    const refusals: PointRefusal[] = [];
    const resolved = new Map<string, CachedSeries | null>();
    const bySid = new Map<number, CachedSeries>();
    const sidPoints: SidPoint[] = [];
    for (let i = 0; i < points.length; i++) {
      const p = points[i] as SeriesPoint;
      let entry = this.cache.get(p.id) ?? resolved.get(p.id);
      if (entry === undefined) {
        const row = st.sidOf.get(p.id);
        if (row !== undefined) entry = { sid: row.sid, lastT: row.last_t };
        else if (st.claimSeries.run(maxSeries).changes === 0) entry = null;
        else {
          const sid = Number(st.insertSeries.run(p.id, p.name, JSON.stringify(p.tags ?? {})).lastInsertRowid);
          entry = { sid, lastT: 0 };
        }
        resolved.set(p.id, entry);
      }
      if (entry === null) {
        refusals.push({
          index: i,
          code: ApiErrorCode.LimitReached,
          error: `series limit reached (${maxSeries}): new series ${p.id} refused`,
        });
        continue;
      }
      bySid.set(entry.sid, entry);
      sidPoints.push({ sid: entry.sid, ts: p.ts, value: p.value });
    }
    const groups = groupBySecond(sidPoints);
    const at = (i: number) => groups[i] as (typeof groups)[number];
    const plan = planWrite(
      groups,
      (i) => this.readCell(at(i).sid, at(i).t),
      (i) => this.readRaw(at(i).sid, at(i).t),
      this.coarseMs,
    );
    for (const { sid, t, cell, kind } of plan.cells) {
      const raw = encodeRaw(cell.raw as Float64Array);
      if (kind === "append") {
        st.updateCell.run(cell.count, cell.sum, cell.min, cell.max, cell.last, cell.lastTs, sid, t);
        st.putSeg.run(sid, t, cell.raw?.[0], raw);
        continue;
      }
      // A new cell, or every point of it rewritten into its first segment.
      st.putCell.run(sid, t, cell.count, cell.sum, cell.min, cell.max, cell.last, cell.lastTs, raw);
      if (kind === "rewrite") st.dropSegs.run(sid, t);
    }
    for (let r = 0; r < plan.coarse.length; r++) {
      const res = this.coarseMs[r] as number;
      for (const c of plan.coarse[r] ?? []) {
        if (c.add !== undefined) {
          const a = c.add;
          st.mergeBucket.run(res, c.sid, c.t, a.count, a.sum, a.min, a.max, a.last, a.lastTs);
          continue;
        }
        this.stats.cellsRecomputed++;
        const a = emptyAgg();
        for (const row of st.cellAggs.iterate(c.sid, c.t, c.t + res)) mergeAgg(a, aggOfRow(row));
        st.putBucket.run(res, c.sid, c.t, a.count, a.sum, a.min, a.max, a.last, a.lastTs);
      }
    }
    // The series' newest second, written once per series and second (what expiry reads).
    // Groups are sorted by (sid, t): a series' last group holds its newest second.
    const touched: Array<[CachedSeries, number]> = [];
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i] as (typeof groups)[number];
      if (groups[i + 1]?.sid === g.sid) continue;
      const entry = bySid.get(g.sid) as CachedSeries;
      if (g.t <= entry.lastT) continue;
      st.touchSeries.run(g.t, g.sid);
      touched.push([entry, g.t]);
    }
    const fresh = [...resolved].filter((e): e is [string, CachedSeries] => e[1] !== null);
    return { refusals, resolved: fresh, touched };
  }

  private readCell(sid: number, t: number): Agg | undefined {
    const row = this.st.getCell.get(sid, t);
    return row === undefined ? undefined : aggOfRow(row);
  }

  /** Every stored point of a cell: its first segment, then those appended. */
  private readRaw(sid: number, t: number): Float64Array | undefined {
    const first = decodeRaw(this.st.getCellRaw.get(sid, t) as Buffer | null);
    const segs = this.st.getSegs.all(sid, t) as Buffer[];
    return segs.length === 0 ? first : concatRaw([first, ...segs.map((b) => decodeRaw(b))]);
  }

  /** The sid of `id` (cached, else from the database). */
  private sidOf(id: string): number | undefined {
    this.cache.sync(this.st.gen.get() as number);
    const cached = this.cache.get(id);
    if (cached !== undefined) return cached.sid;
    const row = this.st.sidOf.get(id);
    if (row === undefined) return undefined;
    this.cache.set(id, { sid: row.sid, lastT: row.last_t });
    return row.sid;
  }

  async query(id: string, res: number, from: number, to: number, limit: number): Promise<BucketTuple[]> {
    const sid = this.sidOf(id);
    if (sid === undefined || res < 0 || res >= this.resolutions.length) return [];
    if (res === 0) return this.st.cellRange.all(sid, from, to, limit) as BucketTuple[];
    return this.st.bucketRange.all(this.coarseMs[res - 1], sid, from, to, limit) as BucketTuple[];
  }

  async cells(ids: readonly string[], t: number): Promise<Array<[string, BucketTuple]>> {
    const out: Array<[string, BucketTuple]> = [];
    for (const id of ids) {
      const sid = this.sidOf(id);
      const row = sid === undefined ? undefined : this.st.getCell.get(sid, t);
      if (row !== undefined) out.push([id, [t, row.count, row.sum, row.min, row.max, row.last]]);
    }
    return out;
  }

  async listSeries(match: SeriesMatch, limit: number): Promise<SeriesInfo[]> {
    const out: SeriesInfo[] = [];
    for (const row of this.matching(match)) {
      if (out.length >= limit) break;
      out.push({ id: row.id, name: row.name, tags: JSON.parse(row.tags) as SeriesInfo["tags"] });
    }
    return out;
  }

  private *matching(match: SeriesMatch): Generator<{ sid: number; id: string; name: string; tags: string }> {
    const start = "exact" in match ? match.exact : match.prefix;
    for (const row of this.st.seriesFrom.iterate(start)) {
      if ("exact" in match ? row.id !== match.exact : !row.id.startsWith(match.prefix)) return;
      yield row;
    }
  }

  async deleteSeries(match: SeriesMatch): Promise<number> {
    try {
      return this.db
        .transaction(() => {
          const rows = [...this.matching(match)];
          this.dropSeries(rows);
          return rows.length;
        })
        .immediate();
    } catch (err) {
      sqliteFailure(err);
    }
  }

  /** Removes series and all their rows (in the caller's transaction), and tells other processes. */
  private dropSeries(rows: ReadonlyArray<{ sid: number; id: string }>): void {
    if (rows.length === 0) return;
    for (const { sid } of rows) {
      this.st.deleteCells.run(sid, Number.MAX_SAFE_INTEGER);
      this.st.deleteSegs.run(sid, Number.MAX_SAFE_INTEGER);
      for (const res of this.coarseMs) this.st.deleteBuckets.run(res, sid, Number.MAX_SAFE_INTEGER);
      this.st.deleteSeries.run(sid);
    }
    this.st.releaseSeries.run(rows.length);
    this.st.bumpGen.run();
  }

  async seriesCount(): Promise<number> {
    return this.st.seriesCount.get() as number;
  }

  async diskBytes(): Promise<number> {
    let bytes = 0;
    for (const suffix of ["", "-wal"]) bytes += statSync(this.file + suffix, { throwIfNoEntry: false })?.size ?? 0;
    return bytes;
  }

  async prune(nowMs: number): Promise<PruneResult> {
    const result: PruneResult = { rows: 0, series: 0 };
    const coarsest = this.resolutions.at(-1) as Resolution;
    // Cells outlive their window by one coarsest bucket: a replaced point can always recompute
    // the coarse buckets around it from their cells.
    const cellCutoff = nowMs - (this.resolutions[0] as Resolution).retentionMs - coarsest.ms;
    try {
      let after = 0;
      for (;;) {
        const sids = this.st.allSids.all(after, PRUNE_CHUNK) as number[];
        if (sids.length === 0) break;
        after = sids.at(-1) as number;
        result.rows += this.db
          .transaction(() => {
            let rows = 0;
            for (const sid of sids) {
              rows += this.st.deleteCells.run(sid, cellCutoff).changes;
              this.st.deleteSegs.run(sid, cellCutoff);
              for (let r = 1; r < this.resolutions.length; r++) {
                const { ms, retentionMs } = this.resolutions[r] as Resolution;
                rows += this.st.deleteBuckets.run(ms, sid, nowMs - retentionMs).changes;
              }
            }
            return rows;
          })
          .immediate();
        await new Promise((resolve) => setImmediate(resolve));
      }
      result.series = this.db
        .transaction(() => {
          const rows = this.st.expired.all(nowMs - coarsest.retentionMs - coarsest.ms);
          this.dropSeries(rows);
          return rows.length;
        })
        .immediate();
    } catch (err) {
      sqliteFailure(err);
    }
    await this.annotations.prune(nowMs - coarsest.retentionMs);
    return result;
  }

  async listDashboards(): Promise<StoredDashboard[]> {
    return this.dashboards.list();
  }

  async getDashboard(id: string): Promise<StoredDashboard | undefined> {
    return this.dashboards.get(id);
  }

  async putDashboard(id: string, body: string, expect: Expect, max: number): Promise<DashboardWrite> {
    return this.dashboards.put(id, body, expect, max);
  }

  async deleteDashboard(id: string, expect: Expect): Promise<DashboardWrite> {
    return this.dashboards.delete(id, expect);
  }

  /** Runs `sql` on the database (tests and tools: e.g. an online backup with `VACUUM INTO`). */
  exec(sql: string): void {
    this.db.exec(sql);
  }

  async close(): Promise<void> {
    // Writes already accepted into the queue are committed (or refused) before the file closes.
    if (this.queue.length > 0) this.flush();
    if (this.db.open) this.db.close();
  }
}

function aggOfRow(row: Omit<CellRow, "raw">): Agg {
  return { count: row.count, sum: row.sum, min: row.min, max: row.max, last: row.last, lastTs: row.last_ts };
}
