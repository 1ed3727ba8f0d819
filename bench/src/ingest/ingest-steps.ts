/** Steps every storage scenario shares: a target in a temp folder, loading it, waiting for its counts. */
import { makeTempDir, removeTempDir } from "../util/temp-dirs.js";
import type { IngestTarget, RunningStore } from "./ingest-target.js";
import type { IngestWorkload } from "./ingest-workload.js";
import { runWrk, type WrkResult } from "./wrk-run.js";

/** Where the storage scenarios run their processes. */
export interface StoreRunOptions {
  /** CPU list of the server (taskset; empty: unpinned). */
  serverCpus: string;
  /** CPU list of wrk and the query client (empty: unpinned). */
  loadCpus: string;
  host: string;
}

/** Defaults of `StoreRunOptions`: server on CPU 0, load on CPU 1. */
export const storeRunDefaults: StoreRunOptions = { serverCpus: "0", loadCpus: "1", host: "127.0.0.1" };

/** Progress of a storage run: what it is doing and how far it is (0..1). */
export type StoreProgress = (step: string, fraction: number) => void;

/** A target started on a fresh data folder; the folder survives `restart`. */
export interface StoreSession {
  store: RunningStore;
  dataDir: string;
  /** Stops the server (SIGTERM, `graceMs` before SIGKILL) and starts it again on the same folder and port. */
  restart(graceMs: number): Promise<{ stopS: number; startedAt: number }>;
}

/** Runs `fn` with `target` started on a temp folder; stops it and deletes the folder afterwards. */
export async function withStore<T>(
  target: IngestTarget,
  o: StoreRunOptions,
  fn: (session: StoreSession) => Promise<T>,
): Promise<T> {
  const dataDir = makeTempDir(`dashwire-bench-${target.name}-`);
  const startOptions = { cpus: o.serverCpus, host: o.host, port: 0, dataDir };
  const session: StoreSession = {
    store: await target.start(startOptions).catch((error: unknown) => {
      target.cleanup?.(dataDir);
      removeTempDir(dataDir);
      throw error;
    }),
    dataDir,
    async restart(graceMs) {
      const t0 = performance.now();
      await session.store.stop(graceMs);
      const stopS = (performance.now() - t0) / 1000;
      const startedAt = performance.now();
      session.store = await target.start({ ...startOptions, port: session.store.port });
      return { stopS, startedAt };
    },
  };
  try {
    return await fn(session);
  } finally {
    await session.store.stop();
    target.cleanup?.(dataDir);
    removeTempDir(dataDir);
  }
}

/** Writes exactly `bodies` bodies from `base` over one connection (wrk stops after the last answer). */
export function loadBodies(
  store: RunningStore,
  target: IngestTarget,
  w: IngestWorkload,
  base: number,
  bodies: number,
  cpus: string,
): Promise<WrkResult> {
  return runWrk({
    url: store.baseUrl,
    path: target.writePath,
    workload: w,
    base,
    limit: bodies,
    threads: 1,
    connections: 1,
    durationS: 3600,
    cpus,
  });
}

/**
 * Counts the points of every series until each holds at least `expectedEach` or `timeoutMs`
 * passes, then returns the last counts. A store may serve a point only once its bucket has
 * closed (dashwire: the second, or the 10 s bucket for points older than 15 min), hence the wait.
 */
export async function awaitStored(
  target: IngestTarget,
  baseUrl: string,
  w: IngestWorkload,
  fromMs: number,
  expectedEach: number,
  timeoutMs: number,
): Promise<number[]> {
  const end = performance.now() + timeoutMs;
  for (;;) {
    const counts = await target.countPoints(baseUrl, w, fromMs);
    if (counts.every((n) => n >= expectedEach) || performance.now() > end) return counts;
    await new Promise((r) => setTimeout(r, 250));
  }
}
