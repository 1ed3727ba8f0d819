import type { Bucket } from "./series-window.js";

/** Merges buckets into one: counts and sums add, min of mins, max of maxes, `last` of the newest. */
export function combineBuckets(t: number, parts: Iterable<Bucket>): Bucket {
  let count = 0;
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let last = 0;
  let lastT = Number.NEGATIVE_INFINITY;
  for (const p of parts) {
    count += p.count;
    sum += p.sum;
    if (p.min < min) min = p.min;
    if (p.max > max) max = p.max;
    if (p.t >= lastT) {
      lastT = p.t;
      last = p.last;
    }
  }
  return { t, count, sum, min, max, last };
}

/**
 * Rolls buckets of a finer resolution up into buckets of `step` ms (ascending input or not).
 * Exact: the rollups are mergeable, as the server's coarser resolutions are.
 */
export function rollupAll(buckets: readonly Bucket[], step: number): Bucket[] {
  const groups = new Map<number, Bucket[]>();
  for (const b of buckets) {
    const t = Math.floor(b.t / step) * step;
    let g = groups.get(t);
    if (!g) {
      g = [];
      groups.set(t, g);
    }
    g.push(b);
  }
  return [...groups.entries()].sort((a, b) => a[0] - b[0]).map(([t, g]) => combineBuckets(t, g));
}

/** A part of an open bucket: a finer bucket and its width. */
interface Part {
  b: Bucket;
  width: number;
}

/**
 * The newest buckets of a live series at `step` ms, built from finer parts: live 1-second
 * buckets, and the closed minutes and seconds a back-fill reads for the open bucket. Each part
 * is kept by its start, so a second published again (its preview growing, a late point
 * correcting it) replaces its earlier copy, never adds to it; a part inside a wider part already
 * held (a second of a closed minute) is not counted twice. Bounded: the parts of the two newest
 * buckets only (at most 2 × step / 1 s).
 */
export class BucketRollup {
  private readonly open = new Map<number, Map<number, Part>>();
  private newest = Number.NEGATIVE_INFINITY;

  constructor(readonly step: number) {}

  /**
   * Adds a part `width` ms wide; returns the bucket it belongs to as it now stands, or null when
   * the part is too old to be held (its bucket was closed and forgotten) or adds nothing.
   */
  add(b: Bucket, width = 1000): Bucket | null {
    const t = Math.floor(b.t / this.step) * this.step;
    if (t < this.newest - this.step) return null;
    let parts = this.open.get(t);
    if (!parts) {
      parts = new Map();
      this.open.set(t, parts);
      if (t > this.newest) {
        this.newest = t;
        for (const k of this.open.keys()) if (k < t - this.step) this.open.delete(k);
      }
    }
    const held = parts.get(b.t);
    if (held !== undefined && held.width === width && held.b.count > b.count) return null; // a stale copy
    for (const p of parts.values()) if (p.width > width && b.t >= p.b.t && b.t < p.b.t + p.width) return null; // already counted
    if (width > 1000) for (const [k, p] of parts) if (p.width < width && k >= b.t && k < b.t + width) parts.delete(k); // wider wins
    parts.set(b.t, { b, width });
    return combineBuckets(
      t,
      [...parts.values()].map((p) => p.b),
    );
  }

  /** Forgets every part (the feed starts over). */
  clear(): void {
    this.open.clear();
    this.newest = Number.NEGATIVE_INFINITY;
  }
}
