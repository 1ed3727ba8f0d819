/**
 * Realistic demo metrics, one point per series per second: CPU per host with a daily cycle, a
 * faster load wave and noise; request rate; latency p50/p99 that rise with load; an error rate
 * with occasional incidents; a queue that fills and drains; a rack temperature; users online.
 * Deterministic for a given seed and clock, so tests can check shapes and ranges.
 */
import type { Tags } from "../series/series-id.js";
import { createRandom, gaussian } from "./random.js";

/** Where the feed writes points (the app's ingest). */
export type PointSink = (name: string, tags: Tags | undefined, value: number, ts: number) => void;

/** Options of the demo feed. */
export interface DemoFeedOptions {
  /** Hosts that report CPU and memory. */
  hosts: number;
  /** PRNG seed. */
  seed: number;
}

/** Defaults for `DemoFeedOptions`. */
export const demoFeedDefaults: DemoFeedOptions = { hosts: 3, seed: 42 };

/** Series ids the demo feed writes, for the built-in dashboard. */
export const demoSeriesIds = {
  cpu: (host: number) => `cpu.usage,host=web-${host}`,
  memory: (host: number) => `mem.used_mb,host=web-${host}`,
  requests: "http.requests_per_sec,service=api",
  latencyP50: "http.latency_ms,quantile=p50,service=api",
  latencyP99: "http.latency_ms,quantile=p99,service=api",
  errors: "http.error_rate,service=api",
  queue: "queue.depth,queue=jobs",
  temperature: "temperature.celsius,sensor=rack-1",
  users: "app.users_online",
} as const;

const DAY_MS = 86_400_000;
const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;

/** Generates one point per demo series per `tick`. */
export class DemoFeed {
  readonly options: DemoFeedOptions;
  private readonly random: () => number;
  /** AR(1) noise state per host, so CPU wanders rather than jitters. */
  private readonly cpuNoise: number[];
  private queue = 120;
  private incidentUntil = 0;
  private temperature = 24;

  constructor(
    private readonly sink: PointSink,
    options: Partial<DemoFeedOptions> = {},
  ) {
    this.options = { ...demoFeedDefaults, ...options };
    this.random = createRandom(this.options.seed);
    this.cpuNoise = Array.from({ length: this.options.hosts }, () => 0);
  }

  /** Load between ~0.2 and ~1: a daily cycle (peak mid-afternoon UTC) plus a 5-minute wave. */
  private load(ts: number): number {
    const day = 0.5 - 0.4 * Math.cos((2 * Math.PI * ((ts % DAY_MS) - 3 * 3_600_000)) / DAY_MS);
    const wave = 0.15 * Math.sin((2 * Math.PI * ts) / 300_000);
    return clamp(day * 0.8 + wave + 0.2, 0.05, 1.2);
  }

  /** Writes one point per series at `ts`. */
  tick(ts: number): void {
    const r = this.random;
    const load = this.load(ts);
    for (let h = 0; h < this.options.hosts; h++) {
      const noise = 0.9 * (this.cpuNoise[h] ?? 0) + 3 * gaussian(r);
      this.cpuNoise[h] = noise;
      const cpu = clamp(15 + 55 * load + 8 * h + noise, 0, 100);
      this.sink("cpu.usage", { host: `web-${h + 1}` }, round(cpu, 2), ts);
      this.sink(
        "mem.used_mb",
        { host: `web-${h + 1}` },
        Math.round(2048 + 1024 * load + 300 * h + 40 * gaussian(r)),
        ts,
      );
    }
    const rps = Math.max(0, 1200 * load + 40 * gaussian(r));
    this.sink("http.requests_per_sec", { service: "api" }, Math.round(rps), ts);

    if (ts >= this.incidentUntil && r() < 1 / 600) this.incidentUntil = ts + 20_000 + r() * 40_000;
    const incident = ts < this.incidentUntil;
    const p50 = 18 + 25 * load ** 2 + 2 * gaussian(r) + (incident ? 30 : 0);
    const p99 = p50 * (3.5 + 0.5 * r()) + (r() < 0.02 ? 150 * r() : 0) + (incident ? 400 : 0);
    this.sink("http.latency_ms", { quantile: "p50", service: "api" }, round(Math.max(1, p50), 1), ts);
    this.sink("http.latency_ms", { quantile: "p99", service: "api" }, round(Math.max(p50, p99), 1), ts);
    const errorRate = clamp(0.3 + 0.4 * load + 0.2 * gaussian(r) + (incident ? 6 + 3 * r() : 0), 0, 100);
    this.sink("http.error_rate", { service: "api" }, round(errorRate, 2), ts);

    // Depth follows a backlog that grows with the square of load (and piles up in incidents).
    const target = 400 * load * load * (incident ? 4 : 1);
    this.queue = clamp(Math.round(this.queue + 0.1 * (target - this.queue) + 12 * gaussian(r)), 0, 5000);
    this.sink("queue.depth", { queue: "jobs" }, this.queue, ts);

    this.temperature += 0.02 * (22 + 8 * load - this.temperature) + 0.05 * gaussian(r);
    this.sink("temperature.celsius", { sensor: "rack-1" }, round(this.temperature, 2), ts);
    this.sink("app.users_online", undefined, Math.round(40 + 260 * load + 5 * gaussian(r)), ts);
  }
}
