import type * as hdr from "hdr-histogram-js";
import { createLatencyHistogram, type LatencySummary, recordLatency, summarizeLatency } from "./latency.js";
import type { TagSink } from "./tag.js";

/** Options of a `DeliveryTracker`. */
export interface DeliveryTrackerOptions {
  /** Number of publishing clients (sender ids are 0..senders-1). */
  senders: number;
  /** Number of subscribing clients (receiver ids are 0..receivers-1). */
  receivers: number;
  /** Record the latency of one delivery in this many (all are counted by sequence number). */
  sampleEvery: number;
  /**
   * Exact accounting: remember every (sender, receiver, seq) seen, for sequence numbers below
   * this bound (0: off). Then a message that arrives twice (a replay overlapping what came
   * live) counts once, as a duplicate, whatever order it came in. One bit per cell.
   */
  exactSeqs: number;
}

/** Defaults of `DeliveryTrackerOptions`. */
export const deliveryTrackerDefaults: DeliveryTrackerOptions = {
  senders: 1,
  receivers: 1,
  sampleEvery: 1,
  exactSeqs: 0,
};

/** Most memory the exact ledger may take (bytes). */
export const MAX_EXACT_BYTES = 256 * 1024 * 1024;

/** Counts and latency of the deliveries that arrived during one second of the run. */
export interface SecondStats {
  /** Deliveries received in the second (every message, in or out of the window). */
  deliveries: number;
  /** Latency percentiles (ms) of the sampled deliveries of the second. */
  p50: number;
  p99: number;
  max: number;
}

/** What a run delivered, computed from sequence numbers and scheduled times. */
export interface DeliverySummary {
  /** Messages scheduled inside the window, per all senders. */
  sentInWindow: number;
  /** Deliveries owed: each in-window message times the subscribers that were connected. */
  expected: number;
  /** Distinct in-window messages that reached a subscriber. */
  delivered: number;
  /** expected − delivered. */
  lost: number;
  /** Arrivals with a lower sequence number than one already seen from the same sender. */
  reordered: number;
  /** Arrivals repeating a sequence number already seen (exact mode), or the last one seen. */
  duplicates: number;
  /** Tags naming a sender or receiver the run does not know. */
  unknown: number;
  /** Latency from the scheduled publish time to arrival, over in-window deliveries. */
  latency: LatencySummary;
}

/**
 * Counts deliveries per (sender, receiver) pair by sequence number and measures latency from
 * the time a message was *scheduled* (not when it was actually sent), so a stalled server or a
 * late load generator shows up as latency instead of hiding it (no coordinated omission).
 * Memory is fixed at construction: two Int32 cells per pair.
 */
export class DeliveryTracker implements TagSink {
  readonly senders: number;
  readonly receivers: number;
  readonly sampleEvery: number;
  /** Per sender: messages scheduled inside the window (filled by `noteSent`). */
  readonly sentInWindow: Int32Array;
  /** Window of scheduled times (µs) whose messages count; set by `setWindow`. */
  windowStartUs = Number.POSITIVE_INFINITY;
  windowEndUs = Number.POSITIVE_INFINITY;
  /** Subscribers that were connected when the window opened (what `expected` multiplies by). */
  activeReceivers: number;
  delivered = 0;
  received = 0;
  /** Deliveries scheduled before `holdSplitUs` that arrived after it (what was kept back). */
  heldOver = 0;
  /** See `heldOver` (a stalled client's resume time). */
  holdSplitUs = Number.POSITIVE_INFINITY;
  reordered = 0;
  duplicates = 0;
  unknown = 0;
  private maxUs = 0;
  private readonly lastSeq: Int32Array;
  private readonly pairDelivered: Int32Array;
  private readonly exactSeqs: number;
  private readonly seen: Uint8Array | undefined = undefined;
  private readonly total: hdr.Histogram;
  private readonly second: hdr.Histogram;
  private secondDeliveries = 0;
  private secondMaxUs = 0;

  constructor(options: Partial<DeliveryTrackerOptions> = {}) {
    const o = { ...deliveryTrackerDefaults, ...options };
    this.senders = o.senders;
    this.receivers = o.receivers;
    this.sampleEvery = Math.max(1, Math.floor(o.sampleEvery));
    this.activeReceivers = o.receivers;
    this.sentInWindow = new Int32Array(o.senders);
    this.lastSeq = new Int32Array(o.senders * o.receivers).fill(-1);
    this.pairDelivered = new Int32Array(o.senders * o.receivers);
    this.exactSeqs = Math.max(0, Math.ceil(o.exactSeqs));
    if (this.exactSeqs > 0) {
      const bytes = Math.ceil((o.senders * o.receivers * this.exactSeqs) / 8);
      if (bytes > MAX_EXACT_BYTES) throw new RangeError(`exact delivery ledger would take ${bytes} bytes`);
      this.seen = new Uint8Array(bytes);
    }
    this.total = createLatencyHistogram();
    this.second = createLatencyHistogram();
  }

  /** Sets the window of scheduled times (µs) whose messages are counted. */
  setWindow(startUs: number, endUs: number): void {
    this.windowStartUs = startUs;
    this.windowEndUs = endUs;
  }

  /** Whether a message scheduled at `scheduledUs` counts. */
  inWindow(scheduledUs: number): boolean {
    return scheduledUs >= this.windowStartUs && scheduledUs < this.windowEndUs;
  }

  /** The load generator tells the tracker about each message it publishes. */
  noteSent(sender: number, scheduledUs: number): void {
    if (scheduledUs >= this.windowStartUs && scheduledUs < this.windowEndUs) {
      this.sentInWindow[sender] = (this.sentInWindow[sender] as number) + 1;
    }
  }

  /** One delivery; called by `scanTags` for every tag found in a frame. */
  record(receiver: number, sender: number, seq: number, scheduledUs: number, nowUs: number): void {
    if (sender >= this.senders || receiver < 0 || receiver >= this.receivers) {
      this.unknown++;
      return;
    }
    this.received++;
    this.secondDeliveries++;
    const pair = receiver * this.senders + sender;
    const last = this.lastSeq[pair] as number;
    const seen = this.seen;
    if (seen !== undefined) {
      if (seq >= this.exactSeqs) {
        this.unknown++;
        return;
      }
      const bit = pair * this.exactSeqs + seq;
      const mask = 1 << (bit & 7);
      const cell = bit >>> 3;
      if (((seen[cell] as number) & mask) !== 0) {
        this.duplicates++;
        return;
      }
      seen[cell] = (seen[cell] as number) | mask;
    } else if (seq === last) {
      this.duplicates++;
      return;
    }
    if (seq > last) this.lastSeq[pair] = seq;
    else this.reordered++;
    if (nowUs >= this.holdSplitUs && scheduledUs < this.holdSplitUs) this.heldOver++;
    const latency = nowUs - scheduledUs;
    if (latency > this.secondMaxUs) this.secondMaxUs = latency;
    const sampled = (seq + receiver) % this.sampleEvery === 0;
    if (sampled) recordLatency(this.second, latency);
    if (scheduledUs >= this.windowStartUs && scheduledUs < this.windowEndUs) {
      this.delivered++;
      this.pairDelivered[pair] = (this.pairDelivered[pair] as number) + 1;
      if (latency > this.maxUs) this.maxUs = latency;
      if (sampled) recordLatency(this.total, latency);
    }
  }

  /** Deliveries owed for the window so far. */
  expected(): number {
    let sent = 0;
    for (let s = 0; s < this.senders; s++) sent += this.sentInWindow[s] as number;
    return sent * this.activeReceivers;
  }

  /** Returns the stats of the second that just ended and starts a new one. */
  takeSecond(): SecondStats {
    const h = this.second;
    const stats: SecondStats = {
      deliveries: this.secondDeliveries,
      p50: h.totalCount ? h.getValueAtPercentile(50) / 1000 : 0,
      p99: h.totalCount ? h.getValueAtPercentile(99) / 1000 : 0,
      max: this.secondMaxUs / 1000,
    };
    h.reset();
    this.secondDeliveries = 0;
    this.secondMaxUs = 0;
    return stats;
  }

  /** The totals of the run. */
  summary(): DeliverySummary {
    let sentInWindow = 0;
    for (let s = 0; s < this.senders; s++) sentInWindow += this.sentInWindow[s] as number;
    const expected = sentInWindow * this.activeReceivers;
    return {
      sentInWindow,
      expected,
      delivered: this.delivered,
      lost: Math.max(0, expected - this.delivered),
      reordered: this.reordered,
      duplicates: this.duplicates,
      unknown: this.unknown,
      latency: summarizeLatency(this.total, this.maxUs),
    };
  }

  /** Deliveries of one (sender, receiver) pair inside the window. */
  pairCount(sender: number, receiver: number): number {
    return this.pairDelivered[receiver * this.senders + sender] as number;
  }
}
