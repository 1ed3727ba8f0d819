import type { Publication } from "./broker.js";

/**
 * A fixed-capacity ring of publications in offset order, with age expiry. Used by the memory
 * broker; at capacity the oldest entry is overwritten (policy: history keeps the newest N).
 *
 * Entries are kept by field, not as objects: numbers in typed arrays, strings (the topic, epoch
 * and key are the same string for every entry of a topic) in arrays. An entry then costs its
 * data string and a few array slots, where a `Publication` kept whole was an object, its boxed
 * time and its string. A server with thousands of live topics holds hundreds of thousands of
 * entries (the dashboard: 300 per series), and each major garbage collection marks them all:
 * as objects they held the serving thread in marking steps of up to 28 ms under ingest.
 * `toArray` builds the objects of a read.
 */
export class HistoryRing {
  private readonly topics: string[];
  private readonly epochs: string[];
  private readonly keys: (string | undefined)[];
  private readonly data: string[];
  private readonly offsets: Float64Array;
  private readonly times: Float64Array;
  /** Indexes of urgent entries (rare). */
  private readonly urgent = new Set<number>();
  private start = 0;
  private length = 0;

  constructor(readonly capacity: number) {
    this.topics = new Array(capacity);
    this.epochs = new Array(capacity);
    this.keys = new Array(capacity);
    this.data = new Array(capacity);
    this.offsets = new Float64Array(capacity);
    this.times = new Float64Array(capacity);
  }

  /** Appends, overwriting the oldest entry when full. */
  push(pub: Publication): void {
    if (this.capacity === 0) return;
    let i: number;
    if (this.length < this.capacity) {
      i = (this.start + this.length) % this.capacity;
      this.length++;
    } else {
      i = this.start;
      this.start = (this.start + 1) % this.capacity;
    }
    this.topics[i] = pub.topic;
    this.epochs[i] = pub.epoch;
    this.keys[i] = pub.key;
    this.data[i] = pub.data;
    this.offsets[i] = pub.offset;
    this.times[i] = pub.time;
    if (pub.urgent) this.urgent.add(i);
    else this.urgent.delete(i);
  }

  /** Entries in order, skipping those older than `minTime`. */
  toArray(minTime = 0): Publication[] {
    const out: Publication[] = [];
    for (let n = 0; n < this.length; n++) {
      const i = (this.start + n) % this.capacity;
      if ((this.times[i] as number) < minTime) continue;
      const pub: Publication = {
        topic: this.topics[i] as string,
        epoch: this.epochs[i] as string,
        offset: this.offsets[i] as number,
        data: this.data[i] as string,
        time: this.times[i] as number,
      };
      const key = this.keys[i];
      if (key !== undefined) pub.key = key;
      if (this.urgent.has(i)) pub.urgent = true;
      out.push(pub);
    }
    return out;
  }

  /** Oldest offset still held at or after `minTime`, or undefined when empty. */
  oldestOffset(minTime = 0): number | undefined {
    for (let n = 0; n < this.length; n++) {
      const i = (this.start + n) % this.capacity;
      if ((this.times[i] as number) >= minTime) return this.offsets[i];
    }
    return undefined;
  }
}
