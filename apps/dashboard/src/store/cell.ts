/**
 * A 1-second cell: the rollup of one series over one second (count, sum, min, max, last and the
 * timestamp of last) together with the raw points it was computed from. Keeping the raw points
 * beside the rollup is what makes ingest idempotent (InfluxDB's rule: a point is identified by
 * series and timestamp, and writing it again replaces it): merging a batch into a cell knows
 * whether each point is new, the same again (nothing changes) or a replacement (the cell is
 * recomputed from its points, so min and max stay exact).
 *
 * Raw points are encoded as one Float64Array of `[ts, value, ts, value, …]` sorted by ts (a ms
 * timestamp is exact in a float64), 16 bytes a point; a second holds at most 1000 distinct ms.
 * Pure code shared by every store engine.
 */

/** Rollup fields of a bucket: count, sum, min, max, last, and the timestamp of `last`. */
export interface Agg {
  count: number;
  sum: number;
  min: number;
  max: number;
  last: number;
  lastTs: number;
}

/** A 1-second cell to store: its rollup and raw points (which ones: see `CellWrite`). */
export interface Cell extends Agg {
  raw: Float64Array | undefined;
}

/**
 * How a merged cell is stored: `new` (a new cell, `raw` its points), `append` (every new point
 * is newer than the cell's newest: `raw` holds only the new points, stored as one more segment
 * beside the cell's, so appending never rewrites what is stored), `rewrite` (`raw` holds all the
 * cell's points, replacing its stored segments), or `none` (nothing changed).
 */
export type CellWrite = "new" | "append" | "rewrite" | "none";

/** What merging a batch into a cell did. */
export interface CellMerge {
  /** The cell to store (undefined when nothing changed); `raw` as `kind` says. */
  cell: Cell | undefined;
  kind: CellWrite;
  /** True when a stored point got a different value (coarser buckets must be recomputed). */
  replaced: boolean;
  /** Rollup of the points that were new (undefined when none); merged into coarser buckets. */
  added: Agg | undefined;
}

/** An empty rollup (the identity of `mergeAgg`). */
export function emptyAgg(): Agg {
  return {
    count: 0,
    sum: 0,
    min: Number.POSITIVE_INFINITY,
    max: Number.NEGATIVE_INFINITY,
    last: 0,
    lastTs: Number.NEGATIVE_INFINITY,
  };
}

/** Merges `b` into `a` (in place): counts and sums add, min of mins, max of maxes, newest last. */
export function mergeAgg(a: Agg, b: Agg): Agg {
  if (b.count === 0) return a;
  a.count += b.count;
  a.sum += b.sum;
  if (b.min < a.min) a.min = b.min;
  if (b.max > a.max) a.max = b.max;
  if (b.lastTs >= a.lastTs) {
    a.last = b.last;
    a.lastTs = b.lastTs;
  }
  return a;
}

/** The rollup of `[ts, value, …]` pairs sorted by ts. */
export function aggOf(pairs: Float64Array): Agg {
  const a = emptyAgg();
  const n = pairs.length;
  for (let i = 0; i < n; i += 2) {
    const v = pairs[i + 1] as number;
    a.sum += v;
    if (v < a.min) a.min = v;
    if (v > a.max) a.max = v;
  }
  a.count = n / 2;
  if (n > 0) {
    a.last = pairs[n - 1] as number;
    a.lastTs = pairs[n - 2] as number;
  }
  return a;
}

/** Encodes raw pairs for storage (a copy of the bytes: safe to keep after the array changes). */
export function encodeRaw(pairs: Float64Array): Buffer {
  return Buffer.from(pairs.buffer, pairs.byteOffset, pairs.byteLength);
}

/** Decodes stored raw pairs; undefined for none or a blob that is not whole pairs. */
export function decodeRaw(blob: Uint8Array | null | undefined): Float64Array | undefined {
  if (blob === null || blob === undefined || blob.byteLength === 0 || blob.byteLength % 16 !== 0) return undefined;
  // Copy into an aligned buffer: a driver's Buffer may start at any byte offset of a pool.
  const copy = new Float64Array(blob.byteLength / 8);
  new Uint8Array(copy.buffer).set(blob);
  return copy;
}

/**
 * Merges `incoming` pairs (sorted by ts, no ts twice) into `existing` (its rollup). A point whose
 * ts is stored with the same value changes nothing; with another value it replaces the stored
 * one. `loadRaw` reads the cell's stored points; it is called only when some incoming point is
 * not newer than the cell's newest (the common append needs none of them).
 */
export function mergeCell(
  existing: Agg | undefined,
  incoming: Float64Array,
  loadRaw: () => Float64Array | undefined = () => undefined,
): CellMerge {
  if (existing === undefined || existing.count === 0) {
    const agg = aggOf(incoming);
    return { cell: { ...agg, raw: incoming }, kind: "new", replaced: false, added: { ...agg } };
  }
  // Common case: every new point is newer than the cell's newest (appending).
  if ((incoming[0] as number) > existing.lastTs) {
    const added = aggOf(incoming);
    const agg = mergeAgg(copyAgg(existing), added);
    return { cell: { ...agg, raw: incoming }, kind: "append", replaced: false, added };
  }
  const old = loadRaw();
  if (old === undefined) {
    // Raw points pruned (older than the raw window): callers refuse such points before here.
    throw new RangeError("cannot merge into a cell whose raw points were pruned");
  }
  const { points: raw, replaced, added } = mergePairs(old, incoming);
  if (!replaced && added.count === 0) return { cell: undefined, kind: "none", replaced: false, added: undefined };
  if (replaced) return { cell: { ...aggOf(raw), raw }, kind: "rewrite", replaced: true, added: undefined };
  return { cell: { ...mergeAgg(copyAgg(existing), added), raw }, kind: "rewrite", replaced: false, added };
}

/** What `mergePairs` found. */
export interface PairsMerge {
  /** The merged pairs, sorted, each ts once. */
  points: Float64Array;
  /** Some ts was in both. */
  same: boolean;
  /** Some ts was in both with another value. */
  replaced: boolean;
  /** Rollup of the incoming points whose ts was not in `old`. */
  added: Agg;
}

/**
 * Merges `incoming` pairs into `old` (both `[ts, value, …]` sorted, each ts once): an incoming
 * point replaces an old one with the same ts.
 */
export function mergePairs(old: Float64Array, incoming: Float64Array): PairsMerge {
  const out = new Float64Array(old.length + incoming.length);
  const added = emptyAgg();
  let same = false;
  let replaced = false;
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < old.length || j < incoming.length) {
    const ots = i < old.length ? (old[i] as number) : Number.POSITIVE_INFINITY;
    const nts = j < incoming.length ? (incoming[j] as number) : Number.POSITIVE_INFINITY;
    if (ots < nts) {
      out[k++] = ots;
      out[k++] = old[i + 1] as number;
      i += 2;
    } else {
      const v = incoming[j + 1] as number;
      if (ots === nts) {
        same = true;
        // Object.is: NaN never reaches here (values are finite), and -0 vs 0 is a change.
        if (!Object.is(old[i + 1], v)) replaced = true;
        i += 2;
      } else {
        mergeAgg(added, { count: 1, sum: v, min: v, max: v, last: v, lastTs: nts });
      }
      out[k++] = nts;
      out[k++] = v;
      j += 2;
    }
  }
  return { points: out.subarray(0, k), same, replaced, added };
}

/** A rollup as stored in a row (`last_ts` is the timestamp of `last`). */
export interface AggRow {
  count: number;
  sum: number;
  min: number;
  max: number;
  last: number;
  last_ts: number;
}

/** The rollup of a stored row. */
export function aggOfRow(row: AggRow): Agg {
  return { count: row.count, sum: row.sum, min: row.min, max: row.max, last: row.last, lastTs: row.last_ts };
}

function copyAgg(a: Agg): Agg {
  return { count: a.count, sum: a.sum, min: a.min, max: a.max, last: a.last, lastTs: a.lastTs };
}

/** Joins stored segments (each sorted, each newer than the one before) into one sorted array. */
export function concatRaw(parts: ReadonlyArray<Float64Array | undefined>): Float64Array | undefined {
  const present = parts.filter((p): p is Float64Array => p !== undefined);
  if (present.length <= 1) return present[0];
  const out = new Float64Array(present.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of present) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
