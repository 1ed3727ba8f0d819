import { readRunQueueWait } from "../metrics/proc-sampler.js";

/** Options of a `CpuMeter`. */
export interface CpuMeterOptions {
  /** Mean CPU share of one core above which the load generator is the bottleneck. */
  saturatedAbove: number;
}

/** Defaults of `CpuMeterOptions`: a core busy more than 90 % of the time is saturated. */
export const cpuMeterDefaults: CpuMeterOptions = { saturatedAbove: 0.9 };

/** CPU used by this process between two readings, as a share of one core. */
export interface CpuReading {
  /** Share of one core (0.5 = 50 %). */
  share: number;
  /**
   * Share of the time the main thread was runnable but waiting for its core (other processes
   * on it). A generator that waits a lot sends late even when its own CPU looks low.
   */
  waitShare: number;
  /** Wall-clock milliseconds the reading covers. */
  elapsedMs: number;
}

/**
 * Measures the CPU of this process (user + system, `process.cpuUsage`) so a run can tell when
 * the load generator, not the server, was the limit. The load generator is single-threaded on
 * its own core: above ~90 % of that core, its timers fire late and it reads frames late, and
 * every latency it reports includes its own queueing.
 */
export class CpuMeter {
  private readonly options: CpuMeterOptions;
  private lastUsage: NodeJS.CpuUsage;
  private lastAt: number;
  private lastWait: number;
  private markUsage: NodeJS.CpuUsage;
  private markAt: number;
  private markWait: number;

  constructor(options: Partial<CpuMeterOptions> = {}) {
    this.options = { ...cpuMeterDefaults, ...options };
    this.lastUsage = process.cpuUsage();
    this.lastAt = performance.now();
    this.lastWait = readRunQueueWait("self", true);
    this.markUsage = this.lastUsage;
    this.markAt = this.lastAt;
    this.markWait = this.lastWait;
  }

  /** CPU since the previous `read()` (or construction). */
  read(): CpuReading {
    const usage = process.cpuUsage();
    const at = performance.now();
    const wait = readRunQueueWait("self", true);
    const reading = share(this.lastUsage, usage, at - this.lastAt, wait - this.lastWait);
    this.lastUsage = usage;
    this.lastAt = at;
    this.lastWait = wait;
    return reading;
  }

  /** Starts a measured span (e.g. the measurement window). */
  mark(): void {
    this.markUsage = process.cpuUsage();
    this.markAt = performance.now();
    this.markWait = readRunQueueWait("self", true);
  }

  /** CPU since `mark()`. */
  sinceMark(): CpuReading {
    const wait = readRunQueueWait("self", true) - this.markWait;
    return share(this.markUsage, process.cpuUsage(), performance.now() - this.markAt, wait);
  }

  /**
   * Whether a reading says the load generator's core was saturated: busy itself, or runnable
   * and waiting for the core (other processes on it). Either way it could not keep up.
   */
  isSaturated(reading: CpuReading): boolean {
    return isClientBound(reading.share + reading.waitShare, this.options.saturatedAbove);
  }
}

/** True when a CPU share of one core is above the saturation threshold. */
export function isClientBound(cpuShare: number, saturatedAbove = cpuMeterDefaults.saturatedAbove): boolean {
  return cpuShare > saturatedAbove;
}

function share(from: NodeJS.CpuUsage, to: NodeJS.CpuUsage, elapsedMs: number, waitS: number): CpuReading {
  const usedMicros = to.user - from.user + (to.system - from.system);
  return {
    share: elapsedMs > 0 ? usedMicros / 1000 / elapsedMs : 0,
    waitShare: elapsedMs > 0 ? (waitS * 1000) / elapsedMs : 0,
    elapsedMs,
  };
}
