import { cpuShare, sampleTree, type TreeSample, waitShare } from "../metrics/proc-sampler.js";

/** One second of a set of process trees. */
export interface ServerSample {
  /** Seconds since the meter started. */
  t: number;
  /** CPU, % of one core. */
  cpuPct: number;
  /** % of the second spent waiting for a CPU. */
  waitPct: number;
  rssMB: number;
}

/** What the server used during the window, from /proc. */
export interface ServerUsage {
  /** Mean CPU over the window, % of one core (whole process tree, all nodes). */
  cpuPct: number;
  /** % of the window the tree's threads were runnable but waiting for a CPU (contention). */
  waitPct: number;
  rssAvgMB: number;
  rssPeakMB: number;
  /** RSS of the idle server before any client connected. */
  baselineRssMB: number;
  /** RSS at the end of the window. */
  endRssMB: number;
  processes: number;
}

const MB = 1024 * 1024;
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Adds up samples of several trees (several nodes of one target). */
export function sampleTrees(pids: readonly number[]): TreeSample | undefined {
  let sum: TreeSample | undefined;
  for (const pid of pids) {
    const s = sampleTree(pid);
    if (s === undefined) continue;
    if (sum === undefined) sum = { ...s };
    else {
      sum.cpuSeconds += s.cpuSeconds;
      sum.rssBytes += s.rssBytes;
      sum.processes += s.processes;
      sum.waitSeconds += s.waitSeconds;
    }
  }
  return sum;
}

/**
 * Samples the CPU, RSS and run-queue wait of one or more process trees (a server, the nodes of
 * a cluster, Redis): once a second for the timeline, and over the measurement window.
 */
export class ServerMeter {
  private readonly pids: readonly number[];
  private readonly startMs = Date.now();
  readonly baseline: TreeSample | undefined;
  private previous: TreeSample | undefined;
  private windowStart: TreeSample | undefined;
  private windowEnd: TreeSample | undefined;
  private rssPeak: number;
  private readonly windowRss: number[] = [];
  private inWindow = false;

  constructor(pids: readonly number[]) {
    this.pids = pids;
    this.baseline = sampleTrees(pids);
    this.previous = this.baseline;
    this.rssPeak = this.baseline?.rssBytes ?? 0;
  }

  /** The second since the previous call. */
  sample(): ServerSample | undefined {
    const now = sampleTrees(this.pids);
    if (!now || !this.previous) return undefined;
    const s = {
      t: round((Date.now() - this.startMs) / 1000),
      cpuPct: round(100 * cpuShare(this.previous, now)),
      waitPct: round(100 * waitShare(this.previous, now)),
      rssMB: round(now.rssBytes / MB),
    };
    this.previous = now;
    this.rssPeak = Math.max(this.rssPeak, now.rssBytes);
    if (this.inWindow) this.windowRss.push(now.rssBytes);
    return s;
  }

  startWindow(): void {
    this.windowStart = sampleTrees(this.pids);
    this.inWindow = true;
  }

  endWindow(): void {
    if (!this.inWindow) return;
    this.windowEnd = sampleTrees(this.pids);
    this.inWindow = false;
    if (this.windowEnd) this.windowRss.push(this.windowEnd.rssBytes);
  }

  /** Usage over the window (to now when the window never closed). */
  usage(): ServerUsage {
    const end = this.windowEnd ?? sampleTrees(this.pids);
    const start = this.windowStart;
    const rss = this.windowRss;
    if (end) this.rssPeak = Math.max(this.rssPeak, end.rssBytes);
    return {
      cpuPct: start && end ? round(100 * cpuShare(start, end)) : 0,
      waitPct: start && end ? round(100 * waitShare(start, end)) : 0,
      rssAvgMB: rss.length ? round(rss.reduce((a, b) => a + b, 0) / rss.length / MB) : 0,
      rssPeakMB: round(this.rssPeak / MB),
      baselineRssMB: round((this.baseline?.rssBytes ?? 0) / MB),
      endRssMB: round((end?.rssBytes ?? 0) / MB),
      processes: end?.processes ?? 0,
    };
  }
}

/** CPU % of one core a tree used between two samples taken around an idle period. */
export function idleCpuPct(pids: readonly number[], before: TreeSample | undefined): number {
  const after = sampleTrees(pids);
  return before && after ? round(100 * cpuShare(before, after)) : 0;
}
