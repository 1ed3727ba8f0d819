import type { Client, Subscription } from "@dashwire/client";
import type { LiveSubscribeOptions, LiveSubscription, LiveSubscriptionEvents } from "./live-client.js";

type Listeners = { [K in keyof LiveSubscriptionEvents]: Set<LiveSubscriptionEvents[K]> };

/** One panel's share of a topic subscription. */
class Share implements LiveSubscription {
  ready: Promise<unknown>;
  readonly listeners: Listeners = { subscribed: new Set(), join: new Set(), leave: new Set() };

  constructor(
    private readonly topic: SharedTopic,
    readonly handler: (data: unknown) => void,
    readonly options: LiveSubscribeOptions,
  ) {
    this.ready = topic.sub.ready;
  }

  on<K extends keyof LiveSubscriptionEvents>(event: K, listener: LiveSubscriptionEvents[K]): () => void {
    const set = this.listeners[event] as Set<LiveSubscriptionEvents[K]>;
    set.add(listener);
    return () => set.delete(listener);
  }

  unsubscribe(): void {
    this.topic.remove(this);
  }
}

/** Options that serve every share: stream if any wants it, the highest rate, presence if any asks. */
function merged(shares: Iterable<Share>): LiveSubscribeOptions {
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

  constructor(
    private readonly client: Client,
    readonly topic: string,
    private readonly onEmpty: () => void,
  ) {}

  add(handler: (data: unknown) => void, options: LiveSubscribeOptions): Share {
    const first = this.shares.size === 0;
    if (first || !covers(this.options, options)) {
      const probe = { options } as Share;
      this.open(merged([...this.shares, probe]));
    }
    const share = new Share(this, handler, options);
    this.shares.add(share);
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
    this.options = options;
    const sub = this.client.subscribe(
      this.topic,
      (data: unknown) => {
        for (const s of this.shares) s.handler(data);
      },
      options,
    );
    this.sub = sub;
    sub.on("subscribed", (r) => {
      for (const s of this.shares) for (const l of s.listeners.subscribed) l(r);
    });
    sub.on("join", (who) => {
      for (const s of this.shares) for (const l of s.listeners.join) l(who);
    });
    sub.on("leave", (who) => {
      for (const s of this.shares) for (const l of s.listeners.leave) l(who);
    });
  }
}

/**
 * Lets several panels subscribe to the same topic (the SDK allows one subscription per topic
 * and client): one SDK subscription per topic, shared. Its options serve every share, so a
 * panel's own `maxRate` and mode hold when it is alone on a topic; when panels share one, the
 * subscription takes the most demanding of them (stream over latest, the highest rate), and is
 * replaced when a newcomer needs more. Shares get every publication; each panel still redraws
 * at most once per frame. The map holds one entry per topic with a live share.
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
