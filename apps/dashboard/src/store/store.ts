/**
 * The store: where the dashboard's durable state lives (series index, 1-second cells with their
 * raw points, rollups at each coarser resolution, dashboards, alert rules and their states,
 * annotations, leases). One interface, two engines: SQLite in the data dir (one machine; every
 * worker opens the same file) and PostgreSQL (several machines sharing one database). Both run
 * `store-contract.ts`.
 *
 * Every method that changes state resolves only once the change is committed: what the server
 * acknowledges is in the database.
 */
import type { Tags } from "../series/series-id.js";
import type { AlertStore } from "./alert-store.js";
import type { AnnotationStore } from "./annotation-store.js";
import type { Agg } from "./cell.js";
import type { Leases } from "./lease.js";

/** A rollup bucket as queries and live topics carry it: `[t, count, sum, min, max, last]`. */
export type BucketTuple = [t: number, count: number, sum: number, min: number, max: number, last: number];

/** One resolution kept: bucket width and how long buckets are kept. */
export interface Resolution {
  ms: number;
  retentionMs: number;
}

/** Default resolutions: 1 s for 15 min (also the raw-point window), 10 s for 6 h, 1 min for 7 days. */
export const defaultResolutions: readonly Resolution[] = [
  { ms: 1_000, retentionMs: 15 * 60_000 },
  { ms: 10_000, retentionMs: 6 * 3_600_000 },
  { ms: 60_000, retentionMs: 7 * 86_400_000 },
];

/** A point as the store takes it: series (already validated), value, timestamp in ms. */
export interface SeriesPoint {
  /** Series id (`formatSeriesId(name, tags)`), the point's identity together with `ts`. */
  id: string;
  name: string;
  tags: Tags | undefined;
  value: number;
  ts: number;
}

/** A point the store refused, by its index in the written batch. */
export interface PointRefusal {
  index: number;
  code: number;
  error: string;
}

/** A series as listed. */
export interface SeriesInfo {
  id: string;
  name: string;
  tags: Tags;
}

/** Which series a delete or list selects: one id exactly, or every id starting with a prefix. */
export type SeriesMatch = { exact: string } | { prefix: string };

/** A stored dashboard: its JSON text and its version (the ETag). */
export interface StoredDashboard {
  id: string;
  body: string;
  version: number;
}

/** What a conditional dashboard write expects of the stored row. */
export type Expect =
  /** Whatever is stored (or nothing). */
  | { kind: "any" }
  /** Nothing stored under the id. */
  | { kind: "absent" }
  /** Stored with this version (0: nothing stored). */
  | { kind: "version"; version: number };

/** Outcome of a conditional dashboard write. */
export type DashboardWrite =
  | { ok: true; version: number; created: boolean }
  | { ok: false; reason: "conflict" | "limit"; version: number };

/** Counters of a store. */
export interface StoreStats {
  /** Write transactions committed. */
  writes: number;
  /** Points that replaced a stored point with another value. */
  cellsRecomputed: number;
}

/** What `prune` removed. */
export interface PruneResult {
  /** Rows (cells and buckets) removed for age. */
  rows: number;
  /** Series removed because no resolution holds data for them any more. */
  series: number;
}

/** What `writeAndRead` answers: the write's refusals, and the cells it read back. */
export interface WriteAndRead {
  refusals: PointRefusal[];
  cells: Array<[id: string, bucket: BucketTuple]>;
}

/** The durable store of one dashboard app (every node and worker opens its own). */
export interface Store {
  /** `sqlite` or `postgres`. */
  readonly kind: string;
  /** Resolutions, finest (1 s, with raw points) first. */
  readonly resolutions: readonly Resolution[];
  readonly stats: StoreStats;
  /**
   * Writes a batch in one transaction: each point replaces any point of its series with the same
   * ts (a retried batch changes nothing). Points of a new series past `maxSeries` are refused.
   * Rejects with a `StoreError` when the database cannot take the write (nothing of it is kept).
   */
  write(points: readonly SeriesPoint[], maxSeries: number): Promise<PointRefusal[]>;
  /**
   * Optional: `write`, answered also with the cells (as `cells` reads them) it wrote of the
   * series in `readBack`, read right after its commit. The live previews of watched series use
   * it (`LiveRollups`), so a point goes out without a second call waiting behind other work; a
   * store without it is read with `cells` afterwards.
   */
  writeAndRead?(points: readonly SeriesPoint[], maxSeries: number, readBack: readonly string[]): Promise<WriteAndRead>;
  /** Buckets of series `id` at resolution `res` (index) with start in [from, to), ascending, at most `limit`. */
  query(id: string, res: number, from: number, to: number, limit: number): Promise<BucketTuple[]>;
  /**
   * `query` of each of `ids` (same window), each answer as its JSON text (`[[t, count, …], …]`):
   * what `POST /api/v1/query` sends, which the SQLite store serves from a cache of cell texts and
   * PostgreSQL writes itself (the same values; a very large or small one may have an exponent).
   */
  queryText(ids: readonly string[], res: number, from: number, to: number, limit: number): Promise<string[]>;
  /** The 1-second buckets starting at `t` of the given series (those that have one). */
  cells(ids: readonly string[], t: number): Promise<Array<[id: string, bucket: BucketTuple]>>;
  /** Series matching, sorted by id, at most `limit`. */
  listSeries(match: SeriesMatch, limit: number): Promise<SeriesInfo[]>;
  /** Deletes the matching series and all their data; resolves with how many were deleted. */
  deleteSeries(match: SeriesMatch): Promise<number>;
  /** Number of series stored. */
  seriesCount(): Promise<number>;
  /** Bytes the store takes on disk (the database file and its WAL, or the schema's tables). */
  diskBytes(): Promise<number>;
  /**
   * Drops buckets older than their resolution's retention (at `nowMs`), series left empty, and
   * annotations that ended before the longest retention.
   */
  prune(nowMs: number): Promise<PruneResult>;
  /** All stored dashboards. */
  listDashboards(): Promise<StoredDashboard[]>;
  /** One stored dashboard. */
  getDashboard(id: string): Promise<StoredDashboard | undefined>;
  /** Stores `body` under `id` if `expect` holds and (when new) fewer than `max` are stored. */
  putDashboard(id: string, body: string, expect: Expect, max: number): Promise<DashboardWrite>;
  /** Deletes `id` if `expect` holds; `{ ok: true }` also when nothing was stored. */
  deleteDashboard(id: string, expect: Expect): Promise<DashboardWrite>;
  /** Leases with fencing tokens (one node of a set does a job). */
  readonly leases: Leases;
  /** Alert rules, states, history and the webhook outbox. */
  readonly alerts: AlertStore;
  /** Annotations. */
  readonly annotations: AnnotationStore;
  /** Closes the connection(s). */
  close(): Promise<void>;
}

/** Converts a stored rollup row to a `BucketTuple`. */
export function tupleOf(t: number, a: Pick<Agg, "count" | "sum" | "min" | "max" | "last">): BucketTuple {
  return [t, a.count, a.sum, a.min, a.max, a.last];
}

/** Whether a series id is selected by `match`. */
export function matches(match: SeriesMatch, id: string): boolean {
  return "exact" in match ? id === match.exact : id.startsWith(match.prefix);
}
