/**
 * The SQLite store as the app runs it: points on a thread of their own. A write of points is a
 * transaction whose commit fsyncs (`--sync full`), and a fold is another; on the thread that
 * serves requests and publishes, each blocked everything else for its whole length (a 2,000-point
 * body over 1,000 series: ~7 ms, p99 ~40 ms with its fsync), so a POSTed point waited behind
 * other clients' bodies on its way to a panel. Here they run on a store thread
 * (`sqlite-thread.ts`) with its own connection to the same file, which answers the points calls
 * (write, the reads that fold or read the rows it wrote, delete, prune) and every other write
 * (dashboards, alerts, leases, annotations); this thread keeps a connection that only reads
 * (dashboards, listing series). A write of this thread's own blocked it while the store
 * thread held SQLite's write lock: the alert evaluator renews its lease every 2 s, and under
 * ingest the renewal waited in SQLite's busy handler for the thread's commits and folds (the
 * serving thread stalled 100-200 ms). An acknowledged write is committed exactly as before: the
 * thread answers after its commit. A second thread checkpoints the WAL, so that no writing
 * connection does (`sqlite-thread.ts`).
 *
 * If the store thread stops (it should not: every call's error is answered to that call), every
 * waiting call and every later one fails with `StoreError` `unavailable` (503).
 */
import { type TransferListItem, Worker } from "node:worker_threads";
import type { AlertStore } from "./alert-store.js";
import type { AnnotationStore } from "./annotation-store.js";
import type { Leases } from "./lease.js";
import { SqliteStore, type SqliteStoreOptions, sqliteStoreDefaults } from "./sqlite-store.js";
import {
  SeriesPacker,
  type ThreadCall,
  type ThreadData,
  type ThreadError,
  type ThreadOp,
  type ThreadReply,
  type SubStore,
  threadError,
  unpackCells,
} from "./sqlite-thread.js";
import type {
  BucketTuple,
  DashboardWrite,
  Expect,
  PointRefusal,
  PruneResult,
  Resolution,
  SeriesInfo,
  SeriesMatch,
  SeriesPoint,
  Store,
  StoredDashboard,
  StoreStats,
  WriteAndRead,
} from "./store.js";
import { StoreError } from "./store-error.js";

/** An error from the store thread, as this thread throws it. */
function errorOf(e: ThreadError): Error {
  if (e.kind !== undefined) return new StoreError(e.kind, e.message);
  return Object.assign(new Error(e.message), e.code === undefined ? {} : { code: e.code });
}

/**
 * Starts a thread of `sqlite-thread.ts` in `data.role`. Under Vitest this module runs from its
 * TypeScript source, so the thread loads the source through tsx; built, it runs the compiled file.
 */
function startThread(data: ThreadData): Worker {
  const fromSource = import.meta.url.endsWith(".ts");
  const entry = new URL(fromSource ? "./sqlite-thread.ts" : "./sqlite-thread.js", import.meta.url);
  if (!fromSource) return new Worker(entry, { workerData: data });
  const boot = `import("tsx/esm/api").then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { eval: true, workerData: data });
}

/** Resolves once `thread` said it opened the database; rejects with its error if it did not. */
async function started(thread: Worker): Promise<void> {
  const reply = await new Promise<ThreadReply>((resolve) => {
    thread.once("message", resolve);
    thread.once("error", (err) => resolve({ id: "failed", error: threadError(err) }));
    thread.once("exit", () =>
      resolve({ id: "failed", error: { message: "the store thread stopped", kind: "unavailable", code: undefined } }),
    );
  });
  if (reply.id === "failed") throw errorOf(reply.error);
}

/** The SQLite `Store` with its points on a store thread; see the file comment. */
export class SqliteThreadStore implements Store {
  readonly kind = "sqlite";
  readonly stats: StoreStats = { writes: 0, cellsRecomputed: 0 };
  readonly options: SqliteStoreOptions;
  readonly resolutions: readonly Resolution[];
  readonly file: string;
  readonly leases: Leases;
  readonly alerts: AlertStore;
  readonly annotations: AnnotationStore;
  private readonly calls = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
  private next = 0;
  /** The series table of writes posted to the thread (`sqlite-thread.ts`). */
  private readonly packer = new SeriesPacker();
  private stopped: StoreError | undefined;
  /** Set when `close` began (the checkpoint thread's exit is then expected). */
  private closing = false;
  private closed: Promise<void> | undefined;

  private constructor(
    /** This thread's connection (it created or migrated the file before the thread opened it). */
    private readonly local: SqliteStore,
    private readonly thread: Worker,
    private readonly checkpointer: Worker,
  ) {
    this.options = local.options;
    this.resolutions = local.resolutions;
    this.file = local.file;
    this.leases = this.onThread<Leases>("leases");
    this.alerts = this.onThread<AlertStore>("alerts");
    this.annotations = this.onThread<AnnotationStore>("annotations");
    thread.on("message", this.answer);
    thread.on("error", (err) => this.stop(`the store thread failed: ${err.message}`));
    thread.on("exit", () => this.stop("the store thread stopped"));
    thread.unref();
    checkpointer.unref();
    // Without it the writer (the store thread; this connection only reads) checkpoints again,
    // as SQLite does by default (at 1,000 WAL pages).
    checkpointer.on("exit", () => {
      if (!this.closing) this.call("exec", ["PRAGMA wal_autocheckpoint = 1000"]).catch(() => {});
    });
  }

  /**
   * Opens (creating or migrating) the database, then starts the store thread and the
   * checkpoint thread on it.
   */
  static async open(options: Partial<SqliteStoreOptions> = {}): Promise<SqliteThreadStore> {
    // Workers of a machine open the file together, each with three connections; one that meets
    // a lock it may not wait for (SQLITE_BUSY without the busy handler, e.g. while another
    // connection recovers the WAL index) starts again, for a bounded time.
    const until = Date.now() + 2 * (options.busyTimeoutMs ?? sqliteStoreDefaults.busyTimeoutMs);
    for (;;) {
      try {
        return await SqliteThreadStore.openOnce(options);
      } catch (err) {
        const code = String((err as { code?: unknown }).code ?? "");
        const busy = code.startsWith("SQLITE_BUSY") || /database is locked/.test(String(err));
        if (!busy || Date.now() > until) throw err;
        await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 150));
      }
    }
  }

  private static async openOnce(options: Partial<SqliteStoreOptions>): Promise<SqliteThreadStore> {
    const local = new SqliteStore(options);
    const all = { ...sqliteStoreDefaults, ...options };
    const thread = startThread({ role: "store", options: all });
    const checkpointer = startThread({ role: "checkpoint", options: all });
    try {
      await Promise.all([started(thread), started(checkpointer)]);
    } catch (err) {
      await Promise.all([thread.terminate(), checkpointer.terminate()]);
      await local.close();
      throw err;
    }
    return new SqliteThreadStore(local, thread, checkpointer);
  }

  private readonly answer = (reply: ThreadReply): void => {
    if (typeof reply.id !== "number" || !("ok" in reply)) return;
    const call = this.calls.get(reply.id);
    if (call === undefined) return;
    this.calls.delete(reply.id);
    if (this.calls.size === 0) this.thread.unref();
    this.stats.writes = reply.stats.writes;
    this.stats.cellsRecomputed = reply.stats.cellsRecomputed;
    if (reply.ok) call.resolve(reply.value);
    else call.reject(errorOf(reply.error));
  };

  /** Fails every waiting call and every later one. */
  private stop(why: string): void {
    this.stopped ??= new StoreError("unavailable", why);
    for (const call of this.calls.values()) call.reject(this.stopped);
    this.calls.clear();
  }

  /**
   * `part` of the store with each of its (async) methods run on the store thread, its nested
   * parts too (`alerts.rules.put`): each property is a function that calls the thread with its
   * path, and has properties of its own.
   */
  private onThread<T extends object>(part: SubStore, path: string[] = [part]): T {
    return new Proxy(() => {}, {
      apply: (_, __, args: unknown[]) => this.call("sub", [path, args]),
      get: (_, key) =>
        // Not a thenable (an `await` of a part must not call the thread).
        typeof key !== "string" || key === "then" ? undefined : this.onThread(part, [...path, key]),
    }) as unknown as T;
  }

  /** Posts a call to the store thread; resolves with its answer. */
  private call<T>(op: ThreadOp, args: unknown[], transfer: readonly TransferListItem[] = []): Promise<T> {
    if (this.stopped !== undefined) return Promise.reject(this.stopped);
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      // A waiting call keeps the process alive (a script awaiting a write), an idle thread does not.
      if (this.calls.size === 0) this.thread.ref();
      this.calls.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.thread.postMessage({ id, op, args } satisfies ThreadCall, transfer);
    });
  }

  write(points: readonly SeriesPoint[], maxSeries: number): Promise<PointRefusal[]> {
    if (points.length === 0) return Promise.resolve([]);
    return this.callPacked("write", points, [maxSeries]);
  }

  writeAndRead(points: readonly SeriesPoint[], maxSeries: number, readBack: readonly string[]): Promise<WriteAndRead> {
    if (points.length === 0) return Promise.resolve({ refusals: [], cells: [] });
    return this.callPacked("writeAndRead", points, [maxSeries, readBack]);
  }

  /** Posts a write of `points`, packed (`SeriesPacker`), followed by `rest`. */
  private callPacked<T>(op: "write" | "writeAndRead", points: readonly SeriesPoint[], rest: unknown[]): Promise<T> {
    const packed = this.packer.pack(points);
    return this.call(
      op,
      [packed, ...rest],
      [packed.which.buffer as ArrayBuffer, packed.values.buffer as ArrayBuffer, packed.ts.buffer as ArrayBuffer],
    );
  }

  query(id: string, res: number, from: number, to: number, limit: number): Promise<BucketTuple[]> {
    return this.call("query", [id, res, from, to, limit]);
  }

  queryText(ids: readonly string[], res: number, from: number, to: number, limit: number): Promise<string[]> {
    return this.call("queryText", [ids, res, from, to, limit]);
  }

  async cells(ids: readonly string[], t: number): Promise<Array<[string, BucketTuple]>> {
    return unpackCells(ids, await this.call<Float64Array>("cells", [ids, t]));
  }

  deleteSeries(match: SeriesMatch): Promise<number> {
    return this.call("deleteSeries", [match]);
  }

  prune(nowMs: number): Promise<PruneResult> {
    return this.call("prune", [nowMs]);
  }

  /** Runs `sql` on the store thread's connection (tests and tools). */
  exec(sql: string): Promise<void> {
    return this.call("exec", [sql]);
  }

  listSeries(match: SeriesMatch, limit: number): Promise<SeriesInfo[]> {
    return this.local.listSeries(match, limit);
  }

  seriesCount(): Promise<number> {
    return this.local.seriesCount();
  }

  diskBytes(): Promise<number> {
    return this.local.diskBytes();
  }

  listDashboards(): Promise<StoredDashboard[]> {
    return this.local.listDashboards();
  }

  getDashboard(id: string): Promise<StoredDashboard | undefined> {
    return this.local.getDashboard(id);
  }

  putDashboard(id: string, body: string, expect: Expect, max: number): Promise<DashboardWrite> {
    return this.call("putDashboard", [id, body, expect, max]);
  }

  deleteDashboard(id: string, expect: Expect): Promise<DashboardWrite> {
    return this.call("deleteDashboard", [id, expect]);
  }

  close(): Promise<void> {
    this.closed ??= this.closeOnce();
    return this.closed;
  }

  private async closeOnce(): Promise<void> {
    this.closing = true;
    await this.checkpointer.terminate();
    // Writes the thread accepted are committed (or refused) before its connection closes.
    if (this.stopped === undefined) await this.call("close", []).catch(() => {});
    this.stopped ??= new StoreError("unavailable", "the store is closed");
    await this.thread.terminate();
    await this.local.close();
  }
}
