/**
 * Topics a client of this node subscribed to lately, from the topics' `canSubscribe` hook (the
 * server tells apps of subscribes, not of unsubscribes): what the live rollups preview at once
 * instead of on their 200 ms tick. A topic counts for `ttlMs` after its last subscribe; the map
 * is bounded (`maxTopics`, oldest forgotten first), so it costs nothing to be wrong: a topic no
 * longer watched is only previewed sooner than needed, one no longer listed only later.
 */

import type { TopicAccess } from "@dashwire/server";

/** Options of `WatchedTopics`. */
export interface WatchedTopicsOptions {
  ttlMs: number;
  maxTopics: number;
  now: () => number;
}

/** Defaults: 6 hours, 20,000 topics. */
export const watchedTopicsDefaults: WatchedTopicsOptions = { ttlMs: 6 * 3_600_000, maxTopics: 20_000, now: Date.now };

/** Topics subscribed to lately. */
export class WatchedTopics {
  private readonly last = new Map<string, number>();
  private readonly o: WatchedTopicsOptions;

  constructor(options: Partial<WatchedTopicsOptions> = {}) {
    this.o = { ...watchedTopicsDefaults, ...options };
  }

  /** A client subscribed to `topic` now. */
  add(topic: string): void {
    this.last.delete(topic); // re-inserted last: the map's order is the subscribe order
    this.last.set(topic, this.o.now());
    while (this.last.size > this.o.maxTopics) {
      const oldest = this.last.keys().next().value;
      if (oldest === undefined) break;
      this.last.delete(oldest);
    }
  }

  /** A `canSubscribe` hook: `allowed`'s answer, each allowed topic noted as watched. */
  noting(allowed: (access: TopicAccess) => boolean): (access: TopicAccess) => boolean {
    return (access) => {
      if (!allowed(access)) return false;
      this.add(access.topic);
      return true;
    };
  }

  /** Whether `topic` was subscribed to within the TTL. */
  has(topic: string): boolean {
    const at = this.last.get(topic);
    return at !== undefined && this.o.now() - at <= this.o.ttlMs;
  }

  /** Topics listed (bounded by `maxTopics`). */
  get size(): number {
    return this.last.size;
  }
}
