import { randomBytes } from "node:crypto";
import type { Broker, BrokerSink, HistoryQuery, HistoryResult, Publication, PublishInput } from "./broker.js";
import { HistoryRing } from "./history-ring.js";

/** Options of the in-memory broker. */
export interface MemoryBrokerOptions {
  /**
   * Topics whose state (epoch, offset, history, latest values) is kept. Past it the least
   * recently published topic is forgotten: its next publication starts a new epoch, so its
   * clients resume with `recovered: false` and a snapshot instead of silently missing data.
   */
  maxTopics: number;
}

/** Defaults of `MemoryBrokerOptions`. */
export const memoryBrokerDefaults: MemoryBrokerOptions = { maxTopics: 100_000 };

interface TopicState {
  epoch: string;
  offset: number;
  ttlMs: number;
  ring: HistoryRing | undefined;
  latest: Map<string, Publication> | undefined;
  latestKeys: number;
}

/** A fresh epoch id: random, so a restarted process never reuses one. */
export function newEpoch(): string {
  return randomBytes(6).toString("base64url");
}

/**
 * The embedded default broker: one process, publications delivered synchronously in publish
 * order, history in bounded rings.
 */
export class MemoryBroker implements Broker {
  readonly name = "memory";
  private sink: BrokerSink | undefined;
  private readonly topics = new Map<string, TopicState>();
  private readonly subscribed = new Set<string>();
  private readonly options: MemoryBrokerOptions;

  constructor(options: Partial<MemoryBrokerOptions> = {}) {
    this.options = { ...memoryBrokerDefaults, ...options };
  }

  async start(sink: BrokerSink): Promise<void> {
    this.sink = sink;
    sink.onStatus({ ok: true });
  }

  publish(input: PublishInput): Promise<Publication> {
    const state = this.state(input.topic, true);
    const { retention } = input;
    const pub: Publication = {
      topic: input.topic,
      epoch: state.epoch,
      offset: ++state.offset,
      data: input.data,
      time: Date.now(),
    };
    if (input.key !== undefined) pub.key = input.key;
    if (input.urgent) pub.urgent = true;
    state.ttlMs = retention.historyTtlMs;
    if (retention.historySize > 0) {
      if (state.ring === undefined || state.ring.capacity !== retention.historySize)
        state.ring = resize(state.ring, retention.historySize);
      state.ring.push(pub);
    }
    if (retention.latestKeys > 0 && pub.key !== undefined) {
      state.latest ??= new Map();
      state.latestKeys = retention.latestKeys;
      // Re-insert so iteration order is by recency; past the limit the stalest key goes.
      state.latest.delete(pub.key);
      state.latest.set(pub.key, pub);
      if (state.latest.size > retention.latestKeys) state.latest.delete(state.latest.keys().next().value as string);
    }
    if (this.subscribed.has(input.topic)) this.sink?.onPublication(pub);
    return Promise.resolve(pub);
  }

  async send(topic: string, data: string): Promise<void> {
    if (this.subscribed.has(topic)) this.sink?.onMessage(topic, data);
  }

  async subscribe(topic: string): Promise<void> {
    this.subscribed.add(topic);
  }

  async unsubscribe(topic: string): Promise<void> {
    this.subscribed.delete(topic);
  }

  async history(topic: string, query: HistoryQuery): Promise<HistoryResult> {
    const state = this.state(topic, false);
    const result: HistoryResult = { epoch: state.epoch, offset: state.offset, publications: [], recovered: false };
    const minTime = state.ttlMs > 0 ? Date.now() - state.ttlMs : 0;
    const { since } = query;
    if (since !== undefined) {
      if (since.epoch === state.epoch) {
        if (since.offset >= state.offset) {
          result.recovered = true;
        } else if (state.ring !== undefined && state.offset - since.offset <= query.limit) {
          const oldest = state.ring.oldestOffset(minTime);
          if (oldest !== undefined && oldest <= since.offset + 1) {
            result.publications = state.ring.toArray(minTime).filter((p) => p.offset > since.offset);
            result.recovered = true;
          }
        }
      }
      if (!result.recovered && query.snapshot) result.publications = snapshot(state, query.limit);
    } else if (query.last !== undefined && query.last > 0) {
      const all = state.ring?.toArray(minTime) ?? [];
      result.publications = all.slice(-Math.min(query.last, query.limit));
    } else if (query.snapshot) {
      result.publications = snapshot(state, query.limit);
    }
    return result;
  }

  async close(): Promise<void> {
    this.subscribed.clear();
    this.sink?.onStatus({ ok: false, reason: "closed" });
    this.sink = undefined;
  }

  private state(topic: string, touch: boolean): TopicState {
    let state = this.topics.get(topic);
    if (state === undefined) {
      state = { epoch: newEpoch(), offset: 0, ttlMs: 0, ring: undefined, latest: undefined, latestKeys: 0 };
      this.topics.set(topic, state);
      if (this.topics.size > this.options.maxTopics) this.topics.delete(this.topics.keys().next().value as string);
    } else if (touch) {
      // Keep the map in recency order for eviction.
      this.topics.delete(topic);
      this.topics.set(topic, state);
    }
    return state;
  }
}

function resize(old: HistoryRing | undefined, capacity: number): HistoryRing {
  const ring = new HistoryRing(capacity);
  if (old !== undefined) for (const pub of old.toArray()) ring.push(pub);
  return ring;
}

function snapshot(state: TopicState, limit: number): Publication[] {
  if (state.latest === undefined) return [];
  const pubs = [...state.latest.values()].sort((a, b) => a.offset - b.offset);
  return pubs.length > limit ? pubs.slice(-limit) : pubs;
}
