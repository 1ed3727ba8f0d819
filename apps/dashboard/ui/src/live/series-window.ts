import type { LiveBucket } from "../../../src/series/series-topic.js";

/** One rolled-up bucket of a series: the payload of `metrics:<id>`, a row of `/api/v1/query`. */
export type Bucket = LiveBucket;

/** Options of a `SeriesWindow`. */
export interface SeriesWindowOptions {
  /** Width of the window kept, in ms; older buckets are dropped. */
  windowMs: number;
  /** Hard cap on buckets held, whatever their times; the oldest go first. */
  maxPoints: number;
}

/** Defaults of `SeriesWindowOptions`: five minutes of one-second buckets, never more than 4096. */
export const seriesWindowDefaults: SeriesWindowOptions = { windowMs: 300_000, maxPoints: 4096 };

/** Reads a bucket from a live publication's data, or null when it is not one. */
export function toBucket(data: unknown): Bucket | null {
  if (typeof data !== "object" || data === null) return null;
  const d = data as Record<string, unknown>;
  const { t, count, sum, min, max, last } = d;
  if (typeof t !== "number" || typeof last !== "number" || !Number.isFinite(t)) return null;
  const n = typeof count === "number" ? count : 1;
  return {
    t,
    count: n,
    sum: typeof sum === "number" ? sum : last * n,
    min: typeof min === "number" ? min : last,
    max: typeof max === "number" ? max : last,
    last,
  };
}

/** Reads a `/api/v1/query` row `[t, count, sum, min, max, last]`, or null when malformed. */
export function rowToBucket(row: unknown): Bucket | null {
  if (!Array.isArray(row) || row.length < 6 || !row.every((x) => typeof x === "number")) return null;
  const [t, count, sum, min, max, last] = row as number[];
  return { t: t!, count: count!, sum: sum!, min: min!, max: max!, last: last! };
}

/**
 * The buckets a panel holds for one series, in columns (what uPlot draws) sorted by `t` with
 * each `t` at most once. Live points and back-filled points meet here, in any order:
 * - a newer `t` is appended (the common, O(1) case);
 * - the same `t` replaces the held bucket when it counts at least as many samples (a bucket only
 *   grows while its second is open, so a stale copy never overwrites a fresher one);
 * - an older `t` missing from the window is inserted in place (a back-fill answering after the
 *   first live point), so the window has no gap and no duplicate whatever arrives first.
 * Bounded: buckets older than `windowMs` before the newest, and any beyond `maxPoints`, are dropped.
 */
export class SeriesWindow {
  readonly t: number[] = [];
  readonly count: number[] = [];
  readonly sum: number[] = [];
  readonly min: number[] = [];
  readonly max: number[] = [];
  readonly last: number[] = [];
  /** Bumped on every change, so drawers can tell whether to redraw. */
  version = 0;
  private readonly opts: SeriesWindowOptions;

  constructor(options: Partial<SeriesWindowOptions> = {}) {
    this.opts = { ...seriesWindowDefaults, ...options };
  }

  /** Number of buckets held. */
  get length(): number {
    return this.t.length;
  }

  /** Start of the newest bucket held, or -Infinity when empty. */
  get lastT(): number {
    const n = this.t.length;
    return n === 0 ? Number.NEGATIVE_INFINITY : this.t[n - 1]!;
  }

  /** The newest bucket, or null when empty. */
  latest(): Bucket | null {
    const i = this.t.length - 1;
    return i < 0 ? null : this.at(i);
  }

  /** The bucket at index `i` (0 = oldest). */
  at(i: number): Bucket {
    return {
      t: this.t[i]!,
      count: this.count[i]!,
      sum: this.sum[i]!,
      min: this.min[i]!,
      max: this.max[i]!,
      last: this.last[i]!,
    };
  }

  /** Merges one bucket; returns whether the window changed. */
  merge(b: Bucket): boolean {
    const n = this.t.length;
    if (n === 0 || b.t > this.t[n - 1]!) {
      this.insertAt(n, b);
      this.trim();
    } else {
      const i = this.search(b.t);
      if (i < n && this.t[i] === b.t) {
        if (b.count < this.count[i]!) return false;
        this.setAt(i, b);
      } else {
        if (b.t < this.t[n - 1]! - this.opts.windowMs) return false;
        this.insertAt(i, b);
        this.trim();
      }
    }
    this.version++;
    return true;
  }

  /** Merges many buckets; returns how many changed the window. */
  mergeAll(buckets: Iterable<Bucket>): number {
    let changed = 0;
    for (const b of buckets) if (this.merge(b)) changed++;
    return changed;
  }

  /** Drops everything (e.g. when the series' history was lost and restarted elsewhere). */
  clear(): void {
    for (const col of this.columns()) col.length = 0;
    this.version++;
  }

  /** Mean of each bucket (sum / count), aligned with `t`. */
  means(): number[] {
    const out = new Array<number>(this.t.length);
    for (let i = 0; i < out.length; i++) out[i] = this.count[i]! > 0 ? this.sum[i]! / this.count[i]! : this.last[i]!;
    return out;
  }

  private columns(): number[][] {
    return [this.t, this.count, this.sum, this.min, this.max, this.last];
  }

  /** Index of the first bucket with t >= `t`. */
  private search(t: number): number {
    let lo = 0;
    let hi = this.t.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.t[mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private insertAt(i: number, b: Bucket): void {
    if (i === this.t.length) {
      this.t.push(b.t);
      this.count.push(b.count);
      this.sum.push(b.sum);
      this.min.push(b.min);
      this.max.push(b.max);
      this.last.push(b.last);
      return;
    }
    this.t.splice(i, 0, b.t);
    this.count.splice(i, 0, b.count);
    this.sum.splice(i, 0, b.sum);
    this.min.splice(i, 0, b.min);
    this.max.splice(i, 0, b.max);
    this.last.splice(i, 0, b.last);
  }

  private setAt(i: number, b: Bucket): void {
    this.count[i] = b.count;
    this.sum[i] = b.sum;
    this.min[i] = b.min;
    this.max[i] = b.max;
    this.last[i] = b.last;
  }

  /** Drops buckets outside the window, in one splice per column (not one shift per bucket). */
  private trim(): void {
    const n = this.t.length;
    const oldest = this.t[n - 1]! - this.opts.windowMs;
    let drop = Math.max(0, n - this.opts.maxPoints);
    while (drop < n && this.t[drop]! < oldest) drop++;
    if (drop === 0) return;
    for (const col of this.columns()) col.splice(0, drop);
  }
}

/** Mean of a bucket (its last value when it counts no sample). */
export function meanOf(b: Bucket): number {
  return b.count > 0 ? b.sum / b.count : b.last;
}
