/**
 * A bounded ring of rollup buckets at one resolution (e.g. 1 s × 900). Each bucket holds
 * count, sum, min, max, last and the timestamp of `last` (so a late point does not overwrite a
 * newer `last`).
 *
 * Storage is paged: the ring is split in pages of `PAGE_BUCKETS` buckets, each one Float64Array,
 * allocated when first written and recycled when the ring wraps. A series that is written only
 * for a few minutes costs a few pages, not the whole ring; a series written every second for the
 * whole window costs `capacity + PAGE_BUCKETS` buckets × 48 bytes. One page more than the
 * capacity needs is kept so the ring always holds at least `capacity` buckets back from the
 * newest one.
 */

/** Buckets per page. Divides 900, 2160 and 10080 (the default capacities). */
export const PAGE_BUCKETS = 60;
/** Float64 fields per bucket: count, sum, min, max, last, lastTs. */
export const BUCKET_FIELDS = 6;

/** One bucket as read from a ring: `[t, count, sum, min, max, last]` (the query tuple). */
export type BucketTuple = [t: number, count: number, sum: number, min: number, max: number, last: number];

/** Resolution and length of a ring. */
export interface RingSpec {
  /** Bucket width in milliseconds. */
  resolutionMs: number;
  /** Buckets kept. */
  capacity: number;
}

/** The rings every series keeps: 1 s for 15 min, 10 s for 6 h, 1 min for 7 days. */
export const defaultRingSpecs: readonly RingSpec[] = [
  { resolutionMs: 1_000, capacity: 900 },
  { resolutionMs: 10_000, capacity: 2_160 },
  { resolutionMs: 60_000, capacity: 10_080 },
];

/** A page of buckets; `pageNo` = bucket number of slot 0 / PAGE_BUCKETS. */
interface Page {
  pageNo: number;
  data: Float64Array;
}

/** Bounded, paged rollup ring at one resolution. */
export class Ring {
  readonly resolutionMs: number;
  readonly capacity: number;
  private readonly pages: Array<Page | undefined>;
  /** Pages currently allocated (for memory accounting). */
  allocatedPages = 0;

  constructor(spec: RingSpec) {
    if (spec.capacity % PAGE_BUCKETS !== 0) throw new RangeError(`ring capacity must be a multiple of ${PAGE_BUCKETS}`);
    this.resolutionMs = spec.resolutionMs;
    this.capacity = spec.capacity;
    this.pages = new Array<Page | undefined>(spec.capacity / PAGE_BUCKETS + 1);
  }

  /** Start (ms) of the oldest bucket this ring answers for at time `nowMs`. */
  windowStart(nowMs: number): number {
    return (Math.floor(nowMs / this.resolutionMs) - this.capacity + 1) * this.resolutionMs;
  }

  /**
   * Adds a value at `ts` (ms). Returns false when the bucket is older than the ring holds
   * (relative to `nowMs`); the caller decides whether that refuses the point.
   */
  add(ts: number, value: number, nowMs: number): boolean {
    const n = Math.floor(ts / this.resolutionMs);
    const page = this.writablePage(n, nowMs);
    if (page === undefined) return false;
    const d = page.data;
    const i = (n - page.pageNo * PAGE_BUCKETS) * BUCKET_FIELDS;
    const count = d[i] as number;
    if (count === 0) {
      d[i] = 1;
      d[i + 1] = value;
      d[i + 2] = value;
      d[i + 3] = value;
      d[i + 4] = value;
      d[i + 5] = ts;
      return true;
    }
    d[i] = count + 1;
    d[i + 1] = (d[i + 1] as number) + value;
    if (value < (d[i + 2] as number)) d[i + 2] = value;
    if (value > (d[i + 3] as number)) d[i + 3] = value;
    // Ties go to the later arrival: two points with the same ts, the second one wins.
    if (ts >= (d[i + 5] as number)) {
      d[i + 4] = value;
      d[i + 5] = ts;
    }
    return true;
  }

  /** The bucket starting at `t` (ms, aligned), or undefined when empty or no longer held. */
  get(t: number): BucketTuple | undefined {
    const n = Math.floor(t / this.resolutionMs);
    const pageNo = Math.floor(n / PAGE_BUCKETS);
    const page = this.pages[pageNo % this.pages.length];
    if (page === undefined || page.pageNo !== pageNo) return undefined;
    const d = page.data;
    const i = (n - pageNo * PAGE_BUCKETS) * BUCKET_FIELDS;
    const count = d[i] as number;
    if (count === 0) return undefined;
    return [
      n * this.resolutionMs,
      count,
      d[i + 1] as number,
      d[i + 2] as number,
      d[i + 3] as number,
      d[i + 4] as number,
    ];
  }

  /**
   * The stored fields of bucket number `n` (start = n × resolution): count, sum, min, max, last
   * and the timestamp of last; undefined when empty or no longer held. What a leader replicates.
   */
  raw(n: number): number[] | undefined {
    const pageNo = Math.floor(n / PAGE_BUCKETS);
    const page = this.pages[pageNo % this.pages.length];
    if (page === undefined || page.pageNo !== pageNo) return undefined;
    const i = (n - pageNo * PAGE_BUCKETS) * BUCKET_FIELDS;
    if (page.data[i] === 0) return undefined;
    return Array.from(page.data.subarray(i, i + BUCKET_FIELDS));
  }

  /**
   * Overwrites bucket number `n` with `fields` (as returned by `raw`): a replica applying its
   * leader's bucket. Returns false when the bucket is outside the ring at `nowMs`.
   */
  setRaw(n: number, fields: readonly number[], nowMs: number): boolean {
    if (fields.length !== BUCKET_FIELDS) return false;
    const page = this.writablePage(n, nowMs);
    if (page === undefined) return false;
    page.data.set(fields, (n - page.pageNo * PAGE_BUCKETS) * BUCKET_FIELDS);
    return true;
  }

  /**
   * Calls `emit` with every non-empty bucket numbered `from` or later, in bucket order, until it
   * returns false. Returns false when stopped early. For copying a ring to a new replica.
   */
  forEachRaw(from: number, emit: (n: number, fields: number[]) => boolean): boolean {
    const pages = this.pages.filter((p): p is Page => p !== undefined).sort((a, b) => a.pageNo - b.pageNo);
    for (const page of pages) {
      if ((page.pageNo + 1) * PAGE_BUCKETS <= from) continue;
      for (let slot = 0; slot < PAGE_BUCKETS; slot++) {
        const n = page.pageNo * PAGE_BUCKETS + slot;
        const i = slot * BUCKET_FIELDS;
        if (n < from || page.data[i] === 0) continue;
        if (!emit(n, Array.from(page.data.subarray(i, i + BUCKET_FIELDS)))) return false;
      }
    }
    return true;
  }

  /** The page of bucket `n`, allocated or recycled; undefined when `n` is older than the ring holds. */
  private writablePage(n: number, nowMs: number): Page | undefined {
    if (n < Math.floor(nowMs / this.resolutionMs) - this.capacity + 1) return undefined;
    const pageNo = Math.floor(n / PAGE_BUCKETS);
    const slot = pageNo % this.pages.length;
    let page = this.pages[slot];
    if (page === undefined) {
      page = { pageNo, data: new Float64Array(PAGE_BUCKETS * BUCKET_FIELDS) };
      this.pages[slot] = page;
      this.allocatedPages++;
    } else if (page.pageNo !== pageNo) {
      // The slot holds a newer page: this bucket fell out of the ring (only with clock skew).
      if (page.pageNo > pageNo) return undefined;
      page.pageNo = pageNo;
      page.data.fill(0);
    }
    return page;
  }

  /** Non-empty buckets with start in [fromMs, toMs), ascending, at most `limit`. */
  range(fromMs: number, toMs: number, limit: number): BucketTuple[] {
    const out: BucketTuple[] = [];
    const res = this.resolutionMs;
    for (let n = Math.ceil(fromMs / res); n * res < toMs && out.length < limit; n++) {
      const pageNo = Math.floor(n / PAGE_BUCKETS);
      const page = this.pages[pageNo % this.pages.length];
      if (page === undefined || page.pageNo !== pageNo) {
        n = (pageNo + 1) * PAGE_BUCKETS - 1; // skip the whole missing page
        continue;
      }
      const d = page.data;
      const i = (n - pageNo * PAGE_BUCKETS) * BUCKET_FIELDS;
      const count = d[i] as number;
      if (count === 0) continue;
      out.push([n * res, count, d[i + 1] as number, d[i + 2] as number, d[i + 3] as number, d[i + 4] as number]);
    }
    return out;
  }

  /** Frees pages whose buckets are all older than the window at `nowMs`; true when none remain. */
  prune(nowMs: number): boolean {
    const oldest = Math.floor(nowMs / this.resolutionMs) - this.capacity + 1;
    for (let s = 0; s < this.pages.length; s++) {
      const page = this.pages[s];
      if (page !== undefined && (page.pageNo + 1) * PAGE_BUCKETS <= oldest) {
        this.pages[s] = undefined;
        this.allocatedPages--;
      }
    }
    return this.allocatedPages === 0;
  }
}
