/**
 * All series and their rollup rings, with a limit on how many exist. Points are added with
 * their timestamp; every second `closeSeconds` hands out the 1-second buckets that just closed,
 * which the app publishes on `metrics:<seriesId>`.
 *
 * Policies (documented in docs/dashboard.md):
 * - a new series past `maxSeries` is refused (`LimitReached`), never silently dropped;
 * - a point more than `futureSkewMs` ahead of the clock is refused; a point older than the
 *   longest ring is refused; a late point within a ring's window lands in its bucket (a late
 *   point for a second already published is stored but not re-published);
 * - a series with no data left in any ring is forgotten by `prune`, freeing its slot.
 */
import { ApiErrorCode } from "../errors.js";
import { formatSeriesId, parseSeriesId, type SeriesKey, type Tags } from "../series/series-id.js";
import { type BucketTuple, defaultRingSpecs, PAGE_BUCKETS, Ring, type RingSpec } from "./ring.js";

/** Options of a `SeriesStore`. */
export interface SeriesStoreOptions {
  /** Most series kept at once; new ones past it are refused. */
  maxSeries: number;
  /** How far ahead of the clock a point's timestamp may be, in ms. */
  futureSkewMs: number;
  /** Rings per series, finest first; the first must be 1 s (it feeds the live topics). */
  rings: readonly RingSpec[];
  /** Clock (ms since the epoch); replaceable in tests. */
  now: () => number;
}

/** Defaults for `SeriesStoreOptions`. */
export const seriesStoreDefaults: SeriesStoreOptions = {
  maxSeries: 10_000,
  futureSkewMs: 5_000,
  rings: defaultRingSpecs,
  now: Date.now,
};

/** Most seconds `closeSeconds` catches up after a stall (older ones are not published). */
const MAX_CATCH_UP_SECONDS = 60;

/** One series: its key and its rings. */
export class Series implements SeriesKey {
  /** Newest 1-second bucket number written. */
  newestSecond = -1;
  constructor(
    readonly id: string,
    readonly name: string,
    readonly tags: Tags,
    readonly rings: Ring[],
  ) {}
}

/** A raw bucket as replicated: series id, ring index, bucket number, then `Ring.raw` fields. */
export type RawBucket = [id: string, ring: number, n: number, ...fields: number[]];

/** Where an `exportPage` resumes. */
export interface StoreCursor {
  id: string;
  ring: number;
  n: number;
}

/** Why `add` refused a point. */
export interface AddRefusal {
  code: number;
  error: string;
}

/** Series, rollup rings, and the set of series with seconds still to publish. */
export class SeriesStore {
  readonly options: SeriesStoreOptions;
  private readonly series = new Map<string, Series>();
  /** Series with data in a second not yet closed. */
  private readonly pending = new Set<Series>();
  /** Series whose open second got external points since the last `preview`. */
  private readonly touched = new Set<Series>();
  /** First second (bucket number) not yet closed. */
  private openSecond: number;
  /**
   * Buckets written since the last `collectChanges`: per series, one set of bucket numbers per
   * ring. Kept only while this store is the rollup leader; bounded by the rings themselves (a
   * bucket number is in a set at most once, and only buckets a ring can hold are written).
   */
  private changes: Map<Series, Set<number>[]> | undefined;

  constructor(options: Partial<SeriesStoreOptions> = {}) {
    this.options = { ...seriesStoreDefaults, ...options };
    const first = this.options.rings[0];
    if (first === undefined || first.resolutionMs !== 1000) throw new RangeError("the first ring must be 1 s");
    this.openSecond = Math.floor(this.options.now() / 1000);
  }

  /** Number of series. */
  get size(): number {
    return this.series.size;
  }

  /** End (ms, exclusive) of the newest closed second: data before it is final and published. */
  get closedUntilMs(): number {
    return this.openSecond * 1000;
  }

  /** Series by id. */
  get(id: string): Series | undefined {
    return this.series.get(id);
  }

  /** Series whose id starts with `prefix`, sorted by id, at most `limit`. */
  list(prefix: string, limit: number): Series[] {
    const out: Series[] = [];
    for (const s of this.series.values()) if (s.id.startsWith(prefix)) out.push(s);
    out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return out.length > limit ? out.slice(0, limit) : out;
  }

  /**
   * Adds one value (name and tags already validated). `ts` undefined means now. Returns
   * undefined when stored, or why it was refused.
   */
  add(
    name: string,
    tags: Tags | undefined,
    value: number,
    ts: number | undefined,
    preview = false,
  ): AddRefusal | undefined {
    const now = this.options.now();
    const t = ts ?? now;
    if (t > now + this.options.futureSkewMs)
      return {
        code: ApiErrorCode.TimestampOutOfRange,
        error: `ts: ${t} is more than ${this.options.futureSkewMs} ms in the future`,
      };
    const rings = this.options.rings;
    const coarsest = rings[rings.length - 1] as RingSpec;
    const oldest = (Math.floor(now / coarsest.resolutionMs) - coarsest.capacity + 1) * coarsest.resolutionMs;
    if (t < oldest) return { code: ApiErrorCode.TimestampOutOfRange, error: `ts: ${t} is older than the retention` };

    const id = formatSeriesId(name, tags);
    let s = this.series.get(id);
    if (s === undefined) {
      if (this.series.size >= this.options.maxSeries)
        return {
          code: ApiErrorCode.LimitReached,
          error: `series limit reached (${this.options.maxSeries}): new series ${id} refused`,
        };
      s = new Series(
        id,
        name,
        tags === undefined ? {} : { ...tags },
        rings.map((spec) => new Ring(spec)),
      );
      this.series.set(id, s);
    }
    for (const ring of s.rings) ring.add(t, value, now);
    if (this.changes !== undefined) this.recordChange(s, t);
    const second = Math.floor(t / 1000);
    if (second > s.newestSecond) s.newestSecond = second;
    if (second >= this.openSecond) {
      this.pending.add(s);
      if (preview) this.touched.add(s);
    }
    return undefined;
  }

  /**
   * Emits the still-open 1-second bucket of every series that got points with `preview` since
   * the last call, so a point POSTed mid-second shows live before its second closes. The closed
   * bucket (same `t`, final values) follows at `closeSeconds`.
   */
  preview(emit: (series: Series, bucket: BucketTuple) => void): void {
    if (this.touched.size === 0) return;
    const current = Math.floor(this.options.now() / 1000);
    for (const s of this.touched) {
      const b = (s.rings[0] as Ring).get(current * 1000);
      if (b !== undefined) emit(s, b);
    }
    this.touched.clear();
  }

  /**
   * Closes every second before the current one and calls `emit` with each series' 1-second
   * bucket in them, oldest second first. Call once a second (just after the boundary).
   */
  closeSeconds(emit: (series: Series, bucket: BucketTuple) => void): void {
    const current = Math.floor(this.options.now() / 1000);
    if (current <= this.openSecond) return;
    const from = Math.max(this.openSecond, current - MAX_CATCH_UP_SECONDS);
    for (let sec = from; sec < current; sec++) {
      for (const s of this.pending) {
        const b = (s.rings[0] as Ring).get(sec * 1000);
        if (b !== undefined) emit(s, b);
      }
    }
    this.openSecond = current;
    for (const s of this.pending) if (s.newestSecond < current) this.pending.delete(s);
  }

  /** Starts (true) or stops recording written buckets for `collectChanges` (the rollup leader records). */
  trackChanges(on: boolean): void {
    this.changes = on ? (this.changes ?? new Map()) : undefined;
  }

  private recordChange(s: Series, t: number): void {
    const changes = this.changes as Map<Series, Set<number>[]>;
    let sets = changes.get(s);
    if (sets === undefined) {
      sets = s.rings.map(() => new Set<number>());
      changes.set(s, sets);
    }
    for (let i = 0; i < sets.length; i++)
      (sets[i] as Set<number>).add(Math.floor(t / (s.rings[i] as Ring).resolutionMs));
  }

  /**
   * A replica that becomes leader: its coarse rings (10 s, 1 min) were only sent closed buckets,
   * so the buckets still open are rebuilt from the 1 s buckets they cover (merged: counts and
   * sums added, min of mins, max of maxes, the newest last), and recorded for replication.
   */
  rebuildOpenBuckets(): void {
    const closedUntil = this.closedUntilMs;
    for (const s of this.series.values()) {
      const fine = s.rings[0] as Ring;
      for (let i = 1; i < s.rings.length; i++) {
        const ring = s.rings[i] as Ring;
        const n = Math.floor(closedUntil / ring.resolutionMs);
        const start = n * ring.resolutionMs;
        if (start === closedUntil) continue; // nothing of the open bucket is closed yet
        const merged = [0, 0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, Number.NEGATIVE_INFINITY];
        fine.forEachRaw(start / 1000, (sec, f) => {
          if (sec * 1000 >= closedUntil) return false;
          const [count, sum, min, max, last, lastTs] = f as [number, number, number, number, number, number];
          merged[0] = (merged[0] as number) + count;
          merged[1] = (merged[1] as number) + sum;
          merged[2] = Math.min(merged[2] as number, min);
          merged[3] = Math.max(merged[3] as number, max);
          if (lastTs >= (merged[5] as number)) {
            merged[4] = last;
            merged[5] = lastTs;
          }
          return true;
        });
        if (merged[0] === 0) continue;
        ring.setRaw(n, merged, this.options.now());
        if (this.changes !== undefined) {
          let sets = this.changes.get(s);
          if (sets === undefined) {
            sets = s.rings.map(() => new Set<number>());
            this.changes.set(s, sets);
          }
          (sets[i] as Set<number>).add(n);
        }
      }
    }
  }

  /**
   * Hands out every recorded bucket that has ended by `closedUntilMs` (with its raw fields, see
   * `Ring.raw`) and forgets it; buckets still open stay recorded. Late points re-record a closed
   * bucket, so replicas get the corrected value at the next call.
   */
  collectChanges(emit: (series: Series, ring: number, n: number, fields: number[]) => void): void {
    if (this.changes === undefined) return;
    const closedUntil = this.closedUntilMs;
    for (const [s, sets] of this.changes) {
      let left = 0;
      for (let i = 0; i < sets.length; i++) {
        const set = sets[i] as Set<number>;
        const ring = s.rings[i] as Ring;
        for (const n of set) {
          if ((n + 1) * ring.resolutionMs > closedUntil) continue;
          set.delete(n);
          const fields = ring.raw(n);
          if (fields !== undefined) emit(s, i, n, fields);
        }
        left += set.size;
      }
      if (left === 0) this.changes.delete(s);
    }
  }

  /**
   * A replica applies its leader's bucket `n` of ring `ring` for series `id` (created when new,
   * within `maxSeries`). Returns false when refused (unknown id form, ring, limit or age).
   */
  applyBucket(id: string, ring: number, n: number, fields: readonly number[]): boolean {
    let s = this.series.get(id);
    if (s === undefined) {
      const key = parseSeriesId(id);
      if (key === undefined || this.series.size >= this.options.maxSeries) return false;
      s = new Series(
        id,
        key.name,
        key.tags,
        this.options.rings.map((spec) => new Ring(spec)),
      );
      this.series.set(id, s);
    }
    const r = s.rings[ring];
    if (r === undefined || !r.setRaw(n, fields, this.options.now())) return false;
    if (ring === 0 && n > s.newestSecond) s.newestSecond = n;
    return true;
  }

  /**
   * One page of the whole store for a new replica: raw buckets of the series (in id order) from
   * `cursor` on, at most `max`. `next` is where the following page starts (undefined: done).
   */
  exportPage(cursor: StoreCursor | undefined, max: number): { buckets: RawBucket[]; next?: StoreCursor } {
    const ids = [...this.series.keys()].filter((id) => cursor === undefined || id >= cursor.id).sort();
    const buckets: RawBucket[] = [];
    let next: StoreCursor | undefined;
    for (const id of ids) {
      const s = this.series.get(id) as Series;
      for (let r = 0; r < s.rings.length; r++) {
        const resume = cursor !== undefined && cursor.id === id;
        if (resume && r < cursor.ring) continue;
        const from = resume && r === cursor.ring ? cursor.n : Number.NEGATIVE_INFINITY;
        const complete = (s.rings[r] as Ring).forEachRaw(from, (n, fields) => {
          if (buckets.length >= max) {
            next = { id, ring: r, n };
            return false;
          }
          buckets.push([id, r, n, ...fields]);
          return true;
        });
        if (!complete) return { buckets, next };
      }
    }
    return { buckets };
  }

  /** A replica moves its closed horizon to its leader's (never backwards). */
  advanceClosedUntil(ms: number): void {
    const second = Math.floor(ms / 1000);
    if (second > this.openSecond) this.openSecond = second;
  }

  /** Frees pages older than every window and forgets series with no data left. */
  prune(): number {
    const now = this.options.now();
    let removed = 0;
    for (const [id, s] of this.series) {
      let empty = true;
      for (const ring of s.rings) if (!ring.prune(now)) empty = false;
      if (empty && !this.pending.has(s)) {
        this.series.delete(id);
        removed++;
      }
    }
    return removed;
  }

  /** Bytes held by ring pages (an estimate of the store's memory). */
  get ringBytes(): number {
    let pages = 0;
    for (const s of this.series.values()) for (const r of s.rings) pages += r.allocatedPages;
    return pages * PAGE_BUCKETS * 6 * 8;
  }
}
