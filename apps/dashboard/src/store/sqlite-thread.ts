/**
 * The store thread of `SqliteThreadStore` (`sqlite-thread-store.ts`): a `SqliteStore` of its own
 * connection that answers the points calls posted to it, one reply per call, in the order their
 * work finishes. Writes that arrive while a transaction commits share the next one (the store's
 * group commit), so the thread batches more the busier it is. Its fsyncs and folds block this
 * thread, not the one that serves requests.
 *
 * The same file runs the checkpoint thread (`role` "checkpoint"): every `CHECKPOINT_EVERY_MS`
 * it copies the committed WAL frames into the database file (a PASSIVE checkpoint, which waits
 * for no reader or writer), so that no connection that writes (this thread, the serving one)
 * has to: SQLite otherwise checkpoints in the commit that grows the WAL past 1,000 pages,
 * and that commit then took 50-200 ms instead of 5-15 (4 MB copied and fsynced).
 */
import { join } from "node:path";
import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";
import { SQLITE_FILE, SqliteStore, type SqliteStoreOptions } from "./sqlite-store.js";
import type { BucketTuple, SeriesPoint, StoreStats } from "./store.js";
import { StoreError, type StoreErrorKind } from "./store-error.js";

/** The calls the thread answers: `SqliteStore` methods of the same name. */
export type ThreadOp =
  | "write"
  | "writeAndRead"
  | "query"
  | "queryText"
  | "cells"
  | "deleteSeries"
  | "prune"
  | "exec"
  | "putDashboard"
  | "deleteDashboard"
  | "sub"
  | "close";

/** The parts of the store whose methods run on the thread through `sub` calls. */
export type SubStore = "leases" | "alerts" | "annotations";

/** How often the checkpoint thread checkpoints, ms. */
export const CHECKPOINT_EVERY_MS = 250;

/** What a thread is started with. */
export interface ThreadData {
  role: "store" | "checkpoint";
  options: SqliteStoreOptions;
}

/** A call posted to the thread. */
export interface ThreadCall {
  id: number;
  op: ThreadOp;
  args: unknown[];
}

/** An error as it crosses threads (a `StoreError` keeps its kind, an SQLite error its code). */
export interface ThreadError {
  message: string;
  kind: StoreErrorKind | undefined;
  code: string | undefined;
}

/** What the thread posts: its start, or the answer to a call (with the store's counters). */
export type ThreadReply =
  | { id: "ready" }
  | { id: "failed"; error: ThreadError }
  | { id: number; ok: true; value: unknown; stats: StoreStats }
  | { id: number; ok: false; error: ThreadError; stats: StoreStats };

/**
 * A write's points as they cross to the store thread: numbers in typed arrays that are
 * transferred, not copied, and each point's series as an index into a table both threads keep
 * (`SeriesPacker` here, `SeriesTable` there). A series crosses as text (id, name, tags as JSON)
 * once, in the first write that names it, not in every write: cloning a 2,000-point body's points
 * as objects cost the serving thread more than the write it handed off, and so did serializing
 * and cloning the id, name and tags of each of its 1,000 series in every body.
 */
export interface PackedPoints {
  /** Table generation: when it differs from the thread's, the thread empties its table first. */
  epoch: number;
  /** Series new to the table, `[id, name, tags JSON or ""]` each, at the indexes after the last. */
  fresh: string[];
  /** Per point, its series' index in the table. */
  which: Uint32Array;
  values: Float64Array;
  ts: Float64Array;
}

/**
 * Most series in the packer's table (and so in the thread's). Past it both start over empty
 * (a new epoch): the series of the next writes cross as text again. Bounded so that a stream of
 * new series, accepted or refused by the series limit, cannot grow them without end.
 */
export const PACKED_SERIES_MAX = 100_000;

/** The serving thread's side of the series table: packs writes for the store thread. */
export class SeriesPacker {
  private readonly index = new Map<string, number>();
  private epoch = 0;

  constructor(private readonly max = PACKED_SERIES_MAX) {}

  /** Packs `points` (in order), adding their new series to the table. */
  pack(points: readonly SeriesPoint[]): PackedPoints {
    if (this.index.size + points.length > this.max) {
      this.index.clear();
      this.epoch++;
    }
    const index = this.index;
    const packed: PackedPoints = {
      epoch: this.epoch,
      fresh: [],
      which: new Uint32Array(points.length),
      values: new Float64Array(points.length),
      ts: new Float64Array(points.length),
    };
    for (let i = 0; i < points.length; i++) {
      const p = points[i] as SeriesPoint;
      let k = index.get(p.id);
      if (k === undefined) {
        k = index.size;
        index.set(p.id, k);
        packed.fresh.push(p.id, p.name, p.tags === undefined ? "" : JSON.stringify(p.tags));
      }
      packed.which[i] = k;
      packed.values[i] = p.value;
      packed.ts[i] = p.ts;
    }
    return packed;
  }
}

/** The store thread's side of the series table: unpacks writes. */
export class SeriesTable {
  private epoch = 0;
  private readonly series: Array<Pick<SeriesPoint, "id" | "name" | "tags">> = [];

  /** The points of `packed`, in order (after adding its new series to the table). */
  unpack(packed: PackedPoints): SeriesPoint[] {
    if (packed.epoch !== this.epoch) {
      this.series.length = 0;
      this.epoch = packed.epoch;
    }
    const { fresh, which, values, ts } = packed;
    for (let j = 0; j < fresh.length; j += 3) {
      const tags = fresh[j + 2] as string;
      this.series.push({
        id: fresh[j] as string,
        name: fresh[j + 1] as string,
        tags: tags === "" ? undefined : (JSON.parse(tags) as SeriesPoint["tags"]),
      });
    }
    const out: SeriesPoint[] = new Array(which.length);
    for (let i = 0; i < which.length; i++) {
      const s = this.series[which[i] as number] as (typeof this.series)[number];
      out[i] = { id: s.id, name: s.name, tags: s.tags, value: values[i] as number, ts: ts[i] as number };
    }
    return out;
  }
}

/**
 * The answer to `cells(ids, t)` as it crosses back: six numbers per id asked, its cell's
 * `BucketTuple` or NaNs when it has none, in one transferred array. A preview asks for the
 * cells of every series written in the open second (1,000 under the ui bench, five times a
 * second); cloning its answer as 1,000 ids and arrays cost both threads more than reading it.
 */
export function packCells(ids: readonly string[], cells: ReadonlyArray<readonly [string, BucketTuple]>): Float64Array {
  const out = new Float64Array(6 * ids.length).fill(Number.NaN);
  // `cells` follows the order of `ids`, leaving out those with no cell.
  let i = 0;
  for (const [id, bucket] of cells) {
    while (ids[i] !== id) i++;
    out.set(bucket, 6 * i++);
  }
  return out;
}

/** The cells `packCells` packed, as `Store.cells` answers them. */
export function unpackCells(ids: readonly string[], packed: Float64Array): Array<[string, BucketTuple]> {
  const out: Array<[string, BucketTuple]> = [];
  for (let i = 0; i < ids.length; i++) {
    const o = 6 * i;
    if (Number.isNaN(packed[o])) continue;
    out.push([
      ids[i] as string,
      [
        packed[o] as number,
        packed[o + 1] as number,
        packed[o + 2] as number,
        packed[o + 3] as number,
        packed[o + 4] as number,
        packed[o + 5] as number,
      ],
    ]);
  }
  return out;
}

/** `err` as it crosses threads. */
export function threadError(err: unknown): ThreadError {
  return {
    message: err instanceof Error ? err.message : String(err),
    kind: err instanceof StoreError ? err.kind : undefined,
    code: typeof (err as { code?: unknown })?.code === "string" ? (err as { code: string }).code : undefined,
  };
}

function serve(port: NonNullable<typeof parentPort>, options: SqliteStoreOptions): void {
  let store: SqliteStore;
  try {
    store = new SqliteStore(options);
    // The checkpoint thread checkpoints.
    store.exec("PRAGMA wal_autocheckpoint = 0");
  } catch (err) {
    port.postMessage({ id: "failed", error: threadError(err) } satisfies ThreadReply);
    return;
  }
  const methods = store as unknown as Record<ThreadOp, (...args: unknown[]) => unknown>;
  const table = new SeriesTable();
  port.on("message", (call: ThreadCall) => {
    // A throw or rejection answers its own call only; the thread goes on serving. A write's new
    // series join the table whatever becomes of the write: the next writes refer to them.
    new Promise((resolve) => {
      if (call.op === "sub") {
        // `[path, args]`: a method of the store's leases, alerts or annotations, by its path
        // from the store (`["alerts", "rules", "put"]`).
        const [path, args] = call.args as [[SubStore, ...string[]], unknown[]];
        let target = store as unknown as Record<string, unknown>;
        for (const key of path.slice(0, -1)) target = target[key] as Record<string, unknown>;
        const method = target[path.at(-1) as string] as (...a: unknown[]) => unknown;
        resolve(method.apply(target, args));
        return;
      }
      const args =
        call.op === "write" || call.op === "writeAndRead"
          ? [table.unpack(call.args[0] as PackedPoints), ...call.args.slice(1)]
          : call.args;
      resolve(methods[call.op].apply(store, args));
    }).then(
      (value) => {
        if (call.op !== "cells") {
          port.postMessage({ id: call.id, ok: true, value, stats: store.stats } satisfies ThreadReply);
          return;
        }
        const packed = packCells(call.args[0] as string[], value as Array<[string, BucketTuple]>);
        port.postMessage({ id: call.id, ok: true, value: packed, stats: store.stats } satisfies ThreadReply, [
          packed.buffer as ArrayBuffer,
        ]);
      },
      (err: unknown) =>
        port.postMessage({ id: call.id, ok: false, error: threadError(err), stats: store.stats } satisfies ThreadReply),
    );
  });
  port.postMessage({ id: "ready" } satisfies ThreadReply);
}

/** The checkpoint thread: see the file comment. It runs until terminated. */
function checkpoint(port: NonNullable<typeof parentPort>, options: SqliteStoreOptions): void {
  let db: Database.Database;
  try {
    db = new Database(join(options.dataDir, SQLITE_FILE), { timeout: 0 });
  } catch (err) {
    port.postMessage({ id: "failed", error: threadError(err) } satisfies ThreadReply);
    return;
  }
  setInterval(() => {
    try {
      db.pragma("wal_checkpoint(PASSIVE)");
    } catch {
      // Busy (another worker's checkpoint runs) or the disk refused: the next one catches up.
    }
  }, CHECKPOINT_EVERY_MS);
  port.postMessage({ id: "ready" } satisfies ThreadReply);
}

if (parentPort !== null) {
  const data = workerData as ThreadData;
  if (data.role === "checkpoint") checkpoint(parentPort, data.options);
  else serve(parentPort, data.options);
}
