/**
 * The shared store for several machines: PostgreSQL (the `pg` library). Every node writes and
 * reads the same tables; no node leads. A write is one transaction that locks the cells it
 * touches in (sid, t) order (so two nodes writing one series wait for each other instead of
 * deadlocking), merges them with the same rules as SQLite (`write-plan.ts`), and merges the new
 * points' rollup into the coarse buckets in SQL (count and sum add, min of mins, max of maxes,
 * last by time), so writes from any node commute. A write resolves once committed.
 */
import pg from "pg";
import { ApiErrorCode } from "../errors.js";
import { migratePg, quoteIdent } from "./pg-schema.js";
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
import { PgAlerts } from "./pg-alerts.js";
import { lockCells, mergeBuckets, putCells, readRaw, recomputeBucket } from "./pg-cells.js";
import { PgAnnotations } from "./pg-annotations.js";
import { PgDocs } from "./pg-docs.js";
import { PgLeases } from "./pg-leases.js";
import { type RangeSource, readRanges, readRangesText } from "./pg-ranges.js";
import { pgFailure, pgRows, pgTx } from "./pg-tx.js";
import { groupBySecond, planWrite, type SidPoint } from "./write-plan.js";

/** Options of `PgStore`. */
export interface PgStoreOptions {
  /** `postgres://user@host:port/db?schema=name` (`schema` defaults to `dashwire`). */
  url: string;
  resolutions: readonly Resolution[];
  /** Connections per node. */
  poolSize: number;
}

/** Defaults of `PgStoreOptions`. */
export const pgStoreDefaults: Omit<PgStoreOptions, "url"> = { resolutions: defaultResolutions, poolSize: 8 };

// bigint columns (timestamps, versions, counters) as numbers: all stay below 2^53.
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === 20
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
};

/** The PostgreSQL `Store`. */
export class PgStore implements Store {
  readonly kind = "postgres";
  readonly stats: StoreStats = { writes: 0, cellsRecomputed: 0 };
  readonly resolutions: readonly Resolution[];
  private readonly cache = new SeriesCache();
  private readonly coarseMs: number[];
  private readonly dashboards: PgDocs;
  readonly leases: PgLeases;
  readonly alerts: PgAlerts;
  readonly annotations: PgAnnotations;

  private constructor(
    private readonly pool: pg.Pool,
    readonly schema: string,
    options: PgStoreOptions,
  ) {
    this.resolutions = options.resolutions;
    this.coarseMs = this.resolutions.slice(1).map((r) => r.ms);
    this.dashboards = new PgDocs(pool, "dashboards");
    this.leases = new PgLeases(pool);
    this.alerts = new PgAlerts(pool, this.leases);
    this.annotations = new PgAnnotations(pool);
  }

  /** Connects, creates or migrates the schema, and returns the store. */
  static async open(input: Partial<PgStoreOptions> & { url: string }): Promise<PgStore> {
    const options: PgStoreOptions = { ...pgStoreDefaults, ...input };
    const url = new URL(options.url);
    const schema = url.searchParams.get("schema") ?? "dashwire";
    url.searchParams.delete("schema");
    const pool = new pg.Pool({
      connectionString: url.toString(),
      max: options.poolSize,
      types,
      options: `-c search_path=${quoteIdent(schema)}`,
      connectionTimeoutMillis: 5000,
    });
    // An idle client that loses its connection must not take the process down.
    pool.on("error", () => {});
    try {
      const client = await pool.connect();
      try {
        await migratePg(client, schema);
      } finally {
        client.release();
      }
    } catch (err) {
      await pool.end().catch(() => {});
      pgFailure(err);
    }
    return new PgStore(pool, schema, options);
  }

  /** Runs `fn` in a transaction, retrying deadlocks and serialization failures. */
  private tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    return pgTx(this.pool, fn);
  }

  private q<R extends pg.QueryResultRow>(sql: string, values: unknown[] = []): Promise<R[]> {
    return pgRows<R>(this.pool, sql, values);
  }

  async write(points: readonly SeriesPoint[], maxSeries: number): Promise<PointRefusal[]> {
    if (points.length === 0) return [];
    const result = await this.tx((c) => this.writeTx(c, points, maxSeries));
    for (const [id, entry] of result.resolved) this.cache.set(id, entry);
    for (const [entry, t] of result.touched) if (t > entry.lastT) entry.lastT = t;
    this.stats.writes++;
    return result.refusals;
  }

  private async writeTx(c: pg.PoolClient, points: readonly SeriesPoint[], maxSeries: number) {
    const gen = await c.query<{ v: number }>("SELECT v FROM meta WHERE k = 'gen'");
    this.cache.sync(gen.rows[0]?.v ?? 0);
    const resolved = new Map<string, CachedSeries | null>();
    const unknown = [...new Set(points.map((p) => p.id))].filter((id) => this.cache.get(id) === undefined).sort();
    if (unknown.length > 0) {
      const found = await c.query<{ sid: number; id: string; last_t: number }>(
        "SELECT sid, id, last_t FROM series WHERE id = ANY($1::text[])",
        [unknown],
      );
      for (const r of found.rows) resolved.set(r.id, { sid: r.sid, lastT: r.last_t });
      for (const id of unknown) {
        if (resolved.has(id)) continue;
        const p = points.find((x) => x.id === id) as SeriesPoint;
        resolved.set(id, await this.createSeries(c, p, maxSeries));
      }
    }
    const refusals: PointRefusal[] = [];
    const bySid = new Map<number, CachedSeries>();
    const sidPoints: SidPoint[] = [];
    for (let i = 0; i < points.length; i++) {
      const p = points[i] as SeriesPoint;
      const entry = this.cache.get(p.id) ?? resolved.get(p.id);
      if (entry === undefined || entry === null) {
        const error = `series limit reached (${maxSeries}): new series ${p.id} refused`;
        refusals.push({ index: i, code: ApiErrorCode.LimitReached, error });
        continue;
      }
      bySid.set(entry.sid, entry);
      sidPoints.push({ sid: entry.sid, ts: p.ts, value: p.value });
    }
    const groups = groupBySecond(sidPoints);
    const touched: Array<[CachedSeries, number]> = [];
    if (groups.length > 0) {
      const existing = await lockCells(c, groups);
      // Cells whose new points are not all newer than their newest need their stored points.
      const needRaw = groups.flatMap((g, i) => {
        const e = existing[i];
        return e !== undefined && (g.pairs[0] as number) <= e.lastTs ? [i] : [];
      });
      const raws = await readRaw(
        c,
        needRaw.map((i) => groups[i] as (typeof groups)[number]),
        existing,
        needRaw,
      );
      const plan = planWrite(
        groups,
        (i) => existing[i],
        (i) => raws.get(i),
        this.coarseMs,
      );
      await putCells(c, plan.cells);
      for (let r = 0; r < plan.coarse.length; r++) {
        const res = this.coarseMs[r] as number;
        const changes = plan.coarse[r] ?? [];
        const adds = changes.filter((ch) => ch.add !== undefined);
        if (adds.length > 0) await mergeBuckets(c, res, adds);
        for (const ch of changes) if (ch.add === undefined) await recomputeBucket(c, this.stats, res, ch.sid, ch.t);
      }
      const sids: number[] = [];
      const ts: number[] = [];
      for (let i = 0; i < groups.length; i++) {
        const g = groups[i] as (typeof groups)[number];
        if (groups[i + 1]?.sid === g.sid) continue;
        const entry = bySid.get(g.sid) as CachedSeries;
        if (g.t <= entry.lastT) continue;
        sids.push(g.sid);
        ts.push(g.t);
        touched.push([entry, g.t]);
      }
      if (sids.length > 0)
        await c.query(
          `UPDATE series SET last_t = greatest(series.last_t, u.t)
             FROM unnest($1::int[], $2::bigint[]) AS u(sid, t) WHERE series.sid = u.sid`,
          [sids, ts],
        );
    }
    const fresh = [...resolved].filter((e): e is [string, CachedSeries] => e[1] !== null);
    return { refusals, resolved: fresh, touched };
  }

  /** Inserts a new series within the limit; null when the limit refuses it. */
  private async createSeries(c: pg.PoolClient, p: SeriesPoint, maxSeries: number): Promise<CachedSeries | null> {
    const claimed = await c.query("UPDATE meta SET v = v + 1 WHERE k = 'series' AND v < $1 RETURNING v", [maxSeries]);
    if (claimed.rowCount === 0) {
      // Another node may have created it meanwhile: then it exists and costs no slot.
      const row = await c.query<{ sid: number }>("SELECT sid FROM series WHERE id = $1", [p.id]);
      return row.rows[0] === undefined ? null : { sid: row.rows[0].sid, lastT: 0 };
    }
    const inserted = await c.query<{ sid: number }>(
      "INSERT INTO series (id, name, tags, last_t) VALUES ($1, $2, $3, 0) ON CONFLICT (id) DO NOTHING RETURNING sid",
      [p.id, p.name, JSON.stringify(p.tags ?? {})],
    );
    if (inserted.rows[0] !== undefined) return { sid: inserted.rows[0].sid, lastT: 0 };
    // Created by another node's transaction that committed first: give the slot back.
    await c.query("UPDATE meta SET v = v - 1 WHERE k = 'series'");
    const row = await c.query<{ sid: number; last_t: number }>("SELECT sid, last_t FROM series WHERE id = $1", [p.id]);
    return row.rows[0] === undefined ? null : { sid: row.rows[0].sid, lastT: row.rows[0].last_t };
  }

  /** The sids of `ids` (cached, else from the database; undefined: no such series). */
  private async sidsOf(ids: readonly string[]): Promise<Array<number | undefined>> {
    const gen = await this.q<{ v: number }>("SELECT v FROM meta WHERE k = 'gen'");
    this.cache.sync(gen[0]?.v ?? 0);
    const unknown = [...new Set(ids.filter((id) => this.cache.get(id) === undefined))];
    if (unknown.length > 0) {
      const rows = await this.q<{ sid: number; id: string; last_t: number }>(
        "SELECT sid, id, last_t FROM series WHERE id = ANY($1::text[])",
        [unknown],
      );
      for (const r of rows) this.cache.set(r.id, { sid: r.sid, lastT: r.last_t });
    }
    return ids.map((id) => this.cache.get(id)?.sid);
  }

  /** The buckets of `ids` (in that order) in [from, to) of resolution `res`, in one statement. */
  private async ranges(ids: readonly string[], res: number, from: number, to: number, limit: number) {
    if (res < 0 || res >= this.resolutions.length) return ids.map(() => []);
    const sids = await this.sidsOf(ids);
    const known = [...new Set(sids.filter((sid): sid is number => sid !== undefined))];
    const bySid = await readRanges(this.pool, { sids: known, source: this.sourceOf(res), from, to, limit });
    return sids.map((sid) => (sid === undefined ? [] : (bySid.get(sid) ?? [])));
  }

  async queryText(ids: readonly string[], res: number, from: number, to: number, limit: number): Promise<string[]> {
    if (res < 0 || res >= this.resolutions.length) return ids.map(() => "[]");
    const sids = await this.sidsOf(ids);
    const known = sids.filter((sid): sid is number => sid !== undefined);
    const texts = await readRangesText(this.pool, { sids: known, source: this.sourceOf(res), from, to, limit });
    let k = 0;
    return sids.map((sid) => (sid === undefined ? "[]" : (texts[k++] as string)));
  }

  /** Where resolution `res`'s buckets are. */
  private sourceOf(res: number): RangeSource {
    return res === 0 ? { cells: true } : { bucketMs: this.coarseMs[res - 1] as number };
  }

  async query(id: string, res: number, from: number, to: number, limit: number): Promise<BucketTuple[]> {
    return (await this.ranges([id], res, from, to, limit))[0] ?? [];
  }

  async cells(ids: readonly string[], t: number): Promise<Array<[string, BucketTuple]>> {
    if (ids.length === 0) return [];
    const rows = await this.q<{ id: string; count: number; sum: number; min: number; max: number; last: number }>(
      `SELECT s.id, c.count, c.sum, c.min, c.max, c.last FROM series s JOIN cells c ON c.sid = s.sid AND c.t = $2
        WHERE s.id = ANY($1::text[]) AND c.count > 0`,
      [ids, t],
    );
    return rows.map((r) => [r.id, [t, r.count, r.sum, r.min, r.max, r.last]]);
  }

  async listSeries(match: SeriesMatch, limit: number): Promise<SeriesInfo[]> {
    const rows = await this.matching(match, limit);
    return rows.map((r) => ({ id: r.id, name: r.name, tags: JSON.parse(r.tags) as SeriesInfo["tags"] }));
  }

  private async matching(match: SeriesMatch, limit: number, c?: pg.PoolClient) {
    type Row = { sid: number; id: string; name: string; tags: string };
    // Prefixes compare bytewise (COLLATE "C"), as SQLite does, whatever the database's locale.
    const [sql, values] =
      "exact" in match
        ? ["SELECT sid, id, name, tags FROM series WHERE id = $1", [match.exact]]
        : [
            `SELECT sid, id, name, tags FROM series WHERE left(id, length($1)) = $1
              ORDER BY id COLLATE "C" LIMIT $2`,
            [match.prefix, limit],
          ];
    if (c !== undefined) return (await c.query<Row>(sql, values)).rows;
    return this.q<Row>(sql, values);
  }

  async deleteSeries(match: SeriesMatch): Promise<number> {
    return this.tx(async (c) => {
      const rows = await this.matching(match, Number.MAX_SAFE_INTEGER, c);
      await this.dropSeries(
        c,
        rows.map((r) => r.sid),
      );
      return rows.length;
    });
  }

  private async dropSeries(c: pg.PoolClient, sids: number[]): Promise<void> {
    if (sids.length === 0) return;
    // The generation row first: deletes are serialized among themselves, never with writes' cells.
    await c.query("UPDATE meta SET v = v + 1 WHERE k = 'gen'");
    await c.query("DELETE FROM cells WHERE sid = ANY($1::int[])", [sids]);
    await c.query("DELETE FROM raw_segs WHERE sid = ANY($1::int[])", [sids]);
    await c.query("DELETE FROM buckets WHERE sid = ANY($1::int[])", [sids]);
    const gone = await c.query("DELETE FROM series WHERE sid = ANY($1::int[])", [sids]);
    await c.query("UPDATE meta SET v = greatest(0, v - $1) WHERE k = 'series'", [gone.rowCount ?? 0]);
  }

  async seriesCount(): Promise<number> {
    return (await this.q<{ v: number }>("SELECT v FROM meta WHERE k = 'series'"))[0]?.v ?? 0;
  }

  async diskBytes(): Promise<number> {
    const rows = await this.q<{ bytes: number }>(
      `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint AS bytes
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'`,
      [this.schema],
    );
    return rows[0]?.bytes ?? 0;
  }

  async prune(nowMs: number): Promise<PruneResult> {
    const coarsest = this.resolutions.at(-1) as Resolution;
    const cellCutoff = nowMs - (this.resolutions[0] as Resolution).retentionMs - coarsest.ms;
    const result: PruneResult = { rows: 0, series: 0 };
    const cells = await this.q("DELETE FROM cells WHERE t < $1 RETURNING 1", [cellCutoff]);
    result.rows += cells.length;
    await this.q("DELETE FROM raw_segs WHERE t < $1", [cellCutoff]);
    for (let r = 1; r < this.resolutions.length; r++) {
      const { ms, retentionMs } = this.resolutions[r] as Resolution;
      result.rows += (
        await this.q("DELETE FROM buckets WHERE res = $1 AND t < $2 RETURNING 1", [ms, nowMs - retentionMs])
      ).length;
    }
    result.series = await this.tx(async (c) => {
      const rows = await c.query<{ sid: number }>("SELECT sid FROM series WHERE last_t < $1 FOR UPDATE", [
        nowMs - coarsest.retentionMs - coarsest.ms,
      ]);
      await this.dropSeries(
        c,
        rows.rows.map((r) => r.sid),
      );
      return rows.rows.length;
    });
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

  async close(): Promise<void> {
    await this.pool.end().catch(() => {});
  }
}
