/**
 * The `ingest` scenario for one target: a warm-up and a measured wrk run of line-protocol bodies
 * (server and wrk pinned to their own cores), the server's CPU and RSS over the window, then a
 * count of every series proving no acknowledged point was dropped.
 */
import { ServerMeter, type ServerUsage } from "../run/server-meter.js";
import { acceptedPerSec, type DropCheck, dropCheck, pointsPerCpuSecond } from "./ingest-math.js";
import { awaitStored, type StoreProgress, type StoreRunOptions, storeRunDefaults, withStore } from "./ingest-steps.js";
import type { IngestTarget } from "./ingest-target.js";
import { type IngestWorkload, ingestWorkloadDefaults, nextBase, pointsPerSeries } from "./ingest-workload.js";
import { runWrk, type WrkResult } from "./wrk-run.js";

/** Options of `runIngest`. */
export interface IngestRunOptions extends StoreRunOptions {
  workload: IngestWorkload;
  warmupS: number;
  durationS: number;
  /** wrk connections (the peer figure: 4) and threads (1: one load core). */
  connections: number;
  threads: number;
  /**
   * How far before now the timestamps start. A series gets `lines / series` points per body, 1 ms
   * apart (ms is what every target stores), so at 300,000 points/s over 100 series the run writes
   * 3 s of timestamps per second: it must start in the past to stay behind the clock (dashwire
   * refuses points more than 5 s ahead). 10 min covers 20 s runs up to ~30× real time, and stays in
   * dashwire's 15-minute 1 s ring, so the count is exact per second.
   */
  lookbackMs: number;
  /** Most time to wait for the stored counts to reach the acknowledged ones. */
  countTimeoutMs: number;
}

/** Defaults of `IngestRunOptions`: the peer figure's method (wrk -t1 -c4, 15 s). */
export const ingestRunDefaults: IngestRunOptions = {
  ...storeRunDefaults,
  workload: ingestWorkloadDefaults,
  warmupS: 5,
  durationS: 15,
  connections: 4,
  threads: 1,
  lookbackMs: 600_000,
  countTimeoutMs: 15_000,
};

/** What one target did in the `ingest` scenario. */
export interface IngestFigures {
  /** What the server said about itself (version, store). */
  self: string;
  /** The measured window. */
  window: WrkResult;
  /** The warm-up (undefined with `warmupS` 0). */
  warmup?: WrkResult;
  /** Points acknowledged per second in the window. */
  pointsPerSec: number;
  /** The same per second of server CPU (undefined when no CPU was measured). */
  pointsPerCpuSecond?: number;
  server: ServerUsage;
  /** Counted over warm-up and window (every point the target acknowledged). */
  drop: DropCheck;
  /** First timestamp written and the first one after the last (ms since the epoch). */
  timestamps: { first: number; end: number };
}

/** Runs the `ingest` scenario against one target. */
export async function runIngest(
  target: IngestTarget,
  options: Partial<IngestRunOptions> = {},
  progress: StoreProgress = () => {},
): Promise<IngestFigures> {
  const o = { ...ingestRunDefaults, ...options };
  const w = o.workload;
  const total = o.warmupS + o.durationS + 3;
  return withStore(target, o, async ({ store }) => {
    const first = Date.now() - o.lookbackMs;
    const wrk = (base: number, durationS: number) =>
      runWrk({
        url: store.baseUrl,
        path: target.writePath,
        workload: w,
        base,
        limit: 0,
        threads: o.threads,
        connections: o.connections,
        durationS,
        cpus: o.loadCpus,
      });
    let base = first;
    let warmup: WrkResult | undefined;
    if (o.warmupS > 0) {
      progress("warm-up", 0);
      warmup = await wrk(base, o.warmupS);
      base = nextBase(base, warmup.lastBlock, w);
    }
    progress("measuring", o.warmupS / total);
    const meter = new ServerMeter([store.pid]);
    meter.startWindow();
    const started = performance.now();
    const ticker = setInterval(() => {
      meter.sample();
      progress("measuring", (o.warmupS + (performance.now() - started) / 1000) / total);
    }, 1000);
    const window = await wrk(base, o.durationS).finally(() => clearInterval(ticker));
    meter.endWindow();
    const end = nextBase(base, window.lastBlock, w);

    progress("counting", (total - 2) / total);
    const ackedBodies = window.ok + (warmup?.ok ?? 0);
    const sentBodies = window.sent + (warmup?.sent ?? 0);
    const perSeries = ackedBodies * pointsPerSeries(w);
    const counts = await awaitStored(target, store.baseUrl, w, first - 1000, perSeries, o.countTimeoutMs);
    const server = meter.usage();
    const pointsPerSec = Math.round(acceptedPerSec(window, w));
    const perCpu = pointsPerCpuSecond(pointsPerSec, server.cpuPct);
    return {
      self: store.self,
      window,
      ...(warmup ? { warmup } : {}),
      pointsPerSec,
      ...(perCpu === undefined ? {} : { pointsPerCpuSecond: perCpu }),
      server,
      drop: dropCheck(counts, ackedBodies, sentBodies, w),
      timestamps: { first, end },
    };
  });
}
