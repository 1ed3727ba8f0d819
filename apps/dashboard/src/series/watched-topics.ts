/**
 * Topics a client subscribed to lately, on this node or on another node of the cluster: what
 * the live rollups preview (publish before the second closes). This node learns its own from the
 * topics' `canSubscribe` hook (the server tells apps of subscribes, not of unsubscribes) and the
 * others' over the server's node messages (`share`): each node tells the others the topics its
 * clients subscribe to, and tells a node that comes up everything it holds. A topic counts for
 * `ttlMs` after its last subscribe (or the last time another node told of it); the map is bounded
 * (`maxTopics`, oldest forgotten first), so it costs little to be wrong: a topic no longer
 * watched is only previewed for nothing, one forgotten is published when its second closes.
 */
import { isValidTopic } from "@dashwire/protocol";
import type { AppNodes, TopicAccess } from "@dashwire/server";

/** Options of `WatchedTopics`. */
export interface WatchedTopicsOptions {
  ttlMs: number;
  maxTopics: number;
  now: () => number;
}

/** Defaults: 6 hours, 20,000 topics. */
export const watchedTopicsDefaults: WatchedTopicsOptions = { ttlMs: 6 * 3_600_000, maxTopics: 20_000, now: Date.now };

/** The node message kind that carries topics watched on its sender (a JSON array of topics). */
export const WATCHED_KIND = "watched";

/** Most topics in one message (a node's whole list goes to a newcomer in messages of this many). */
export const WATCHED_PER_MESSAGE = 1000;

/** `topics` in messages of at most `WATCHED_PER_MESSAGE`. */
function* messages(topics: readonly string[]): Generator<string[]> {
  for (let i = 0; i < topics.length; i += WATCHED_PER_MESSAGE) yield topics.slice(i, i + WATCHED_PER_MESSAGE);
}

/** Topics subscribed to lately; see the file comment. */
export class WatchedTopics {
  /** Topic → when it was last subscribed to (here, or on a node that told): what `has` reads. */
  private readonly last = new Map<string, number>();
  /** Topics subscribed to on this node → when the other nodes were last told of it. */
  private readonly told = new Map<string, number>();
  /** Topics to tell the other nodes at the end of this turn. */
  private toTell: string[] = [];
  private nodes: AppNodes | undefined;
  private readonly o: WatchedTopicsOptions;

  constructor(options: Partial<WatchedTopicsOptions> = {}) {
    this.o = { ...watchedTopicsDefaults, ...options };
  }

  /**
   * Shares the topics with the other nodes of the cluster: tells them this node's, notes theirs,
   * and tells each node that comes up what this node's clients watch.
   */
  share(nodes: AppNodes): void {
    this.nodes = nodes;
    nodes.on(WATCHED_KIND, (body) => {
      if (!Array.isArray(body) || body.length > WATCHED_PER_MESSAGE) return;
      for (const topic of body) if (isValidTopic(topic)) this.note(this.last, topic, this.o.now());
    });
    nodes.onJoin((node) => {
      const now = this.o.now();
      const mine = [...this.told.keys()].filter((t) => this.has(t, now));
      for (const part of messages(mine)) nodes.sendTo(node, WATCHED_KIND, part).catch(() => {});
    });
  }

  /**
   * A client of this node subscribed to `topic` now. The other nodes are told (at the end of the
   * turn) when they were not within the last sixth of the TTL, so their copy never expires while
   * clients here keep subscribing.
   */
  add(topic: string): void {
    const now = this.o.now();
    this.note(this.last, topic, now);
    const told = this.told.get(topic);
    if (told !== undefined && now - told < this.o.ttlMs / 6) return;
    this.note(this.told, topic, now);
    if (this.nodes === undefined) return;
    if (this.toTell.length === 0) queueMicrotask(this.tell);
    this.toTell.push(topic);
  }

  private readonly tell = (): void => {
    const topics = this.toTell;
    this.toTell = [];
    for (const part of messages(topics)) {
      // Not taken by the broker (it is down): told again at the next subscribe, and still in
      // the list a node that comes up (or back) is told.
      this.nodes?.send(WATCHED_KIND, part).catch(() => {
        for (const topic of part) if (this.told.has(topic)) this.told.set(topic, Number.NEGATIVE_INFINITY);
      });
    }
  };

  /** Sets `map[topic] = at`, last in the map's order; the oldest go past `maxTopics`. */
  private note(map: Map<string, number>, topic: string, at: number): void {
    map.delete(topic);
    map.set(topic, at);
    while (map.size > this.o.maxTopics) {
      const oldest = map.keys().next().value;
      if (oldest === undefined) break;
      map.delete(oldest);
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

  /** Whether `topic` was subscribed to within the TTL, here or on another node. */
  has(topic: string, now = this.o.now()): boolean {
    const at = this.last.get(topic);
    return at !== undefined && now - at <= this.o.ttlMs;
  }

  /** Topics listed (bounded by `maxTopics`). */
  get size(): number {
    return this.last.size;
  }
}
