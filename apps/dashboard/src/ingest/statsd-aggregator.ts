/**
 * StatsD aggregation over one flush interval, as the statsd daemon and Telegraf's statsd input
 * do it, turned into points at each flush:
 *
 * - counter → `<name>`: the interval's count, each value divided by its sample rate (`@0.1`
 *   counts ten times); an interval without increments has no point (read it as zero);
 * - gauge → `<name>`: the last value; `+n`/`-n` change the last value (kept across intervals,
 *   starting from 0); a point only in intervals where it was sent;
 * - timer/histogram/distribution → `<name>.count` (samples divided by their rate), `.sum`,
 *   `.mean`, `.min`, `.max` of the values received, and `.p50`, `.p90`, `.p99` by nearest rank;
 * - set → `<name>`: how many distinct members the interval saw.
 *
 * Bounded: at most `maxKeys` series (name + tags) per interval, a sample of a new one past it
 * is refused; at most `maxSetMembers` set members in all per interval; each timer keeps at most
 * `PERCENTILE_SAMPLES` values (a uniform reservoir: count, sum, min and max stay exact, the
 * percentiles are estimated from the reservoir past it); at most `maxKeys` remembered gauge
 * values (the least recently sent is forgotten first). One name + tags is one kind per interval:
 * a sample of another kind is refused, never merged into the same series.
 */
import { formatSeriesId, type Tags } from "../series/series-id.js";
import type { Point } from "./point.js";
import type { StatsdKind, StatsdSample } from "./statsd-lines.js";

/** Values a timer keeps for its percentiles per interval (Telegraf's `percentile_limit`). */
export const PERCENTILE_SAMPLES = 1000;

/** Most set members per flush interval, all sets together (the listener's `maxSetMembers`). */
export const STATSD_MAX_SET_MEMBERS = 100_000;

/** The percentiles a timer gives. */
const PERCENTILES = [50, 90, 99] as const;

/** Limits of `StatsdAggregator`. */
export interface StatsdAggregatorOptions {
  /** Most series per flush interval. */
  maxKeys: number;
  /** Most set members per flush interval, all sets together. */
  maxSetMembers: number;
  /** Random numbers in [0, 1) for the timers' reservoirs (replaceable in tests). */
  random?: () => number;
}

/** One series' aggregate in the current interval. */
interface Entry {
  kind: StatsdKind;
  name: string;
  tags: Tags | undefined;
  /** Counter: the count; gauge: the value; timer: the sum. */
  value: number;
  /** Timer: samples divided by their rates. */
  count: number;
  /** Timer: values received. */
  n: number;
  min: number;
  max: number;
  reservoir: number[];
  members: Set<string> | undefined;
}

/** The outcome of `add`: how many values were taken, and why the line was refused if it was. */
export type AddResult = { taken: number; refused?: string };

/** Aggregates samples; `flush` takes the interval's points and starts the next interval. */
export class StatsdAggregator {
  private entries = new Map<string, Entry>();
  /** Gauge values by id, least recently sent first. */
  private readonly gauges = new Map<string, number>();
  private setMembers = 0;
  private readonly random: () => number;

  constructor(private readonly options: StatsdAggregatorOptions) {
    this.random = options.random ?? Math.random;
  }

  /** Series aggregated in the current interval. */
  get size(): number {
    return this.entries.size;
  }

  /** Adds one line's sample. */
  add(s: StatsdSample): AddResult {
    const id = formatSeriesId(s.name, s.tags);
    let e = this.entries.get(id);
    if (e === undefined) {
      if (this.entries.size >= this.options.maxKeys)
        return { taken: 0, refused: `more than ${this.options.maxKeys} series in one flush interval` };
      e = {
        kind: s.kind,
        name: s.name,
        tags: s.tags,
        value: s.kind === "gauge" ? (this.gauges.get(id) ?? 0) : 0,
        count: 0,
        n: 0,
        min: Number.POSITIVE_INFINITY,
        max: Number.NEGATIVE_INFINITY,
        reservoir: [],
        members: s.kind === "set" ? new Set() : undefined,
      };
      this.entries.set(id, e);
    } else if (e.kind !== s.kind)
      return {
        taken: 0,
        refused: `${JSON.stringify(s.name.slice(0, 40))} is a ${e.kind} in this interval, not a ${s.kind}`,
      };
    switch (s.kind) {
      case "counter":
        for (const v of s.values) e.value += v / s.rate;
        return { taken: s.values.length };
      case "gauge":
        s.values.forEach((v, i) => {
          (e as Entry).value = s.deltas[i] ? (e as Entry).value + v : v;
        });
        this.remember(id, e.value);
        return { taken: s.values.length };
      case "timer":
        for (const v of s.values) this.time(e, v, s.rate);
        return { taken: s.values.length };
      case "set":
        return this.collect(e.members as Set<string>, s.members);
    }
  }

  private remember(id: string, value: number): void {
    this.gauges.delete(id);
    this.gauges.set(id, value);
    if (this.gauges.size > this.options.maxKeys) this.gauges.delete(this.gauges.keys().next().value as string);
  }

  private time(e: Entry, v: number, rate: number): void {
    e.count += 1 / rate;
    e.value += v;
    e.n++;
    if (v < e.min) e.min = v;
    if (v > e.max) e.max = v;
    // Algorithm R: past the limit, the n-th value replaces a kept one with probability limit/n.
    if (e.reservoir.length < PERCENTILE_SAMPLES) e.reservoir.push(v);
    else {
      const j = Math.floor(this.random() * e.n);
      if (j < PERCENTILE_SAMPLES) e.reservoir[j] = v;
    }
  }

  private collect(set: Set<string>, members: string[]): AddResult {
    let taken = 0;
    for (const m of members) {
      if (set.has(m)) {
        taken++;
        continue;
      }
      if (this.setMembers >= this.options.maxSetMembers)
        return { taken, refused: `more than ${this.options.maxSetMembers} set members in one flush interval` };
      set.add(m);
      this.setMembers++;
      taken++;
    }
    return { taken };
  }

  /**
   * The interval's points, stamped `ts`, and how many aggregates overflowed to ±Inf (refused: the
   * store holds finite numbers); the next interval starts empty.
   */
  flush(ts: number): { points: Point[]; refused: number } {
    const points: Point[] = [];
    let refused = 0;
    const push = (name: string, tags: Tags | undefined, value: number) => {
      if (Number.isFinite(value)) points.push({ name, tags, value, ts, origin: points.length });
      else refused++;
    };
    for (const e of this.entries.values()) {
      if (e.kind === "set") push(e.name, e.tags, (e.members as Set<string>).size);
      else if (e.kind !== "timer") push(e.name, e.tags, e.value);
      else {
        push(`${e.name}.count`, e.tags, e.count);
        push(`${e.name}.sum`, e.tags, e.value);
        push(`${e.name}.mean`, e.tags, e.value / e.n);
        push(`${e.name}.min`, e.tags, e.min);
        push(`${e.name}.max`, e.tags, e.max);
        const sorted = Float64Array.from(e.reservoir).sort();
        for (const p of PERCENTILES)
          push(`${e.name}.p${p}`, e.tags, sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] as number);
      }
    }
    this.entries = new Map();
    this.setMembers = 0;
    return { points, refused };
  }
}
