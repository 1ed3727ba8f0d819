import type { Client, Subscription } from "@dashwire/client";
import type { LiveSubscribeOptions, LiveSubscription, LiveSubscriptionEvents } from "./live-client.js";

type Listeners = { [K in keyof LiveSubscriptionEvents]: Set<LiveSubscriptionEvents[K]> };

/**
 * One panel's share of a topic subscription. It gets what it asked for whatever the shared
 * subscription is: a `latest` share under a `stream` (or faster) subscription is conflated here
 * to its own `maxRate`, newest value kept, as the server would have done for it alone.
 */
class Share implements LiveSubscription {
  readonly listeners: Listeners = { subscribed: new Set(), join: new Set(), leave: new Set(), error: new Set() };
  /** Newest value held back by the rate cap, and when the last one was handed over. */
  private pending: { data: unknown } | null = null;
  private lastAt = Number.NEGATIVE_INFINITY;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly topic: SharedTopic,
    private readonly handler: (data: unknown) => void,
    readonly options: LiveSubscribeOptions,
  ) {}

  /** Settles with the topic's first confirmation, or its refusal (never a replacement's own end). */
  get ready(): Promise<unknown> {
    return this.topic.ready;
  }

  on<K extends keyof LiveSubscriptionEvents>(event: K, listener: LiveSubscriptionEvents[K]): () => void {
    const set = this.listeners[event] as Set<LiveSubscriptionEvents[K]>;
    set.add(listener);
    return () => set.delete(listener);
  }

  unsubscribe(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.pending = null;
    this.topic.remove(this);
  }

  /** A publication of the shared subscription, delivered as this share's mode and rate say. */
  deliver(data: unknown, shared: LiveSubscribeOptions): void {
    const interval = this.conflateMs(shared);
    if (interval === 0) {
      this.handler(data);
      return;
    }
    const now = Date.now();
    if (this.timer === null && now - this.lastAt >= interval) {
      this.lastAt = now;
      this.handler(data);
      return;
    }
    this.pending = { data };
    this.timer ??= setTimeout(this.flush, Math.max(0, this.lastAt + interval - now));
  }

  /** Ms between two deliveries when this share must be conflated under `shared`; 0 when not. */
  private conflateMs(shared: LiveSubscribeOptions): number {
    const { mode, maxRate } = this.options;
    if (mode !== "latest" || maxRate === undefined || maxRate <= 0) return 0;
    const faster = shared.mode !== "latest" || shared.maxRate === undefined || shared.maxRate > maxRate;
    return faster ? 1000 / maxRate : 0;
  }

  private readonly flush = (): void => {
    this.timer = null;
    const held = this.pending;
    this.pending = null;
    if (held === null) return;
    this.lastAt = Date.now();
    this.handler(held.data);
  };
}

/** Options that serve every share: stream if any wants it, the highest rate, presence if any asks. */
function merged(shares: Iterable<{ options: LiveSubscribeOptions }>): LiveSubscribeOptions {
  const out: LiveSubscribeOptions = { mode: "latest", snapshot: false, presence: false };
  let rate = 0;
  for (const s of shares) {
    if (s.options.mode !== "latest") out.mode = "stream";
    if (s.options.snapshot) out.snapshot = true;
    if (s.options.presence) out.presence = true;
    // No maxRate means uncapped: it wins over any cap.
    rate = s.options.maxRate === undefined ? Number.POSITIVE_INFINITY : Math.max(rate, s.options.maxRate);
  }
  if (Number.isFinite(rate) && rate > 0) out.maxRate = rate;
  return out;
}

/** True when subscription options `have` serve a share asking for `want`. */
function covers(have: LiveSubscribeOptions, want: LiveSubscribeOptions): boolean {
  if (want.mode !== "latest" && have.mode === "latest") return false;
  if (want.presence && !have.presence) return false;
  if (have.maxRate !== undefined && (want.maxRate === undefined || want.maxRate > have.maxRate)) return false;
  return true;
}

/** One SDK subscription fanned out to every share of its topic. */
class SharedTopic {
  sub!: Subscription;
  options: LiveSubscribeOptions = {};
  readonly shares = new Set<Share>();
  /** The current subscription was confirmed by the server (and not replaced since). */
  private confirmed = false;
  /**
   * One promise for every share, whichever subscription confirms it: replacing the subscription
   * for a newcomer ends the old one "before it was ready", which must not read as a refusal (it
   * did: the System dashboard's RSS gauge said "no data" while its values kept coming).
   */
  readonly ready: Promise<unknown>;
  private settle!: { resolve: (v: unknown) => void; reject: (e: unknown) => void };

  constructor(
    private readonly client: Client,
    readonly topic: string,
    private readonly onEmpty: () => void,
  ) {
    this.ready = new Promise((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    this.ready.catch(() => {}); // shares that never look must not make it unhandled
  }

  add(handler: (data: unknown) => void, options: LiveSubscribeOptions): Share {
    const first = this.shares.size === 0;
    const reopen = first || !covers(this.options, options);
    if (reopen) this.open(merged([...this.shares, { options }]));
    const share = new Share(this, handler, options);
    this.shares.add(share);
    // Joining a subscription the server already confirmed: the share hears it too (its
    // listeners are added right after this returns), as it would have had it come first.
    if (!reopen && this.confirmed)
      queueMicrotask(() => {
        if (this.shares.has(share) && this.confirmed)
          for (const l of share.listeners.subscribed) l({ recovered: true });
      });
    return share;
  }

  remove(share: Share): void {
    if (!this.shares.delete(share)) return;
    if (this.shares.size === 0) {
      this.sub.unsubscribe();
      this.onEmpty();
    }
  }

  /** (Re)subscribes with `options`: the SDK allows one subscription per topic, so it is replaced. */
  private open(options: LiveSubscribeOptions): void {
    this.sub?.unsubscribe();
    this.confirmed = false;
    this.options = options;
    const sub = this.client.subscribe(
      this.topic,
      (data: unknown) => {
        for (const s of this.shares) s.deliver(data, this.options);
      },
      options,
    );
    this.sub = sub;
    sub.ready.then(this.settle.resolve, (err: unknown) => {
      if (this.sub === sub) this.settle.reject(err);
    });
    sub.on("subscribed", (r) => {
      if (this.sub === sub) this.confirmed = true;
      for (const s of this.shares) for (const l of s.listeners.subscribed) l(r);
    });
    sub.on("join", (who) => {
      for (const s of this.shares) for (const l of s.listeners.join) l(who);
    });
    sub.on("leave", (who) => {
      for (const s of this.shares) for (const l of s.listeners.leave) l(who);
    });
    sub.on("error", (err) => {
      if (this.sub !== sub) return;
      for (const s of this.shares) for (const l of s.listeners.error) l(err);
    });
  }
}

/**
 * Lets several panels subscribe to the same topic (the SDK allows one subscription per topic
 * and client): one SDK subscription per topic, shared. Its options serve every share, so a
 * panel's own `maxRate` and mode hold when it is alone on a topic; when panels share one, the
 * subscription takes the most demanding of them (stream over latest, the highest rate), and is
 * replaced when a newcomer needs more. Each share still gets what it asked: every publication
 * for a stream share, the newest at most `maxRate` times a second for a latest one. The map
 * holds one entry per topic with a live share.
 */
export class TopicMux {
  private readonly topics = new Map<string, SharedTopic>();

  constructor(private readonly client: Client) {}

  /** Subscribes a share of `topic`. */
  subscribe(topic: string, handler: (data: unknown) => void, options: LiveSubscribeOptions): LiveSubscription {
    let t = this.topics.get(topic);
    if (!t) {
      t = new SharedTopic(this.client, topic, () => this.topics.delete(topic));
      this.topics.set(topic, t);
    }
    try {
      return t.add(handler, options);
    } catch (err) {
      // Refused by the SDK (invalid topic, subscription limit): forget a topic nobody holds.
      if (t.shares.size === 0) this.topics.delete(topic);
      throw err;
    }
  }

  /** Topics subscribed now. */
  get size(): number {
    return this.topics.size;
  }
}
