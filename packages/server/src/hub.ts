import { ErrorCode, type PresenceInfo, type PresenceMessage, type SubscribeMessage } from "@dashwire/protocol";
import type { BrokerSink, BrokerStatus, HistoryResult, Publication } from "./broker/broker.js";
import type { ServerCore } from "./core.js";
import { DashwireError, toWireError } from "./errors.js";
import type { Session } from "./session.js";
import { GAPPED, LIVE, PENDING, Subscription } from "./subscription.js";
import type { TopicAccess } from "./topic-config.js";
import { PresenceSync } from "./presence-sync.js";
import { TopicEntry } from "./topic-entry.js";

/** Slowest `latest` flush rate: one per minute. */
const MIN_RATE = 1 / 60;

/** Most presence entries returned by one `presence` request. */
const PRESENCE_LIST_LIMIT = 1000;

/**
 * Owns the topics that have local subscribers: fans each publication out (encoded once), runs
 * subscribe with history recovery and snapshots, tracks presence.
 */
export class Hub implements BrokerSink {
  private readonly entries = new Map<string, TopicEntry>();
  /** Broker link as last reported. */
  brokerStatus: BrokerStatus = { ok: false, reason: "starting" };
  private brokerWasUp = false;

  /** Presence of this node's topics on the other nodes. */
  readonly presenceSync: PresenceSync;

  constructor(private readonly core: ServerCore) {
    this.presenceSync = new PresenceSync(core.broker, core.nodeId, core.logger, {
      local: (topic) => this.entries.get(topic)?.present?.values(),
      remote: (topic, kind, who) => {
        const entry = this.entries.get(topic);
        if (entry !== undefined) this.announce(entry, kind, who);
      },
    });
  }

  /** Number of topics with local subscribers. */
  get topicCount(): number {
    return this.entries.size;
  }

  onPublication(pub: Publication): void {
    const entry = this.entries.get(pub.topic);
    if (entry === undefined) return;
    const subs = entry.subs;
    if (subs.length === 0) return;
    // Safety net: a skipped offset or a new epoch means this node missed publications (whatever
    // the broker did); its stream clients resume from history instead of silently missing them.
    // A repeat of one already seen is dropped.
    if (entry.offset !== 0 && (pub.offset !== entry.offset + 1 || pub.epoch !== entry.epoch)) {
      if (pub.epoch === entry.epoch && pub.offset <= entry.offset) return;
      for (const sub of subs) this.forceResume(sub);
    }
    entry.epoch = pub.epoch;
    entry.offset = pub.offset;
    const part = this.encode(pub);
    for (let i = 0; i < subs.length; i++) {
      const sub = subs[i] as Subscription;
      try {
        sub.deliver(pub, part);
      } catch (err) {
        // One connection's failure ends that connection, not the fan-out to the others.
        sub.session.fail(err);
      }
      // Delivering may have closed a connection (hard cap, failure) and taken its subscription
      // out of `subs`: step back so the next subscriber is not skipped.
      if (subs[i] !== sub) i--;
    }
  }

  onStatus(status: BrokerStatus): void {
    const lostBefore = this.brokerWasUp && !this.brokerStatus.ok;
    this.brokerStatus = status;
    if (!status.ok) return;
    this.brokerWasUp = true;
    // Publications may have been missed while the link was down: every live stream client is
    // told so and resumes from history; latest clients get a fresh snapshot (decision 4: never
    // silently behind).
    if (lostBefore)
      for (const entry of this.entries.values()) {
        entry.offset = 0;
        for (const sub of entry.subs) {
          if (sub.conflate) void this.resnapshot(sub);
          else this.forceResume(sub);
        }
      }
  }

  private forceResume(sub: Subscription): void {
    if (sub.state !== LIVE || sub.conflate) return;
    sub.state = GAPPED;
    sub.gapFrom = sub.offset + 1;
    sub.gapTo = sub.offset + 1;
    sub.session.addGap(sub);
  }

  /** Sends a `latest` subscriber the current value of every key again, then live. */
  private async resnapshot(sub: Subscription): Promise<void> {
    if (sub.state !== LIVE) return;
    sub.state = PENDING;
    sub.held = [];
    const topic = sub.entry.topic;
    try {
      const result = await this.core.broker.history(topic, {
        snapshot: true,
        limit: this.core.options.limits.recoveryPublications,
      });
      if (sub.session.subs?.get(topic) !== sub || !sub.session.isOpen) return;
      this.goLive(sub, { t: "sub", topic, snapshot: true }, { ...result, recovered: false });
    } catch (err) {
      this.core.logger.warn({ err, topic }, "snapshot after broker link loss failed");
      if (sub.state === PENDING) {
        sub.held = undefined;
        sub.state = LIVE;
      }
    }
  }

  /** Encodes a publication as a `msg` part, once for all its subscribers. */
  encode(pub: Publication): string {
    const head: { c: string; e: string; o: number; k?: string; u?: 1 } = { c: pub.topic, e: pub.epoch, o: pub.offset };
    if (pub.key !== undefined) head.k = pub.key;
    if (pub.urgent) head.u = 1;
    return this.core.codec.encodePublication(head, pub.data);
  }

  /**
   * Subscribes, or resumes an existing subscription when it is already there (a `gap` answer
   * or a reconnect on the same session). Live publications arriving while history is read are
   * held and merged after it: no gap, no duplicate.
   */
  async subscribe(session: Session, msg: SubscribeMessage): Promise<void> {
    const { topic, id } = msg;
    const core = this.core;
    try {
      let sub = session.subs?.get(topic);
      let entry: TopicEntry;
      if (sub === undefined) {
        if ((session.subs?.size ?? 0) >= core.options.limits.subscriptions) {
          core.stats.limit("subscriptions");
          throw new DashwireError(
            ErrorCode.TooManySubscriptions,
            `at most ${core.options.limits.subscriptions} subscriptions per connection`,
          );
        }
        const config = core.topics.resolve(topic);
        const access: TopicAccess = { client: session, topic, params: config.params };
        if (config.options.canSubscribe !== undefined && !(await config.options.canSubscribe(access)))
          throw new DashwireError(ErrorCode.Forbidden, `not allowed to subscribe to ${topic}`);
        if (!session.isOpen || session.subs?.has(topic)) return;
        const latest = msg.mode === "latest";
        const cap = config.options.maxRate ?? 60;
        // Clamped both ways: a tiny maxRate would make an interval that timers cut to 1 ms.
        const rate = Math.max(MIN_RATE, Math.min(msg.maxRate ?? cap, cap));
        entry = this.entryFor(topic, config);
        sub = new Subscription(session, entry, latest, latest ? 1000 / rate : 0, msg.presence === true);
        (session.subs ??= new Map()).set(topic, sub);
        entry.subs.push(sub);
        core.stats.subscriptions++;
        if (entry.present !== undefined) this.join(entry, session);
      } else {
        entry = sub.entry;
        if (sub.state === PENDING)
          throw new DashwireError(ErrorCode.AlreadySubscribed, `already subscribing to ${topic}`);
        sub.state = PENDING;
        sub.held = [];
      }
      const current = sub;
      await entry.ready;
      const result: HistoryResult = await core.broker.history(topic, {
        since: msg.since,
        last: msg.last,
        snapshot: msg.snapshot,
        limit: core.options.limits.recoveryPublications,
      });
      if (session.subs?.get(topic) !== current || !session.isOpen) return;
      this.goLive(current, msg, result);
    } catch (err) {
      const sub = session.subs?.get(topic);
      if (
        sub !== undefined &&
        sub.state === PENDING &&
        !(err instanceof DashwireError && err.code === ErrorCode.AlreadySubscribed)
      )
        this.remove(session, sub);
      if (!(err instanceof DashwireError)) core.logger.error({ err, topic }, "subscribe failed");
      session.replyError(id, err instanceof DashwireError ? err.toWire() : this.brokerError(err));
    }
  }

  private brokerError(err: unknown): { code: number; message: string } {
    if (!this.brokerStatus.ok) return { code: ErrorCode.BrokerUnavailable, message: "broker unavailable, try again" };
    return toWireError(err);
  }

  private goLive(sub: Subscription, msg: SubscribeMessage, result: HistoryResult): void {
    const session = sub.session;
    const reply: Record<string, unknown> = { epoch: result.epoch, offset: result.offset, recovered: result.recovered };
    const snapshot = msg.snapshot === true && !result.recovered;
    if (snapshot) reply.snapshot = true;
    session.reply(msg.id, reply);
    sub.epoch = result.epoch;
    const held = sub.held ?? [];
    if (result.recovered) {
      // A replay goes through the bounded queue like live traffic: what does not fit becomes a
      // gap, and the client resumes again from there (catch-up in queue-sized steps).
      for (const pub of result.publications) {
        const part = this.encode(pub);
        if (sub.conflate) session.push(part);
        else if (!session.enqueue(part)) {
          this.replayOverflow(sub, pub.offset, Math.max(result.offset, held.at(-1)?.offset ?? 0));
          return;
        }
      }
    } else {
      // A snapshot: at most `latest.maxKeys` values, sent whole.
      for (const pub of result.publications) session.push(this.encode(pub));
    }
    // Everything up to the position read is delivered (replay) or superseded (snapshot), in
    // this epoch; offsets of an earlier epoch mean nothing here.
    const last = result.offset;
    sub.offset = last;
    const wasGapped = sub.state === GAPPED;
    sub.held = undefined;
    sub.state = LIVE;
    for (const pub of held) {
      if (pub.epoch === result.epoch && pub.offset <= last) continue;
      sub.deliver(pub, this.encode(pub));
    }
    // Held too many while reading history: announce the gap now; the client resumes again.
    if (wasGapped) {
      sub.state = GAPPED;
      session.addGap(sub);
    }
  }

  /** A replay did not fit the queue: the rest becomes a gap the client resumes from. */
  private replayOverflow(sub: Subscription, from: number, to: number): void {
    sub.held = undefined;
    sub.state = GAPPED;
    sub.gapFrom = from;
    sub.gapTo = to;
    this.core.stats.dropsStream++;
    sub.session.addGap(sub);
  }

  /** Ends one subscription. */
  unsubscribe(session: Session, topic: string, id: number | undefined): void {
    const sub = session.subs?.get(topic);
    if (sub === undefined) {
      session.replyError(id, { code: ErrorCode.NotSubscribed, message: `not subscribed to ${topic}` });
      return;
    }
    this.remove(session, sub);
    session.reply(id, undefined);
  }

  /** Ends every subscription of a closing session. */
  removeSession(session: Session): void {
    if (session.subs === undefined) return;
    for (const sub of [...session.subs.values()]) this.remove(session, sub);
  }

  private remove(session: Session, sub: Subscription): void {
    const entry = sub.entry;
    session.subs?.delete(entry.topic);
    sub.dispose();
    entry.remove(sub);
    this.core.stats.subscriptions--;
    if (entry.present?.delete(session.id)) {
      const who = this.presenceOf(session);
      this.announce(entry, "leave", who);
      this.presenceSync.announce(entry.topic, "leave", who);
    }
    if (entry.subs.length === 0) {
      this.entries.delete(entry.topic);
      if (entry.present !== undefined) this.presenceSync.untrack(entry.topic);
      this.core.broker.unsubscribe(entry.topic).catch((err: unknown) => {
        this.core.logger.warn({ err, topic: entry.topic }, "broker unsubscribe failed");
      });
    }
  }

  /** Answers a `presence` request with the list of present clients. */
  async presence(session: Session, msg: PresenceMessage): Promise<void> {
    const { topic, id } = msg;
    try {
      const config = this.core.topics.resolve(topic);
      if (!config.options.presence)
        throw new DashwireError(ErrorCode.PresenceDisabled, `presence is not enabled for ${topic}`);
      const access: TopicAccess = { client: session, topic, params: config.params };
      const hook = config.options.canPresence ?? config.options.canSubscribe;
      if (hook !== undefined && !(await hook(access)))
        throw new DashwireError(ErrorCode.Forbidden, `not allowed to see presence of ${topic}`);
      session.reply(id, this.presenceList(topic));
    } catch (err) {
      session.replyError(id, toWireError(err));
    }
  }

  /** Who is present on `topic`: the full count and the first `limit` entries, this node's first. */
  presenceList(topic: string, limit = PRESENCE_LIST_LIMIT): { count: number; clients: PresenceInfo[] } {
    // This node's clients, then the other nodes' (see PresenceSync).
    const present = this.entries.get(topic)?.present;
    const clients: PresenceInfo[] = [];
    for (const who of present?.values() ?? []) if (clients.length < limit) clients.push(who);
    for (const who of this.presenceSync.list(topic)) if (clients.length < limit) clients.push(who);
    return { count: (present?.size ?? 0) + this.presenceSync.count(topic), clients };
  }

  /** Topics with subscribers on this node, with how many. */
  *localTopics(): IterableIterator<[topic: string, subscribers: number]> {
    for (const [topic, entry] of this.entries) yield [topic, entry.subs.length];
  }

  private entryFor(topic: string, config: TopicEntry["config"]): TopicEntry {
    let entry = this.entries.get(topic);
    if (entry === undefined) {
      entry = new TopicEntry(topic, config);
      this.entries.set(topic, entry);
      entry.ready = this.core.broker.subscribe(topic);
      if (entry.present !== undefined) this.presenceSync.track(topic);
    }
    return entry;
  }

  private presenceOf(session: Session): PresenceInfo {
    const info: PresenceInfo = { client: session.id };
    if (session.user?.id !== undefined) info.user = session.user.id;
    if (session.presenceInfo !== undefined) info.info = session.presenceInfo;
    return info;
  }

  private join(entry: TopicEntry, session: Session): void {
    const who = this.presenceOf(session);
    entry.present?.set(session.id, who);
    this.announce(entry, "join", who);
    this.presenceSync.announce(entry.topic, "join", who);
  }

  private announce(entry: TopicEntry, t: "join" | "leave", who: PresenceInfo): void {
    let part: string | undefined;
    const subs = entry.subs;
    for (let i = 0; i < subs.length; i++) {
      const sub = subs[i] as Subscription;
      if (!sub.presence || sub.session.id === who.client) continue;
      try {
        part ??= this.core.codec.encode({ t, topic: entry.topic, who });
        sub.session.push(part);
      } catch (err) {
        sub.session.fail(err);
      }
      // As in onPublication: a push may close a connection (hard cap) and remove its subscription.
      if (subs[i] !== sub) i--;
    }
  }
}
