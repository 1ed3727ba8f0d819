/**
 * The series index of the SQLite store: ids to integer sids (cached per process,
 * `series-cache.ts`), the series limit, each series' newest second (what expiry reads), and
 * the resolution of a write's points to sids inside its transaction. The points themselves are
 * `sqlite-points.ts`'s.
 */
import type Database from "better-sqlite3";
import { ApiErrorCode } from "../errors.js";
import { type CachedSeries, SeriesCache } from "./series-cache.js";
import type { SqlitePoints } from "./sqlite-points.js";
import type { PointRefusal, SeriesMatch, SeriesPoint } from "./store.js";
import { groupBySecond, type SidPoint } from "./write-plan.js";

/** A series row as listed. */
export interface SeriesRow {
  sid: number;
  id: string;
  name: string;
  tags: string;
}

/** What one write did to the index, for the cache to learn once it is committed. */
export interface SeriesWrite {
  refusals: PointRefusal[];
  /** Ids looked up or created. */
  resolved: Array<[string, CachedSeries]>;
  /** Series whose newest second moved, and to what. */
  touched: Array<[CachedSeries, number]>;
}

/** Prepared statements of the series index. */
function statements(db: Database.Database) {
  return {
    gen: db.prepare("SELECT v FROM meta WHERE k = 'gen'").pluck(),
    bumpGen: db.prepare("UPDATE meta SET v = v + 1 WHERE k = 'gen'"),
    seriesCount: db.prepare("SELECT v FROM meta WHERE k = 'series'").pluck(),
    claimSeries: db.prepare("UPDATE meta SET v = v + 1 WHERE k = 'series' AND v < ?"),
    releaseSeries: db.prepare("UPDATE meta SET v = max(0, v - ?) WHERE k = 'series'"),
    sidOf: db.prepare<[string], { sid: number; last_t: number }>("SELECT sid, last_t FROM series WHERE id = ?"),
    insertSeries: db.prepare("INSERT INTO series (id, name, tags, last_t) VALUES (?, ?, ?, 0)"),
    touchSeries: db.prepare("UPDATE series SET last_t = max(last_t, ?) WHERE sid = ?"),
    seriesFrom: db.prepare<[string], SeriesRow>("SELECT sid, id, name, tags FROM series WHERE id >= ? ORDER BY id"),
    expired: db.prepare<[number], { sid: number; id: string }>("SELECT sid, id FROM series WHERE last_t < ?"),
    allSids: db.prepare("SELECT sid FROM series WHERE sid > ? ORDER BY sid LIMIT ?").pluck(),
    deleteSeries: db.prepare("DELETE FROM series WHERE sid = ?"),
  };
}

/** The SQLite series index of one store connection. */
export class SqliteSeries {
  private readonly cache = new SeriesCache();
  private readonly st;

  constructor(
    db: Database.Database,
    private readonly points: SqlitePoints,
  ) {
    this.st = statements(db);
  }

  /**
   * Resolves `points` to sids (creating series within `maxSeries`) and appends them
   * (`SqlitePoints.append`, numbered from `seq.last`), in the caller's transaction.
   */
  write(points: readonly SeriesPoint[], maxSeries: number, seq: { last: number }): SeriesWrite {
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
    seq.last = this.points.append(groups, seq.last);
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

  /** Teaches the cache what a committed `write` resolved (only now: the ids exist for others). */
  committed(result: SeriesWrite): void {
    for (const [id, entry] of result.resolved) this.cache.set(id, entry);
    for (const [entry, t] of result.touched) if (t > entry.lastT) entry.lastT = t;
  }

  /** The sid of `id` (cached, else from the database). */
  sidOf(id: string): number | undefined {
    this.cache.sync(this.st.gen.get() as number);
    return this.cachedSid(id);
  }

  /** The sids of `ids`, checking the index generation once (a preview asks for 1,000). */
  sidsOf(ids: readonly string[]): Array<number | undefined> {
    this.cache.sync(this.st.gen.get() as number);
    return ids.map((id) => this.cachedSid(id));
  }

  private cachedSid(id: string): number | undefined {
    const cached = this.cache.get(id);
    if (cached !== undefined) return cached.sid;
    const row = this.st.sidOf.get(id);
    if (row === undefined) return undefined;
    this.cache.set(id, { sid: row.sid, lastT: row.last_t });
    return row.sid;
  }

  /** The series `match` selects, by id. */
  *matching(match: SeriesMatch): Generator<SeriesRow> {
    const start = "exact" in match ? match.exact : match.prefix;
    for (const row of this.st.seriesFrom.iterate(start)) {
      if ("exact" in match ? row.id !== match.exact : !row.id.startsWith(match.prefix)) return;
      yield row;
    }
  }

  /** Removes series and all their rows (in the caller's transaction), and tells other processes. */
  drop(rows: ReadonlyArray<{ sid: number; id: string }>): void {
    if (rows.length === 0) return;
    this.points.drop(rows.map((r) => r.sid));
    for (const { sid } of rows) this.st.deleteSeries.run(sid);
    this.st.releaseSeries.run(rows.length);
    this.st.bumpGen.run();
  }

  /** Series written last before `t` (ms). */
  expired(t: number): Array<{ sid: number; id: string }> {
    return this.st.expired.all(t);
  }

  /** At most `limit` sids above `after`, ascending. */
  sidsAfter(after: number, limit: number): number[] {
    return this.st.allSids.all(after, limit) as number[];
  }

  /** How many series exist (the limit's count). */
  count(): number {
    return this.st.seriesCount.get() as number;
  }
}
