import {
  type Codec,
  ErrorCode,
  type Frame,
  type PresenceInfo,
  type PresenceMessage,
  type SubscribeMessage,
  type SubscribeResult,
} from "@dashwire/protocol";
import type { Logger } from "pino";
import type { Broker, BrokerStatus, HistoryResult, Publication } from "./broker/broker.js";
import { DashwireError, toWireError } from "./errors.js";
import type { NodeChannel } from "./node-channel.js";
import type { ResolvedServerOptions } from "./options.js";
import { PartsByCodec } from "./parts-by-codec.js";
import { PresenceSync } from "./presence-sync.js";
import type { Session } from "./session.js";
import type { ServerStats } from "./stats.js";
import { SubscribeAdmissions } from "./subscribe-admissions.js";
import { Subscription } from "./subscription.js";
import type { TopicAccess, TopicConfig } from "./topic-config.js";
import { REPEAT, SKIPPED, TopicEntry } from "./topic-entry.js";

/** Slowest `latest` flush rate: one per minute. */
const MIN_RATE = 1 / 60;

/** Most presence entries returned by one `presence` request. */
const PRESENCE_LIST_LIMIT = 1000;

/** What the hub needs from its server. */
export interface HubHost {
  readonly options: ResolvedServerOptions;
  /** Codecs connections may speak (the first is the default). */
  readonly codecs: readonly Codec[];
  readonly stats: ServerStats;
  readonly broker: Broker;
  readonly topics: TopicConfig;
  readonly logger: Logger;
  /** The node-to-node channel (cross-node presence runs on it). */
  readonly channel: NodeChannel;
}

/**
 * Owns the topics that have local subscribers: fans each publication out (encoded once), runs
 * subscribe with history recovery and snapshots, tracks presence.
 */
export class Hub {
  private readonly entries = new Map<string, TopicEntry>();
  /** Subscribes in their `canSubscribe` hook, so that an `unsub` or `sub` after them waits its turn. */
  private readonly admissions = new SubscribeAdmissions();
  /** Broker link as last reported. */
  private status: BrokerStatus = { ok: false, reason: "starting" };
  private brokerWasUp = false;
  /** Encodes a publication for its subscribers (bound once: passed to `Subscription.goLive`). */
  private readonly encoder = (pub: Publication, codec: Codec): Frame => this.encode(pub, codec);

  /** Presence of this node's topics on the other nodes. */
  readonly presenceSync: PresenceSync;

  constructor(private readonly core: HubHost) {
    this.presenceSync = new PresenceSync(core.channel, core.logger, {
      local: (topic) => this.entries.get(topic)?.present?.values(),
      remote: (topic, kind, who) => {
        const entry = this.entries.get(topic);
        if (entry !== undefined) this.announce(entry, kind, who);
      },
    });
  }

  /** Broker link as last reported. */
  get brokerStatus(): BrokerStatus {
    return this.status;
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
    const seen = entry.track(pub);
    if (seen === REPEAT) return;
    if (seen === SKIPPED) for (const sub of subs) sub.missed();
    // One codec (the common case): encoded once, up front. Several: once per codec in use,
    // on its first subscriber (issue 19); one small cache per publication, not shared, so a
    // delivery that publishes again cannot mix two publications' parts.
    const codecs = this.core.codecs;
    const only = codecs.length === 1 ? this.encode(pub, codecs[0] as Codec) : undefined;
    const parts = only === undefined ? new PartsByCodec(this.encoder) : undefined;
    for (let i = 0; i < subs.length; i++) {
      const sub = subs[i] as Subscription;
      try {
        sub.deliver(pub, only ?? (parts as PartsByCodec).get(pub, sub.session.codec));
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
    const lostBefore = this.brokerWasUp && !this.status.ok;
    this.status = status;
    if (!status.ok) return;
    this.brokerWasUp = true;
    // Publications may have been missed while the link was down: every live stream client is
    // told so and resumes from history; latest clients get a fresh snapshot (decision 4: never
    // silently behind).
    if (lostBefore)
      for (const entry of this.entries.values()) {
        entry.forgetPosition();
        for (const sub of entry.subs) {
          if (sub.conflate) void this.resnapshot(sub);
          else sub.missed();
        }
      }
  }

  /** Sends a `latest` subscriber the current value of every key again, then live. */
  private async resnapshot(sub: Subscription): Promise<void> {
    if (!sub.pendIfLive()) return;
    const topic = sub.topic;
    try {
      const result = await this.core.broker.history(topic, {
        snapshot: true,
        limit: this.core.options.limits.recoveryPublications,
      });
      if (sub.isEnded || !sub.session.isOpen) return;
      sub.goLive({ ...result, recovered: false }, this.encoder);
    } catch (err) {
      this.core.logger.warn({ err, topic }, "snapshot after broker link loss failed");
      sub.cancelPend();
    }
  }

  /** Encodes a publication as a `msg` part, once for all its subscribers on `codec`. */
  encode(pub: Publication, codec: Codec): Frame {
    const head: { c: string; e: string; o: number; k?: string; u?: 1 } = { c: pub.topic, e: pub.epoch, o: pub.offset };
    if (pub.key !== undefined) head.k = pub.key;
    if (pub.urgent) head.u = 1;
    return codec.encodePublication(head, pub.data);
  }

  /**
   * Subscribes, or resumes an existing subscription when it is already there (a `gap` answer
   * or a reconnect on the same session). Live publications arriving while history is read are
   * held and merged after it: no gap, no duplicate.
   */
  async subscribe(session: Session, msg: SubscribeMessage): Promise<void> {
    try {
      await this.attach(session, msg, (reply) => session.reply(msg.id, reply));
    } catch (err) {
      if (!(err instanceof DashwireError)) this.core.logger.error({ err, topic: msg.topic }, "subscribe failed");
      session.replyError(msg.id, err instanceof DashwireError ? err.toWire() : this.brokerError(err));
    }
  }

  /**
   * The subscribe of a client's `sub` and of a server-side join (`client.join`): checks the
   * limit and `canSubscribe`, reads history, `answer`s with the position, replays and goes live.
   * Throws (a `DashwireError` for a refusal) after undoing a subscription it left pending.
   */
  async attach(session: Session, msg: SubscribeMessage, answer: (reply: SubscribeResult) => void): Promise<void> {
    const { topic } = msg;
    const core = this.core;
    try {
      let sub = session.subs.get(topic);
      let entry: TopicEntry;
      if (sub === undefined) {
        if (this.admissions.has(session, topic))
          throw new DashwireError(ErrorCode.AlreadySubscribed, `already subscribing to ${topic}`);
        if (session.subs.count + this.admissions.count(session) >= core.options.limits.subscriptions) {
          core.stats.limit("subscriptions");
          throw new DashwireError(
            ErrorCode.TooManySubscriptions,
            `at most ${core.options.limits.subscriptions} subscriptions per connection`,
          );
        }
        const config = core.topics.resolve(topic);
        if (config.options.canSubscribe !== undefined) await this.admit(session, topic, config);
        if (!session.isOpen) return;
        // Cannot happen while `admissions` holds the topic; coded all the same, never unanswered.
        if (session.subs.get(topic) !== undefined)
          throw new DashwireError(ErrorCode.AlreadySubscribed, `already subscribed to ${topic}`);
        const latest = msg.mode === "latest";
        const cap = config.options.maxRate ?? 60;
        // Clamped both ways: a tiny maxRate would make an interval that timers cut to 1 ms.
        const rate = Math.max(MIN_RATE, Math.min(msg.maxRate ?? cap, cap));
        entry = this.entryFor(topic, config);
        sub = new Subscription(session, topic, latest, latest ? 1000 / rate : 0, msg.presence === true);
        session.subs.add(sub);
        entry.add(sub);
        core.stats.subscriptions++;
        if (entry.present !== undefined) this.join(entry, session);
      } else {
        entry = this.entries.get(topic) as TopicEntry;
        if (sub.pending) throw new DashwireError(ErrorCode.AlreadySubscribed, `already subscribing to ${topic}`);
        sub.pend();
      }
      const current = sub;
      await entry.ready;
      const result: HistoryResult = await core.broker.history(topic, {
        since: msg.since,
        last: msg.last,
        snapshot: msg.snapshot,
        limit: core.options.limits.recoveryPublications,
      });
      if (current.isEnded || !session.isOpen) return;
      const reply: SubscribeResult = { epoch: result.epoch, offset: result.offset, recovered: result.recovered };
      if (msg.snapshot === true && !result.recovered) reply.snapshot = true;
      answer(reply);
      current.goLive(result, this.encoder);
    } catch (err) {
      const sub = session.subs.get(topic);
      if (sub?.pending && !(err instanceof DashwireError && err.code === ErrorCode.AlreadySubscribed))
        this.remove(session, sub);
      throw err;
    }
  }

  /**
   * Runs `canSubscribe` for a subscribe of `session` to `topic`, recorded in `admissions` while
   * it decides so that the messages sent after it are served in order (`SubscribeAdmissions`).
   * Throws `Forbidden` when refused, `NotSubscribed` when an `unsub` ended it meanwhile.
   */
  private async admit(session: Session, topic: string, config: TopicEntry["config"]): Promise<void> {
    const hook = config.options.canSubscribe as NonNullable<typeof config.options.canSubscribe>;
    const access: TopicAccess = { client: session, topic, params: config.params };
    const ticket = this.admissions.begin(session, topic);
    let allowed: boolean;
    try {
      allowed = await hook(access);
    } catch (err) {
      this.admissions.end(session, topic, ticket);
      throw err;
    }
    // The unsub sent after this subscribe wins over the hook's answer.
    if (!this.admissions.end(session, topic, ticket))
      throw new DashwireError(ErrorCode.NotSubscribed, `unsubscribed from ${topic} before it was ready`);
    if (!allowed) throw new DashwireError(ErrorCode.Forbidden, `not allowed to subscribe to ${topic}`);
  }

  private brokerError(err: unknown): { code: number; message: string } {
    if (!this.status.ok) return { code: ErrorCode.BrokerUnavailable, message: "broker unavailable, try again" };
    return toWireError(err);
  }

  /** Ends one subscription. */
  unsubscribe(session: Session, topic: string, id: number | undefined): void {
    const sub = session.subs.get(topic);
    if (sub === undefined) {
      // A subscribe still in its hook is ended there; it is answered `NotSubscribed` (admit).
      if (this.admissions.cancel(session, topic)) session.reply(id, undefined);
      else session.replyError(id, { code: ErrorCode.NotSubscribed, message: `not subscribed to ${topic}` });
      return;
    }
    this.remove(session, sub);
    session.reply(id, undefined);
  }

  /** Server code ends `session`'s subscription to `topic` (`client.leave`); false when there is none. */
  drop(session: Session, topic: string): boolean {
    const sub = session.subs.get(topic);
    // A subscribe still in its hook is ended there (it is answered, or its join rejects, 4000).
    if (sub === undefined) return this.admissions.cancel(session, topic);
    this.remove(session, sub);
    session.send({ t: "unsubscribed", topic });
    return true;
  }

  /** Ends every subscription of a closing session. */
  removeSession(session: Session): void {
    if (session.subs.count === 0) return;
    for (const sub of [...session.subs.values()]) this.remove(session, sub);
  }

  private remove(session: Session, sub: Subscription): void {
    const entry = this.entries.get(sub.topic) as TopicEntry;
    session.subs.remove(sub);
    sub.dispose();
    entry.remove(sub);
    this.core.stats.subscriptions--;
    if (entry.leave(session.id)) {
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

  /**
   * This node's subscribers of `topic`, and how many of them are congested: at least
   * `thresholdBytes` wait in their queue (bytes pile up there only while the transport refuses
   * more; a long-polling client between two polls holds a little). Read only when asked
   * (`publish` with `reportBackpressure`): one pass over the subscribers, nothing on the fan-out path.
   */
  backpressure(topic: string, thresholdBytes: number): { subscribers: number; congested: number } {
    const subs = this.entries.get(topic)?.subs ?? [];
    let congested = 0;
    for (const sub of subs) if (sub.session.queuedBytes >= thresholdBytes) congested++;
    return { subscribers: subs.length, congested };
  }

  /** Topics with subscribers on this node, with how many. */
  *localTopics(): IterableIterator<[topic: string, subscribers: number]> {
    for (const [topic, entry] of this.entries) yield [topic, entry.subs.length];
  }

  private entryFor(topic: string, config: TopicEntry["config"]): TopicEntry {
    let entry = this.entries.get(topic);
    if (entry === undefined) {
      entry = new TopicEntry(topic, config, this.core.broker.subscribe(topic));
      this.entries.set(topic, entry);
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
    entry.join(who);
    this.announce(entry, "join", who);
    this.presenceSync.announce(entry.topic, "join", who);
  }

  private announce(entry: TopicEntry, t: "join" | "leave", who: PresenceInfo): void {
    let part: Frame | undefined;
    let partCodec: Codec | undefined;
    const subs = entry.subs;
    for (let i = 0; i < subs.length; i++) {
      const sub = subs[i] as Subscription;
      if (!sub.presence || sub.session.id === who.client) continue;
      try {
        const codec = sub.session.codec;
        if (part === undefined || partCodec !== codec) {
          part = codec.encode({ t, topic: entry.topic, who });
          partCodec = codec;
        }
        sub.session.push(part);
      } catch (err) {
        sub.session.fail(err);
      }
      // As in onPublication: a push may close a connection (hard cap) and remove its subscription.
      if (subs[i] !== sub) i--;
    }
  }
}
