import type { Publication } from "./broker.js";

/**
 * A fixed-capacity ring of publications in offset order, with age expiry. Used by the memory
 * broker; at capacity the oldest entry is overwritten (policy: history keeps the newest N).
 */
export class HistoryRing {
  private readonly items: (Publication | undefined)[];
  private start = 0;
  private length = 0;

  constructor(readonly capacity: number) {
    this.items = new Array(capacity);
  }

  /** Appends, overwriting the oldest entry when full. */
  push(pub: Publication): void {
    if (this.capacity === 0) return;
    if (this.length < this.capacity) {
      this.items[(this.start + this.length) % this.capacity] = pub;
      this.length++;
    } else {
      this.items[this.start] = pub;
      this.start = (this.start + 1) % this.capacity;
    }
  }

  /** Entries in order, skipping those older than `minTime`. */
  toArray(minTime = 0): Publication[] {
    const out: Publication[] = [];
    for (let i = 0; i < this.length; i++) {
      const pub = this.items[(this.start + i) % this.capacity] as Publication;
      if (pub.time >= minTime) out.push(pub);
    }
    return out;
  }

  /** Oldest offset still held at or after `minTime`, or undefined when empty. */
  oldestOffset(minTime = 0): number | undefined {
    for (let i = 0; i < this.length; i++) {
      const pub = this.items[(this.start + i) % this.capacity] as Publication;
      if (pub.time >= minTime) return pub.offset;
    }
    return undefined;
  }
}
