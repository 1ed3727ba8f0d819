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
import type { SeriesPoint, StoreStats } from "./store.js";
import { StoreError, type StoreErrorKind } from "./store-error.js";

/** The calls the thread answers: `SqliteStore` methods of the same name. */
export type ThreadOp = "write" | "query" | "queryText" | "cells" | "deleteSeries" | "prune" | "exec" | "close";

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
 * A write's points as they cross to the store thread: each series once, its id, name and tags
 * (as JSON) in one string of lines, the numbers in typed arrays that are transferred, not
 * copied. Cloning the points as objects (a 2,000-point body: 4,000 objects) cost the serving
 * thread more than the write it handed off, and so did cloning thousands of separate strings.
 */
export interface PackedPoints {
  /** `id\nname\ntags\n` per series ("" tags: none); undefined when a part holds a line break. */
  series: string | undefined;
  /** The same as arrays (`[id, name, tags]` per series), when `series` is undefined. */
  parts: string[] | undefined;
  /** Per point, its series' index. */
  which: Uint32Array;
  values: Float64Array;
  ts: Float64Array;
}

/** Packs `points` (in order) for the store thread. */
export function packPoints(points: readonly SeriesPoint[]): PackedPoints {
  const index = new Map<string, number>();
  const parts: string[] = [];
  let lineBreak = false;
  const packed: PackedPoints = {
    series: undefined,
    parts: undefined,
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
      // JSON escapes line breaks; an id or name (validated ones cannot) might hold one.
      if (p.id.includes("\n") || p.name.includes("\n")) lineBreak = true;
      parts.push(p.id, p.name, p.tags === undefined ? "" : JSON.stringify(p.tags));
    }
    packed.which[i] = k;
    packed.values[i] = p.value;
    packed.ts[i] = p.ts;
  }
  if (lineBreak) packed.parts = parts;
  else packed.series = parts.join("\n");
  return packed;
}

/** The points of `packed`, in order. */
export function unpackPoints(packed: PackedPoints): SeriesPoint[] {
  const parts = packed.parts ?? (packed.series as string).split("\n");
  const tags = new Array<SeriesPoint["tags"]>(parts.length / 3);
  for (let k = 0; k < tags.length; k++) {
    const t = parts[3 * k + 2] as string;
    tags[k] = t === "" ? undefined : (JSON.parse(t) as SeriesPoint["tags"]);
  }
  const out: SeriesPoint[] = new Array(packed.which.length);
  for (let i = 0; i < packed.which.length; i++) {
    const k = packed.which[i] as number;
    out[i] = {
      id: parts[3 * k] as string,
      name: parts[3 * k + 1] as string,
      tags: tags[k],
      value: packed.values[i] as number,
      ts: packed.ts[i] as number,
    };
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
  port.on("message", (call: ThreadCall) => {
    // A throw or rejection answers its own call only; the thread goes on serving.
    const args = call.op === "write" ? [unpackPoints(call.args[0] as PackedPoints), call.args[1]] : call.args;
    new Promise((resolve) => resolve(methods[call.op].apply(store, args))).then(
      (value) => port.postMessage({ id: call.id, ok: true, value, stats: store.stats } satisfies ThreadReply),
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
