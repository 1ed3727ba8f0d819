/**
 * The embedded store: one SQLite file (`<dataDir>/dashwire.db`) in WAL mode, opened by every
 * worker of the machine (SQLite serializes their write transactions; readers never wait). Each
 * `write` is one `BEGIN IMMEDIATE` transaction that resolves once committed: with
 * `synchronous=FULL` (the default) the WAL is fsynced at every commit, so an acknowledged point
 * survives a process kill, an OS crash and a power cut; with `normal` it survives a process
 * kill (the WAL write is in the kernel before the ack), and an OS crash may lose the last commits.
 * How points are laid out (written in order, folded into rollups later): `sqlite-points.ts`.
 */
import { mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { migrateSqlite } from "./sqlite-schema.js";
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
  type WriteAndRead,
} from "./store.js";
import { StoreError } from "./store-error.js";
import { SqliteAlerts } from "./sqlite-alerts.js";
import { SqliteAnnotations } from "./sqlite-annotations.js";
import { SqliteDocs } from "./sqlite-docs.js";
import { sqliteFailure } from "./sqlite-failure.js";
import { SqliteLeases } from "./sqlite-leases.js";
import { SqlitePoints } from "./sqlite-points.js";
import { SqlitePrune } from "./sqlite-prune.js";
import { type SeriesWrite, SqliteSeries } from "./sqlite-series.js";

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
  /** Series whose cells it wrote are read back once it commits (`writeAndRead`). */
  readBack: readonly string[];
  resolve: (result: WriteAndRead) => void;
  reject: (err: unknown) => void;
}

/** Points a write may hold and still be committed ahead of larger writes queued with it. */
export const SMALL_WRITE_POINTS = 100;

/**
 * The small writes of `batch` to commit first, in a transaction of their own, when larger ones
 * wait with them: a client's few points (a probe, an interactive tool, a stat panel's source)
 * do not wait for other clients' bulk inserts (a 2,000-point body over 1,000 series takes
 * ~7 ms) at the cost of one more commit. Undefined when there is nothing to split, or when a
 * small write shares a series with a larger one: their order holds (the later write of a
 * timestamp wins).
 */
function smallAhead(batch: readonly QueuedWrite[]): QueuedWrite[] | undefined {
  const small = batch.filter((w) => w.points.length <= SMALL_WRITE_POINTS);
  if (small.length === 0 || small.length === batch.length) return undefined;
  const ids = new Set<string>();
  for (const w of small) for (const p of w.points) ids.add(p.id);
  for (const w of batch)
    if (w.points.length > SMALL_WRITE_POINTS) for (const p of w.points) if (ids.has(p.id)) return undefined;
  return small;
}

/** The SQLite `Store`. */
export class SqliteStore implements Store {
  readonly kind = "sqlite";
  readonly stats: StoreStats = { writes: 0, cellsRecomputed: 0 };
  readonly options: SqliteStoreOptions;
  readonly resolutions: readonly Resolution[];
  readonly file: string;
  private readonly db: Database.Database;
  private readonly points: SqlitePoints;
  private queue: QueuedWrite[] = [];
  private readonly series: SqliteSeries;
  private readonly pruner: SqlitePrune;
  private readonly dashboards: SqliteDocs;
  readonly leases: SqliteLeases;
  readonly alerts: SqliteAlerts;
  readonly annotations: SqliteAnnotations;

  /** Opens (creating or migrating) the database in `options.dataDir`. */
  constructor(options: Partial<SqliteStoreOptions> = {}) {
    this.options = { ...sqliteStoreDefaults, ...options };
    this.resolutions = this.options.resolutions;
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
    this.points = new SqlitePoints(db, this.resolutions, this.stats);
    this.series = new SqliteSeries(db, this.points);
    this.pruner = new SqlitePrune(db, this.points, this.series, this.resolutions);
    this.dashboards = new SqliteDocs(db, "dashboards");
    this.leases = new SqliteLeases(db);
    this.alerts = new SqliteAlerts(db, this.leases);
    this.annotations = new SqliteAnnotations(db);
  }

  /**
   * Group commit: writes that arrive in one turn of the event loop (requests read while the
   * last commit's fsync blocked the loop) share one transaction and one fsync; each still gets
   * its own refusals, and all resolve after the commit; small writes go ahead of large ones in
   * a transaction of their own (`smallAhead`). The queue holds at most one turn's requests
   * (bounded by the open connections and the body limit).
   */
  async write(points: readonly SeriesPoint[], maxSeries: number): Promise<PointRefusal[]> {
    if (points.length === 0) return [];
    return (await this.writeAndRead(points, maxSeries, [])).refusals;
  }

  /** `write`, answered with the cells it wrote of the `readBack` series, read in its commit's turn. */
  writeAndRead(points: readonly SeriesPoint[], maxSeries: number, readBack: readonly string[]): Promise<WriteAndRead> {
    if (points.length === 0) return Promise.resolve({ refusals: [], cells: [] });
    return new Promise((resolve, reject) => {
      this.queue.push({ points, maxSeries, readBack, resolve, reject });
      if (this.queue.length === 1) setImmediate(this.flush);
    });
  }

  private readonly flush = (): void => {
    this.commitLater(); // Normally none is left: the turn they were put off to comes first.
    const batch = this.queue;
    this.queue = [];
    const small = smallAhead(batch);
    if (small === undefined) this.commit(batch);
    else {
      this.commit(small);
      // The large ones in the next turn: the small ones' answers go out first (on the store
      // thread, a reply is posted in the turn that resolves it).
      this.later = batch.filter((w) => !small.includes(w));
      setImmediate(this.commitLater);
    }
  };

  /** Large writes a split flush left for the next turn. */
  private later: QueuedWrite[] | undefined;

  private readonly commitLater = (): void => {
    const later = this.later;
    this.later = undefined;
    if (later !== undefined) this.commit(later);
  };

  /** Writes `batch` in one transaction; see `write`. */
  private commit(batch: QueuedWrite[]): void {
    if (batch.length === 0 || !this.db.open) {
      for (const w of batch) w.reject(new StoreError("unavailable", "the store is closed"));
      return;
    }
    let results: SeriesWrite[];
    try {
      results = this.db
        .transaction(() => {
          const seq = { last: this.points.lastSeq() };
          const out = batch.map((w) => this.series.write(w.points, w.maxSeries, seq));
          this.points.setLastSeq(seq.last);
          return out;
        })
        .immediate();
    } catch (err) {
      this.points.settled(false);
      let failure: unknown = err;
      try {
        sqliteFailure(err);
      } catch (mapped) {
        failure = mapped;
      }
      // A failure of the database fails them all (nothing was kept); any other is one request's:
      // the others are written on their own.
      if (failure instanceof StoreError || batch.length === 1) for (const w of batch) w.reject(failure);
      else for (const w of batch) this.commit([w]);
      return;
    }
    this.points.settled(true);
    this.stats.writes++;
    for (let i = 0; i < batch.length; i++) {
      const result = results[i] as SeriesWrite;
      // Committed: only now does the cache learn the new ids and seconds.
      this.series.committed(result);
    }
    for (let i = 0; i < batch.length; i++) {
      const w = batch[i] as QueuedWrite;
      const refusals = (results[i] as SeriesWrite).refusals;
      w.resolve({ refusals, cells: w.readBack.length === 0 ? [] : this.readBack(w, refusals) });
    }
    if (this.points.dueForFold) setImmediate(this.foldQuietly);
  }

  /**
   * Folds written rows into the rollups outside any request, once enough wait
   * (`FOLD_AFTER_CELLS`), so few wait for the next read. When it cannot now (another worker
   * writes, disk full), they wait for the next read or fold.
   */
  private readonly foldQuietly = (): void => {
    if (this.db.open) this.points.tryFold();
  };

  /**
   * The cells `w` wrote of its `readBack` series, as `cells` reads them; none when the read
   * fails (the write committed all the same: its caller reads them later).
   */
  private readBack(w: QueuedWrite, refusals: readonly PointRefusal[]): Array<[string, BucketTuple]> {
    const wanted = new Set(w.readBack);
    const refused = new Set(refusals.map((r) => r.index));
    const bySecond = new Map<number, Set<string>>();
    for (let i = 0; i < w.points.length; i++) {
      const p = w.points[i] as SeriesPoint;
      if (!wanted.has(p.id) || refused.has(i)) continue;
      const t = Math.floor(p.ts / 1000) * 1000;
      let ids = bySecond.get(t);
      if (ids === undefined) bySecond.set(t, (ids = new Set()));
      ids.add(p.id);
    }
    const out: Array<[string, BucketTuple]> = [];
    try {
      for (const [t, ids] of bySecond) out.push(...this.cellsNow([...ids], t));
    } catch {
      return [];
    }
    return out;
  }

  /** Runs a read of points, mapping a failure of the database to a `StoreError`. */
  private read<T>(read: () => T): T {
    try {
      return read();
    } catch (err) {
      sqliteFailure(err);
    }
  }

  async query(id: string, res: number, from: number, to: number, limit: number): Promise<BucketTuple[]> {
    const sid = this.series.sidOf(id);
    if (sid === undefined || res < 0 || res >= this.resolutions.length) return [];
    return this.read(() => this.points.range(sid, res, from, to, limit));
  }

  async queryText(ids: readonly string[], res: number, from: number, to: number, limit: number): Promise<string[]> {
    if (res !== 0)
      return Promise.all(ids.map(async (id) => JSON.stringify(await this.query(id, res, from, to, limit))));
    return this.read(() => this.points.rangesText(this.series.sidsOf(ids), from, to, limit));
  }

  async cells(ids: readonly string[], t: number): Promise<Array<[string, BucketTuple]>> {
    return this.cellsNow(ids, t);
  }

  private cellsNow(ids: readonly string[], t: number): Array<[string, BucketTuple]> {
    return this.read(() => {
      const cells = this.points.cells(this.series.sidsOf(ids), t);
      const out: Array<[string, BucketTuple]> = [];
      for (let i = 0; i < ids.length; i++) {
        const cell = cells[i];
        if (cell !== undefined) out.push([ids[i] as string, cell]);
      }
      return out;
    });
  }

  async listSeries(match: SeriesMatch, limit: number): Promise<SeriesInfo[]> {
    const out: SeriesInfo[] = [];
    for (const row of this.series.matching(match)) {
      if (out.length >= limit) break;
      out.push({ id: row.id, name: row.name, tags: JSON.parse(row.tags) as SeriesInfo["tags"] });
    }
    return out;
  }

  async deleteSeries(match: SeriesMatch): Promise<number> {
    try {
      return this.db
        .transaction(() => {
          const rows = [...this.series.matching(match)];
          this.series.drop(rows);
          return rows.length;
        })
        .immediate();
    } catch (err) {
      sqliteFailure(err);
    }
  }

  async seriesCount(): Promise<number> {
    return this.series.count();
  }

  async diskBytes(): Promise<number> {
    let bytes = 0;
    for (const suffix of ["", "-wal"]) bytes += statSync(this.file + suffix, { throwIfNoEntry: false })?.size ?? 0;
    return bytes;
  }

  async prune(nowMs: number): Promise<PruneResult> {
    let result: PruneResult = { rows: 0, series: 0 };
    try {
      result = await this.pruner.run(nowMs);
    } catch (err) {
      sqliteFailure(err);
    }
    await this.annotations.prune(nowMs - (this.resolutions.at(-1) as Resolution).retentionMs);
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
    this.commitLater();
    if (this.queue.length > 0) this.flush();
    this.commitLater();
    if (this.db.open) this.db.close();
  }
}
