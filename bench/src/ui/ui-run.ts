/// <reference lib="dom" />
/**
 * One run of the `ui` scenario: the dashboard app as users run it (`dashwire start --workers 1`,
 * SQLite `--sync full`) pinned to the server CPUs, headless Chromium pinned to the load CPUs:
 * 1. frames and heap: the `panels` × `seriesPerPanel` dashboard at `maxRate` 10 for `durationS`,
 *    every shown series written 5 times a second (so every publication path runs: rollups and
 *    open-second previews), after 6 minutes of their history (windows start full);
 * 2. POST → stat panel latency with no other load, then while a load generator on the load CPUs
 *    sends `ingestRate` points a second (`load-process.ts`).
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { dashwireStore } from "../ingest/dashwire-store.js";
import type { RunningStore } from "../ingest/ingest-target.js";
import { CHROMIUM_ARGS } from "../report/png.js";
import { createLatencyHistogram, type LatencySummary, recordLatency, summarizeLatency } from "../load/latency.js";
import { cpuShare, sampleTree } from "../metrics/proc-sampler.js";
import { stopChild, trackChild } from "../util/child-registry.js";
import { makeTempDir, removeTempDir } from "../util/temp-dirs.js";
import { drain, heapAfterGc, installProbes, type PageSample, slope } from "./page-probe.js";
import { benchDashboard, feedBatch, PROBE_SERIES, probeDashboard } from "./ui-workload.js";

/** Options of a run. */
export interface UiRunOptions {
  serverCpus: string;
  loadCpus: string;
  /** Seconds of the frames and heap window. */
  durationS: number;
  /** Seconds of each latency phase. */
  latencyS: number;
  panels: number;
  seriesPerPanel: number;
  /** Points a second of the ingest load during the second latency phase. */
  ingestRate: number;
  /** Path of Debian's chromium. */
  chromiumPath: string;
}

/** Frame figures of a window, ms. */
export interface FrameFigures {
  frames: number;
  intervalP50: number;
  intervalP95: number;
  intervalP99: number;
  /** Time the app's own frame callbacks took, per frame. */
  workP50: number;
  workP95: number;
  workP99: number;
  longTasks: number;
}

/** What a run measured. */
export interface UiFigures {
  frames: FrameFigures;
  /** Per minute of the window: frames p95 (ms) and the heap after a GC (MB). */
  timeline: { minute: number; intervalP95: number; workP95: number; heapMB: number }[];
  heap: { startMB: number; endMB: number; slopeKBPerMin: number };
  latencyIdle: LatencySummary;
  latencyLoaded: LatencySummary & {
    /** Points a second the load generator had acknowledged over the window. */
    ingestAccepted: number;
    ingestFailed: number;
    /** Bodies that came due while every connection waited for an answer. */
    ingestSkipped: number;
    serverCpuPct: number;
  };
  serverSelf: string;
}

/** Progress callback: what the run is doing. */
export type UiProgress = (step: string) => void;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Percentile `p` (0–100) of `values`. */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round((sorted[i] as number) * 100) / 100;
}

function frameFigures(s: PageSample): FrameFigures {
  const iv = [...s.frames].sort((a, b) => a - b);
  const wk = [...s.work].sort((a, b) => a - b);
  return {
    frames: iv.length,
    intervalP50: percentile(iv, 50),
    intervalP95: percentile(iv, 95),
    intervalP99: percentile(iv, 99),
    workP50: percentile(wk, 50),
    workP95: percentile(wk, 95),
    workP99: percentile(wk, 99),
    longTasks: s.longTasks,
  };
}

async function post(base: string, path: string, body: unknown, type = "application/json"): Promise<void> {
  const res = await fetch(`${base}${path}`, {
    method: "POST",
    headers: { "content-type": type },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`POST ${path}: ${res.status} ${(await res.text()).slice(0, 300)}`);
}

/** Chromium started through `taskset` (Playwright runs the wrapper as the browser). */
async function launchPinned(chromiumPath: string, cpus: string, dir: string): Promise<Browser> {
  const wrapper = join(dir, "chromium-pinned.sh");
  writeFileSync(wrapper, `#!/bin/sh\nexec taskset -c ${cpus} ${chromiumPath} "$@"\n`);
  chmodSync(wrapper, 0o755);
  return chromium.launch({
    executablePath: cpus ? wrapper : chromiumPath,
    args: CHROMIUM_ARGS,
  });
}

/** Opens a dashboard view and waits until it is connected and drawn. */
async function openView(browser: Browser, base: string, hash: string, panels: number): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  await installProbes(page, PROBE_SERIES);
  await page.goto(`${base}/${hash}`);
  await page.waitForSelector('[data-testid=conn-state][data-state="connected"]', { timeout: 30_000 });
  await page.waitForFunction((n) => document.querySelectorAll("[data-testid=panel]").length >= n, panels, {
    timeout: 30_000,
  });
  return page;
}

/** POSTs probe points (value = send time) every 200–400 ms for `seconds`; the page records each arrival. */
async function probeLatency(base: string, page: Page, seconds: number): Promise<LatencySummary> {
  const histogram = createLatencyHistogram();
  await drain(page);
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    const now = Date.now();
    await post(base, "/api/v1/metrics", { name: "bench.probe", tags: { k: "latency" }, value: now, ts: now });
    await sleep(200 + Math.random() * 200);
    for (const l of (await drain(page)).latencies) recordLatency(histogram, l * 1000);
  }
  await sleep(1000);
  for (const l of (await drain(page)).latencies) recordLatency(histogram, l * 1000);
  return summarizeLatency(histogram);
}

/** Starts the ingest load generator pinned to `cpus`; resolves with it and its latest counts. */
function startLoad(base: string, o: UiRunOptions): { child: ChildProcess; counts: () => LoadCounts } {
  const script = fileURLToPath(new URL("./load-process.js", import.meta.url));
  const args = [script, base, String(o.ingestRate), "2000", "4"];
  const child = o.loadCpus
    ? spawn("taskset", ["-c", o.loadCpus, process.execPath, ...args], {
        stdio: ["ignore", "pipe", "inherit"],
        detached: true,
      })
    : spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"], detached: true });
  trackChild(child);
  let latest: LoadCounts = { sent: 0, ok: 0, failed: 0, skipped: 0, points: 0 };
  let buffered = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    buffered += chunk.toString("utf8");
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    for (const line of lines) if (line.trim()) latest = JSON.parse(line) as LoadCounts;
  });
  return { child, counts: () => latest };
}

/** What the load generator prints each second (running totals). */
interface LoadCounts {
  sent: number;
  ok: number;
  failed: number;
  skipped: number;
  points: number;
}

/**
 * Moves this process (the driver: probe POSTs, the feeder, page reads) to the load CPUs, so the
 * server's CPUs run the server only; it ran wherever the scheduler put it, often beside the
 * server. Returns a function that puts it back.
 */
function pinDriver(cpus: string): () => void {
  if (!cpus) return () => {};
  const was = spawnSync("taskset", ["-p", "-c", String(process.pid)], { encoding: "utf8" });
  const before = /:\s*(\S+)\s*$/.exec(was.stdout ?? "")?.[1];
  if (was.status !== 0 || before === undefined) return () => {};
  // Every thread of the process, so the runtime's helpers move too.
  spawnSync("taskset", ["-a", "-p", "-c", cpus, String(process.pid)]);
  return () => void spawnSync("taskset", ["-a", "-p", "-c", before, String(process.pid)]);
}

/** Runs the scenario once. */
export async function runUi(o: UiRunOptions, progress: UiProgress): Promise<UiFigures> {
  const dir = makeTempDir("dashwire-bench-ui-");
  const unpin = pinDriver(o.loadCpus);
  let server: RunningStore | undefined;
  let browser: Browser | undefined;
  let feeder: ReturnType<typeof setInterval> | undefined;
  try {
    progress("starting the server");
    server = await dashwireStore.start({ cpus: o.serverCpus, host: "127.0.0.1", port: 0, dataDir: join(dir, "data") });
    const base = server.baseUrl;
    await post(base, "/api/v1/dashboards", benchDashboard(o.panels, o.seriesPerPanel));
    await post(base, "/api/v1/dashboards", probeDashboard);
    progress("writing 6 minutes of history");
    const now = Math.floor(Date.now() / 1000) * 1000;
    for (let t = now - 360_000; t < now; t += 10_000) {
      const batch: object[] = [];
      for (let s = t; s < t + 10_000; s += 1000) batch.push(...feedBatch(o.panels, o.seriesPerPanel, s));
      await post(base, "/api/v1/metrics", batch);
    }
    // Every shown series, 5 points a second.
    feeder = setInterval(() => {
      post(base, "/api/v1/metrics", feedBatch(o.panels, o.seriesPerPanel, Date.now())).catch(() => {});
    }, 200);

    browser = await launchPinned(o.chromiumPath, o.loadCpus, dir);
    progress("frames and heap");
    const page = await openView(browser, base, "#/d/bench-ui", o.panels);
    const cdp = await page.context().newCDPSession(page);
    await sleep(10_000); // back-fills answered, first draws done
    await drain(page);
    const all: PageSample = { frames: [], work: [], latencies: [], longTasks: 0 };
    const timeline: UiFigures["timeline"] = [];
    const heap: { x: number; y: number }[] = [{ x: 0, y: await heapAfterGc(cdp) }];
    const minutes = Math.max(1, Math.round(o.durationS / 60));
    const perStep = (o.durationS * 1000) / minutes;
    for (let m = 1; m <= minutes; m++) {
      const step: PageSample = { frames: [], work: [], latencies: [], longTasks: 0 };
      const stepEnd = Date.now() + perStep;
      while (Date.now() < stepEnd) {
        await sleep(Math.min(5000, Math.max(0, stepEnd - Date.now())));
        const s = await drain(page);
        step.frames.push(...s.frames);
        step.work.push(...s.work);
        step.longTasks += s.longTasks;
      }
      // The heap after a GC, once a minute (the forced GC's own pause falls in the next minute's frames).
      const mb = await heapAfterGc(cdp);
      heap.push({ x: m, y: mb });
      const f = frameFigures(step);
      timeline.push({ minute: m, intervalP95: f.intervalP95, workP95: f.workP95, heapMB: Math.round(mb * 100) / 100 });
      all.frames.push(...step.frames);
      all.work.push(...step.work);
      all.longTasks += step.longTasks;
      progress(`frames and heap: minute ${m} of ${minutes}`);
    }
    await page.close();

    progress("latency, no load");
    const probePage = await openView(browser, base, "#/d/bench-probe", 1);
    await sleep(2000);
    const latencyIdle = await probeLatency(base, probePage, o.latencyS);

    progress(`latency, ${o.ingestRate.toLocaleString("en-US")} points/s of ingest`);
    const load = startLoad(base, o);
    await sleep(5000);
    const before = load.counts();
    const cpuFrom = sampleTree(server.pid);
    const t0 = performance.now();
    const latency = await probeLatency(base, probePage, o.latencyS);
    const seconds = (performance.now() - t0) / 1000;
    const cpuTo = sampleTree(server.pid);
    const after = load.counts();
    await stopChild(load.child, 2000);
    await probePage.close();
    return {
      frames: frameFigures(all),
      timeline,
      heap: {
        startMB: Math.round((heap[0]?.y ?? 0) * 100) / 100,
        endMB: Math.round((heap.at(-1)?.y ?? 0) * 100) / 100,
        // Past the first minute (caches and JIT settle): what stays per minute.
        slopeKBPerMin: Math.round(slope(heap.slice(1)) * 1024 * 10) / 10,
      },
      latencyIdle,
      latencyLoaded: {
        ...latency,
        ingestAccepted: Math.round((after.points - before.points) / seconds),
        ingestFailed: after.failed - before.failed,
        ingestSkipped: after.skipped - before.skipped,
        serverCpuPct: cpuFrom && cpuTo ? Math.round(cpuShare(cpuFrom, cpuTo) * 100) : 0,
      },
      serverSelf: server.self,
    };
  } finally {
    unpin();
    if (feeder) clearInterval(feeder);
    await browser?.close().catch(() => {});
    await server?.stop(10_000).catch(() => {});
    removeTempDir(dir);
  }
}
