/**
 * The other storage figures, each against one target: `ingest-restart` (store N points,
 * stop, start again: time until a query returns them all) and `ingest-query` (15 minutes of 1 s
 * rollups of every series, queried in rounds: latency per query and per round).
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { sampleTree } from "../metrics/proc-sampler.js";
import { ServerMeter, type ServerUsage } from "../run/server-meter.js";
import { stopChild, trackChild } from "../util/child-registry.js";
import { acceptedPerSec, type DropCheck, dropCheck } from "./ingest-math.js";
import {
  awaitStored,
  loadBodies,
  type StoreProgress,
  type StoreRunOptions,
  storeRunDefaults,
  withStore,
} from "./ingest-steps.js";
import type { IngestTarget, RunningStore } from "./ingest-target.js";
import { type IngestWorkload, pointsPerSeries } from "./ingest-workload.js";
import type { QueryClientPlan, QueryClientResult } from "./query-client.js";
import type { WrkResult } from "./wrk-run.js";

/** The built query client (the same path from src/ under tests and from dist/). */
const QUERY_CLIENT = fileURLToPath(new URL("../../dist/ingest/query-client-process.js", import.meta.url));

/** Options shared by both figures. */
export interface StoreFigureOptions extends StoreRunOptions {
  /** Lines and series of each body (the stride is chosen per figure). */
  lines: number;
  series: number;
  /** Most time to wait for the stored counts after loading. */
  countTimeoutMs: number;
}

/** Defaults of `StoreFigureOptions`. */
export const storeFigureDefaults: StoreFigureOptions = {
  ...storeRunDefaults,
  lines: 5000,
  series: 100,
  countTimeoutMs: 20_000,
};

/** Loads `bodies` bodies ending about a second before now, and counts what was stored. */
async function loadAndCount(
  target: IngestTarget,
  store: RunningStore,
  w: IngestWorkload,
  bodies: number,
  o: StoreFigureOptions,
): Promise<{ load: WrkResult; check: DropCheck; first: number }> {
  const first = Date.now() - 1000 - bodies * pointsPerSeries(w) * w.strideMs;
  const load = await loadBodies(store, target, w, first, bodies, o.loadCpus);
  const expected = load.ok * pointsPerSeries(w);
  const counts = await awaitStored(target, store.baseUrl, w, first - 1000, expected, o.countTimeoutMs);
  return { load, check: dropCheck(counts, load.ok, load.sent, w), first };
}

/** Options of `runRestart`. */
export interface RestartOptions extends StoreFigureOptions {
  /** Points to store before the restart (rounded up to whole bodies). */
  points: number;
  /** The points of a series are spread over this much time before now. */
  spanMs: number;
  /** Grace between SIGTERM and SIGKILL when stopping (a store may flush on the way out). */
  stopGraceMs: number;
  /** Give up when the count served has not changed for this long. */
  stableMs: number;
  /** Give up after this long in any case. */
  maxWaitMs: number;
}

/** Defaults of `RestartOptions`: 1,000,000 points over the last 10 minutes. */
export const restartDefaults: RestartOptions = {
  ...storeFigureDefaults,
  points: 1_000_000,
  spanMs: 600_000,
  stopGraceMs: 60_000,
  stableMs: 5000,
  maxWaitMs: 60_000,
};

/** What `ingest-restart` measured. */
export interface RestartFigures {
  /** What the restarted server said about itself (version, store). */
  self: string;
  /** The load before the restart (one wrk connection). */
  load: WrkResult;
  /** Its rate. */
  loadPointsPerSec: number;
  /** Stored before the restart, against what was acknowledged. */
  before: DropCheck;
  /** SIGTERM to exit. */
  stopS: number;
  /** Start of the new process until it accepted connections (and, InfluxDB, its database was there). */
  upS: number;
  /** Start until a query returned every acknowledged point; undefined: never within the wait. */
  servedS?: number;
  /** Served after the restart, against what was acknowledged. */
  after: DropCheck;
  /** RSS of the restarted server once it served them (or gave up). */
  rssAfterMB: number;
}

/** Stores `points` points, restarts the target on the same data, times until they are served. */
export async function runRestart(
  target: IngestTarget,
  options: Partial<RestartOptions> = {},
  progress: StoreProgress = () => {},
): Promise<RestartFigures> {
  const o = { ...restartDefaults, ...options };
  const bodies = Math.ceil(o.points / o.lines);
  const perSeries = bodies * Math.floor(o.lines / o.series);
  const w: IngestWorkload = {
    lines: o.lines,
    series: o.series,
    strideMs: Math.max(1, Math.floor(o.spanMs / perSeries)),
  };
  return withStore(target, o, async (session) => {
    progress("loading", 0);
    const loaded = await loadAndCount(target, session.store, w, bodies, o);
    progress("restarting", 0.6);
    const { stopS, startedAt } = await session.restart(o.stopGraceMs);
    const upS = (performance.now() - startedAt) / 1000;
    const acked = loaded.check.acknowledged;
    let counts: number[] = [];
    let servedS: number | undefined;
    let last = -1;
    let changedAt = performance.now();
    for (;;) {
      counts = await target.countPoints(session.store.baseUrl, w, loaded.first - 1000);
      const total = counts.reduce((a, b) => a + b, 0);
      const now = performance.now();
      if (total >= acked && acked > 0) {
        servedS = (now - startedAt) / 1000;
        break;
      }
      if (total !== last) {
        last = total;
        changedAt = now;
      }
      if (now - changedAt > o.stableMs || now - startedAt > o.maxWaitMs) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const after = dropCheck(counts, loaded.load.ok, loaded.load.sent, w);
    const rss = sampleTree(session.store.pid)?.rssBytes ?? 0;
    return {
      self: session.store.self,
      load: loaded.load,
      loadPointsPerSec: Math.round(acceptedPerSec(loaded.load, w)),
      before: loaded.check,
      stopS: round(stopS),
      upS: round(upS),
      ...(servedS === undefined ? {} : { servedS: round(servedS) }),
      after,
      rssAfterMB: Math.round(rss / 1024 / 1024),
    };
  });
}

/** Options of `runQueryLatency`. */
export interface QueryLatencyOptions extends StoreFigureOptions {
  /** Window of each query. */
  windowMs: number;
  /**
   * The data loaded covers the window less this: a store may refuse points older than its
   * shortest retention (dashwire: 15 minutes, the 1 s ring's), and loading takes a while, so data
   * of exactly the window would reach past it. The queries' newest seconds have none either (the
   * load is over): "buckets per answer" in the report says how much of the window held data.
   */
  marginMs: number;
  /** Milliseconds between two points of a series (100: 10 points per 1 s bucket). */
  strideMs: number;
  warmupS: number;
  durationS: number;
}

/** Defaults of `QueryLatencyOptions`: 15 minutes at 10 points/s per series. */
export const queryLatencyDefaults: QueryLatencyOptions = {
  ...storeFigureDefaults,
  windowMs: 900_000,
  marginMs: 30_000,
  strideMs: 100,
  warmupS: 2,
  durationS: 15,
};

/** What `ingest-query` measured. */
export interface QueryFigures {
  /** What the server said about itself (version, store). */
  self: string;
  /** The load of the data (one wrk connection). */
  load: WrkResult;
  /** The data queried, against what was acknowledged. */
  loaded: DropCheck;
  client: QueryClientResult;
  /** The server while it answered. */
  server: ServerUsage;
}

/** Runs the query client as a pinned process; resolves with its result. */
async function queryClient(plan: QueryClientPlan, cpus: string): Promise<QueryClientResult> {
  const command = [process.execPath, QUERY_CLIENT, JSON.stringify(plan)];
  const argv = cpus ? ["taskset", "-c", cpus, ...command] : command;
  const child = spawn(argv[0] as string, argv.slice(1), { stdio: ["ignore", "pipe", "pipe"], detached: true });
  trackChild(child);
  let out = "";
  let err = "";
  child.stdout?.on("data", (d: Buffer) => {
    out += d.toString("utf8");
  });
  child.stderr?.on("data", (d: Buffer) => {
    err = (err + d.toString("utf8")).slice(-4000);
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", resolve);
  }).finally(() => stopChild(child));
  if (code !== 0) throw new Error(`query client exited with ${code}: ${err.trim()}`);
  return JSON.parse(out.trim().split("\n").at(-1) ?? "{}") as QueryClientResult;
}

/** Loads `windowMs - marginMs` of points for every series, then times rounds of window queries. */
export async function runQueryLatency(
  target: IngestTarget,
  options: Partial<QueryLatencyOptions> = {},
  progress: StoreProgress = () => {},
): Promise<QueryFigures> {
  const o = { ...queryLatencyDefaults, ...options };
  const w: IngestWorkload = { lines: o.lines, series: o.series, strideMs: o.strideMs };
  const bodies = Math.ceil((o.windowMs - o.marginMs) / o.strideMs / pointsPerSeries(w));
  return withStore(target, o, async ({ store }) => {
    progress("loading", 0);
    const loaded = await loadAndCount(target, store, w, bodies, o);
    progress("querying", 0.5);
    const meter = new ServerMeter([store.pid]);
    meter.startWindow();
    const ticker = setInterval(() => meter.sample(), 1000);
    const client = await queryClient(
      {
        target: target.name,
        baseUrl: store.baseUrl,
        series: o.series,
        windowMs: o.windowMs,
        warmupS: o.warmupS,
        durationS: o.durationS,
      },
      o.loadCpus,
    ).finally(() => clearInterval(ticker));
    meter.endWindow();
    return { self: store.self, load: loaded.load, loaded: loaded.check, client, server: meter.usage() };
  });
}

const round = (x: number) => Math.round(x * 1000) / 1000;
