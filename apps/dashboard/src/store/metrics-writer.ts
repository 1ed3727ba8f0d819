/**
 * The front of the store for points: fills in missing timestamps, refuses what the store must
 * not take (a point too far in the future, or older than the raw-point window, where a retry
 * could no longer be recognized), writes the rest in one transaction, and tells the live
 * publisher which series got data in which second. Every refusal carries a code.
 */
import { ApiErrorCode } from "../errors.js";
import { formatSeriesId, type Tags } from "../series/series-id.js";
import type { BucketTuple, PointRefusal, SeriesPoint, Store } from "./store.js";

/** A point before validation against the clock: `ts` undefined means now. */
export interface IncomingPoint {
  name: string;
  tags: Tags | undefined;
  value: number;
  ts: number | undefined;
  /** Its series id, when known (else built from name and tags). */
  id?: string;
}

/** Options of `MetricsWriter`. */
export interface MetricsWriterOptions {
  /** Most series; points of new series past it are refused. */
  maxSeries: number;
  /** How far ahead of the clock a point's timestamp may be, ms. */
  futureSkewMs: number;
  /** Clock (ms since the epoch); replaceable in tests. */
  now: () => number;
}

/**
 * Where the writer reports what was stored (the live publisher): the series written, by second,
 * and the cells the store read back with the write (`Store.writeAndRead`; empty without).
 */
export type StoredListener = (
  bySecond: ReadonlyMap<number, ReadonlySet<string>>,
  preview: boolean,
  cells: ReadonlyArray<readonly [string, BucketTuple]>,
) => void;

/** Which series of a client's write to read back with it (the live publisher's pick). */
export type ReadBackPicker = (points: readonly SeriesPoint[]) => readonly string[];

/** Validates and writes points; see the file comment. */
export class MetricsWriter {
  constructor(
    private readonly store: Store,
    readonly options: MetricsWriterOptions,
    private readonly onStored: StoredListener = () => {},
    private readonly readBack: ReadBackPicker = () => [],
  ) {}

  /** Length of the raw-point window, s. */
  get windowSeconds(): number {
    return (this.store.resolutions[0]?.retentionMs ?? 0) / 1000;
  }

  /** Oldest timestamp accepted at `now`: the start of the raw-point window. */
  oldestAccepted(now: number): number {
    const fine = this.store.resolutions[0];
    return fine === undefined ? Number.NEGATIVE_INFINITY : Math.floor((now - fine.retentionMs) / 1000 + 1) * 1000;
  }

  /**
   * Writes `points` (refusing some, by index, with a reason). `preview` marks points from
   * clients, whose open second is published before it closes. Rejects with a `StoreError` when
   * the store cannot write: then nothing of the batch was kept.
   */
  async write(points: readonly IncomingPoint[], preview = false): Promise<PointRefusal[]> {
    const now = this.options.now();
    const oldest = this.oldestAccepted(now);
    const refusals: PointRefusal[] = [];
    const batch: SeriesPoint[] = [];
    const indexOf: number[] = [];
    for (let i = 0; i < points.length; i++) {
      const p = points[i] as IncomingPoint;
      const ts = p.ts ?? now;
      if (ts > now + this.options.futureSkewMs) {
        refusals.push({
          index: i,
          code: ApiErrorCode.TimestampOutOfRange,
          error: `ts: ${ts} is more than ${this.options.futureSkewMs} ms in the future`,
        });
        continue;
      }
      if (ts < oldest) {
        refusals.push({
          index: i,
          code: ApiErrorCode.TimestampOutOfRange,
          error: `ts: ${ts} is older than the raw-point window (${this.windowSeconds} s, the 1 s retention)`,
        });
        continue;
      }
      batch.push({ id: p.id ?? formatSeriesId(p.name, p.tags), name: p.name, tags: p.tags, value: p.value, ts });
      indexOf.push(i);
    }
    const readBack = preview && batch.length > 0 && this.store.writeAndRead !== undefined ? this.readBack(batch) : [];
    let refused: PointRefusal[] = [];
    let cells: ReadonlyArray<readonly [string, BucketTuple]> = [];
    if (readBack.length > 0)
      ({ refusals: refused, cells } = await (this.store as Required<Store>).writeAndRead(
        batch,
        this.options.maxSeries,
        readBack,
      ));
    else if (batch.length > 0) refused = await this.store.write(batch, this.options.maxSeries);
    const skip = new Set<number>();
    for (const r of refused) {
      skip.add(r.index);
      refusals.push({ ...r, index: indexOf[r.index] as number });
    }
    if (batch.length > refused.length) {
      const bySecond = new Map<number, Set<string>>();
      for (let j = 0; j < batch.length; j++) {
        if (skip.has(j)) continue;
        const p = batch[j] as SeriesPoint;
        const second = Math.floor(p.ts / 1000) * 1000;
        let ids = bySecond.get(second);
        if (ids === undefined) bySecond.set(second, (ids = new Set()));
        ids.add(p.id);
      }
      this.onStored(bySecond, preview, cells);
    }
    if (refused.length > 0) refusals.sort((a, b) => a.index - b.index);
    return refusals;
  }
}
