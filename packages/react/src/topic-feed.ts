import type {
  Client,
  DashwireClientError,
  PresenceInfo,
  PublicationInfo,
  SubscribeOptions,
  SubscribeResult,
  Subscription,
} from "@dashwire/client";
import { type PresenceState, PresenceTracker } from "./presence-tracker.js";

/** Where a topic's subscription stands: "idle" before one exists, then the SDK's subscription state. */
export type TopicStatus = "idle" | "subscribing" | "subscribed" | "unsubscribed";

/** One publication kept in a stream list. */
export interface TopicItem<T> {
  data: T;
  pub: PublicationInfo;
  /** Position of the item among everything this feed received (a stable React key). */
  seq: number;
  /** True on the first item after a resume that did not recover (`recovered: false`): the list has a hole before it. */
  afterBreak: boolean;
}

/** What a topic feed holds; every hook on the topic reads it (frozen, replaced on change). */
export interface FeedState<T = unknown> {
  status: TopicStatus;
  /** Data of the newest publication (either mode). */
  data: T | undefined;
  /** Position and key of the newest publication. */
  pub: PublicationInfo | undefined;
  /** Stream mode: the newest publications, oldest first (as many as the largest `limit` asked). */
  items: readonly TopicItem<T>[];
  /** Newest value per publication key (both modes), at most the largest `maxKeys` asked; the oldest-updated key goes first. */
  values: ReadonlyMap<string, T>;
  /** `recovered` of the latest subscribe result (false on a fresh start too); undefined before the first. */
  recovered: boolean | undefined;
  /** Resumes that did not recover (the server's history no longer covered what was missed). */
  resets: number;
  /** `seq` of the first item after the latest reset (0 when none). */
  resetSeq: number;
  /** `gap` events: the server dropped publications for us and the SDK resumed from history. */
  gaps: number;
  /** Why the subscription failed or was refused (cleared by the next successful subscribe). */
  error: DashwireClientError | Error | undefined;
}

/** What one hook asks of a topic; the feed serves the union of what its consumers ask. */
export interface FeedWants {
  /** Delivery mode, or undefined for a presence-only consumer. */
  mode: "stream" | "latest" | undefined;
  maxRate: number | undefined;
  snapshot: boolean;
  last: number | undefined;
  /** Stream items to keep. */
  limit: number;
  /** Keys to keep in `values`. */
  maxKeys: number;
  /** Wants the presence list. */
  presence: boolean;
}

/** The slowest rate the server allows: what a presence-only subscription asks for, as it ignores the data. */
const PRESENCE_ONLY_RATE = 1 / 60;

const empty: FeedState = Object.freeze({
  status: "idle",
  data: undefined,
  pub: undefined,
  items: Object.freeze([]) as readonly TopicItem<unknown>[],
  values: new Map<string, unknown>(),
  recovered: undefined,
  resets: 0,
  resetSeq: 0,
  gaps: 0,
  error: undefined,
});

/** The state of a topic nobody subscribed yet. */
export function emptyFeedState<T>(): FeedState<T> {
  return empty as FeedState<T>;
}

/** A `latest` rate `a` is faster than `b` (undefined: the server's cap, the fastest). */
function faster(a: number | undefined, b: number | undefined): boolean {
  return b !== undefined && (a === undefined || a > b);
}

/**
 * One SDK subscription per topic per client (the SDK's rule), shared by every hook on the topic.
 * It subscribes with what its consumers need together: `stream` when any asks for it, else
 * `latest` at the fastest rate asked; it re-subscribes only to serve more (latest → stream, a
 * faster rate), never to serve less while running. Listeners are told at most once per
 * microtask, so a frame carrying many publications costs one render.
 */
export class TopicFeed<T = unknown> {
  private readonly consumers = new Set<FeedWants>();
  private readonly listeners = new Set<() => void>();
  private readonly presenceListeners = new Set<() => void>();
  private readonly presence = new PresenceTracker();
  private sub: Subscription<T> | undefined = undefined;
  private subMode: "stream" | "latest" = "latest";
  private subRate: number | undefined = undefined;
  private acked = false;
  private current: FeedState<T> = emptyFeedState<T>();
  private buffer: TopicItem<T>[] = [];
  private readonly keyed = new Map<string, T>();
  private seq = 0;
  private breakPending = false;
  private itemsDirty = false;
  private valuesDirty = false;
  private scheduled = false;
  private offState: (() => void) | undefined = undefined;
  private disposed = false;
  // Mutable copy of `current` while a flush is pending.
  private next: {
    status: TopicStatus;
    data: T | undefined;
    pub: PublicationInfo | undefined;
    recovered: boolean | undefined;
    resets: number;
    resetSeq: number;
    gaps: number;
    error: DashwireClientError | Error | undefined;
  } = {
    status: "idle",
    data: undefined,
    pub: undefined,
    recovered: undefined,
    resets: 0,
    resetSeq: 0,
    gaps: 0,
    error: undefined,
  };

  constructor(
    private readonly client: Client,
    /** The topic this feed is on. */
    readonly topic: string,
  ) {}

  /** The state to render. */
  get state(): FeedState<T> {
    return this.current;
  }

  /** Presence of the topic (meaningful once a consumer asked for it). */
  get presenceState(): PresenceState {
    return this.presence.state;
  }

  /** No consumer left. */
  get unused(): boolean {
    return this.consumers.size === 0;
  }

  /** Adds a consumer and (re)subscribes if it needs more than the subscription gives. */
  add(wants: FeedWants): void {
    const wantedPresence = this.wantsPresence();
    this.consumers.add(wants);
    this.reconcile();
    if (wants.presence && !wantedPresence && this.acked) this.fetchPresence();
  }

  /** Removes a consumer; the subscription stays until `dispose`. */
  remove(wants: FeedWants): void {
    this.consumers.delete(wants);
  }

  /** Calls `listener` after each change of `state`; returns the remover. */
  listen(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Calls `listener` after each change of `presenceState`; returns the remover. */
  listenPresence(listener: () => void): () => void {
    this.presenceListeners.add(listener);
    return () => this.presenceListeners.delete(listener);
  }

  /** Unsubscribes for good. */
  dispose(): void {
    this.disposed = true;
    this.offState?.();
    this.sub?.unsubscribe();
    this.sub = undefined;
    this.listeners.clear();
    this.presenceListeners.clear();
  }

  private wantsPresence(): boolean {
    for (const c of this.consumers) if (c.presence) return true;
    return false;
  }

  private reconcile(): void {
    let mode: "stream" | "latest" | undefined;
    let rate: number | undefined = PRESENCE_ONLY_RATE;
    let snapshot = false;
    let last: number | undefined;
    for (const c of this.consumers) {
      if (c.mode === undefined) continue;
      if (c.mode === "stream") mode = "stream";
      else {
        mode ??= "latest";
        if (faster(c.maxRate, rate) || rate === PRESENCE_ONLY_RATE) rate = c.maxRate;
      }
      snapshot ||= c.snapshot;
      if (c.last !== undefined) last = Math.max(last ?? 0, c.last);
    }
    const wanted = mode ?? "latest";
    if (this.sub !== undefined && this.sub.state !== "unsubscribed") {
      const upgrade = this.subMode === "latest" && wanted === "stream";
      const quicker = this.subMode === "latest" && wanted === "latest" && faster(rate, this.subRate);
      if (!upgrade && !quicker) return;
      this.sub.unsubscribe();
      // Latest values come again with a snapshot; a stream starts afresh (a latest feed has no order to resume).
      if (quicker) snapshot = true;
      if (upgrade) this.clearItems();
    }
    this.subscribe(wanted, wanted === "latest" ? rate : undefined, snapshot, last);
  }

  private subscribe(
    mode: "stream" | "latest",
    maxRate: number | undefined,
    snapshot: boolean,
    last: number | undefined,
  ) {
    const options: SubscribeOptions = { mode, presence: true };
    if (maxRate !== undefined) options.maxRate = maxRate;
    if (snapshot) options.snapshot = true;
    if (last !== undefined && last > 0) options.last = last;
    this.subMode = mode;
    this.subRate = maxRate;
    this.acked = false;
    this.offState ??= this.client.on("state", () => this.refreshStatus());
    let sub: Subscription<T>;
    try {
      sub = this.client.subscribe(this.topic, this.onData, options) as Subscription<unknown> as Subscription<T>;
    } catch (error) {
      this.sub = undefined;
      this.next.status = "unsubscribed";
      this.next.error = error as Error;
      this.schedule();
      return;
    }
    this.sub = sub;
    sub.on("subscribed", (result) => this.onSubscribed(sub, result));
    sub.on("gap", () => {
      this.next.gaps++;
      this.schedule();
    });
    sub.on("error", (error) => {
      this.next.error = error;
      this.refreshStatus();
    });
    sub.on("join", (who) => this.onPresence(sub, "join", who));
    sub.on("leave", (who) => this.onPresence(sub, "leave", who));
    this.refreshStatus();
  }

  // The wire's data is what the schema says it is (the SDK types it the same way).
  private readonly onData = (raw: unknown, pub: PublicationInfo): void => {
    const data = raw as T;
    const n = this.next;
    n.data = data;
    n.pub = pub;
    if (pub.key !== undefined) {
      this.keyed.delete(pub.key);
      this.keyed.set(pub.key, data);
      const maxKeys = this.bound("maxKeys");
      if (this.keyed.size > maxKeys) this.keyed.delete(this.keyed.keys().next().value as string);
      this.valuesDirty = true;
    }
    if (this.subMode === "stream") {
      this.buffer.push({ data, pub, seq: this.seq++, afterBreak: this.breakPending });
      this.breakPending = false;
      // Trimmed in halves, not per item: bounded at twice the limit between flushes.
      const limit = this.bound("limit");
      if (this.buffer.length >= 2 * limit) this.buffer.splice(0, this.buffer.length - limit);
      this.itemsDirty = true;
    }
    this.schedule();
  };

  private onSubscribed(sub: Subscription<T>, result: SubscribeResult): void {
    if (sub !== this.sub) return;
    const n = this.next;
    // The first ack of a subscription starts it; a later one without `recovered` means a hole.
    if (this.acked && !result.recovered) {
      n.resets++;
      n.resetSeq = this.seq;
      this.breakPending = true;
    }
    this.acked = true;
    n.recovered = result.recovered;
    n.error = undefined;
    if (this.wantsPresence()) this.fetchPresence();
    this.refreshStatus();
  }

  private onPresence(sub: Subscription<T>, kind: "join" | "leave", who: PresenceInfo): void {
    if (sub === this.sub && this.wantsPresence() && this.presence.event(kind, who)) this.tellPresence();
  }

  private fetchPresence(): void {
    const ticket = this.presence.fetchStarted();
    this.client.presence(this.topic).then(
      (list) => {
        if (this.presence.listed(ticket, list)) this.tellPresence();
      },
      (error: Error) => {
        if (this.presence.failed(ticket, error)) this.tellPresence();
      },
    );
  }

  private tellPresence(): void {
    if (this.disposed) return;
    for (const l of this.presenceListeners) l();
  }

  private refreshStatus(): void {
    this.next.status = this.sub?.state ?? "unsubscribed";
    this.schedule();
  }

  private clearItems(): void {
    this.buffer = [];
    this.breakPending = false;
    this.itemsDirty = true;
  }

  private bound(field: "limit" | "maxKeys"): number {
    let n = 1;
    for (const c of this.consumers) if (c.mode !== undefined) n = Math.max(n, c[field]);
    return n;
  }

  private schedule(): void {
    if (this.scheduled || this.disposed) return;
    this.scheduled = true;
    queueMicrotask(this.flush);
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    if (this.disposed) return;
    const prev = this.current;
    let items = prev.items;
    if (this.itemsDirty) {
      const limit = this.bound("limit");
      if (this.buffer.length > limit) this.buffer.splice(0, this.buffer.length - limit);
      items = Object.freeze(this.buffer.slice());
      this.itemsDirty = false;
    }
    let values = prev.values;
    if (this.valuesDirty) {
      values = new Map(this.keyed);
      this.valuesDirty = false;
    }
    this.current = Object.freeze({ ...this.next, items, values });
    for (const l of this.listeners) l();
  };
}
