import {
  backoff,
  backoffDefaults,
  ErrorCode,
  isValidTopic,
  type SubscribedMessage,
  type SubscribeResult,
  type WireError,
} from "@dashwire/protocol";
import type { ClientEvents } from "./client-events.js";
import type { Emitter } from "./emitter.js";
import { DashwireClientError } from "./errors.js";
import type { ResolvedClientOptions } from "./options.js";
import type { RequestSink } from "./requests.js";
import { checkSubscribeOptions } from "./subscribe-options.js";
import { type PublicationInfo, type SubscribeOptions, Subscription, type SubscriptionHost } from "./subscription.js";

/** Subscriptions sent in the handshake frame; the server holds at most 64 messages before `connected`. */
const MAX_PIPELINED_SUBS = 48;

/** What the client's subscriptions need from their client. */
export interface SubscriptionsHost {
  readonly options: ResolvedClientOptions;
  readonly events: Emitter<ClientEvents>;
  /** The connection, as requests see it (`sub` and `unsub` go out only while it is ready). */
  readonly sink: RequestSink;
  /** A message id not used before on this client (ids are shared with requests). */
  nextId(): number;
}

/**
 * The client's subscriptions by topic, its own (`client.subscribe`) and those server code made
 * (`client.join` on the server, issue 19, as centrifuge-js handles Centrifugo's server-side
 * subscriptions: announced by the client's `subscribed` event, publications on `publication`).
 * Both kinds live in one map, so a reconnect resumes either from its last position. Owns the
 * `sub` acks in flight (at most one per subscription) and the server's subscription limit.
 */
export class ClientSubscriptions {
  private readonly subs = new Map<string, Subscription>();
  // Subscribe requests awaiting their ack, by message id (at most one per subscription).
  private readonly acks = new Map<number, Subscription>();
  private readonly subHost: SubscriptionHost;
  private max = Number.POSITIVE_INFINITY;

  constructor(private readonly host: SubscriptionsHost) {
    const { options, sink } = host;
    this.subHost = {
      scheduler: options.scheduler,
      resubscribe: (sub) => {
        if (sink.ready && this.subs.get(sub.topic) === sub) this.send(sub);
      },
      forget: (sub, tellServer) => this.forget(sub, tellServer),
      retryDelay: (attempt) => backoff(attempt, options.reconnect || backoffDefaults),
      ackTimeoutMs: options.ackTimeoutMs,
    };
  }

  /** Creates the subscription to `topic` and sends `sub` when connected; throws a coded error for a bad call. */
  add<T>(topic: string, handler: (data: T, pub: PublicationInfo) => void, options: SubscribeOptions): Subscription<T> {
    if (!isValidTopic(topic))
      throw new DashwireClientError(ErrorCode.InvalidTopic, `invalid topic ${JSON.stringify(topic)}`);
    if (this.subs.has(topic))
      throw new DashwireClientError(ErrorCode.AlreadySubscribed, `already subscribed to ${topic}`);
    if (this.subs.size >= this.max)
      throw new DashwireClientError(ErrorCode.TooManySubscriptions, `the server allows ${this.max} subscriptions`);
    checkSubscribeOptions(options);
    const sub = new Subscription<T>(this.subHost, topic, handler, { ...options });
    this.subs.set(topic, sub);
    if (this.host.sink.ready) this.send(sub);
    return sub;
  }

  /** The live subscription on `topic`, if any. */
  get(topic: string): Subscription | undefined {
    return this.subs.get(topic);
  }

  /**
   * The transport opened: subscriptions ride in the handshake frame, saving a round trip on
   * reconnect. The server holds at most 64 messages before `connected` (docs/protocol.md); the
   * rest follow the handshake reply.
   */
  opened(): void {
    let n = 0;
    for (const sub of this.subs.values()) if (n++ < MAX_PIPELINED_SUBS) this.send(sub);
  }

  /**
   * A handshake completed. Subscriptions not acknowledged on this session are sent (again): a
   * server that took the session over resumes each from the position given.
   */
  connected(maxSubscriptions: number | undefined): void {
    if (maxSubscriptions !== undefined && maxSubscriptions > 0) this.max = maxSubscriptions;
    for (const sub of this.subs.values()) if (sub.pendingId === undefined) this.send(sub);
  }

  /** The transport is gone: every subscription waits for the next handshake, or ends with `error` when it is permanent. */
  lost(error: DashwireClientError | undefined): void {
    this.acks.clear();
    for (const sub of this.subs.values()) sub.transportLost();
    if (error === undefined) return;
    for (const sub of this.subs.values()) sub.end(error, false);
    this.subs.clear();
  }

  /** Routes an ack (or an `err` with an id) to the `sub` it answers; false when no `sub` has that id. */
  settle(id: number, data: unknown, error: WireError | undefined): boolean {
    const sub = this.acks.get(id);
    if (sub === undefined) return false;
    this.acks.delete(id);
    if (sub.pendingId !== id) return true;
    if (error !== undefined) sub.refused(new DashwireClientError(error.code, error.message, error.details));
    else if (isSubscribeResult(data)) sub.acked(data);
    else sub.refused(new DashwireClientError(ErrorCode.InvalidField, "subscribe ack without epoch and offset"));
    return true;
  }

  /** The server subscribed this client to `m.topic` (`client.join` on the server). */
  serverSubscribed(m: SubscribedMessage): void {
    if (typeof m.topic !== "string" || typeof m.epoch !== "string" || typeof m.offset !== "number") return;
    const result: SubscribeResult = { epoch: m.epoch, offset: m.offset, recovered: m.recovered === true };
    if (m.snapshot === true) result.snapshot = true;
    const own = this.subs.get(m.topic);
    if (own !== undefined) {
      // The client asked for the same topic meanwhile: the server's subscription is that one.
      own.acked(result);
      return;
    }
    const options: SubscribeOptions = {};
    const o = m.options;
    if (o?.mode === "latest" || o?.mode === "stream") options.mode = o.mode;
    if (typeof o?.maxRate === "number") options.maxRate = o.maxRate;
    if (o?.snapshot === true) options.snapshot = true;
    if (o?.presence === true) options.presence = true;
    try {
      checkSubscribeOptions(options);
    } catch {
      delete options.maxRate;
    }
    const { events } = this.host;
    const sub = new Subscription(
      this.subHost,
      m.topic,
      (data, pub) => events.emit("publication", pub.topic, data, pub),
      options,
      true,
    );
    this.subs.set(m.topic, sub);
    sub.acked(result);
    events.emit("subscribed", m.topic, sub);
  }

  /** Server code ended this client's subscription to `topic` (`client.leave` on the server). */
  serverUnsubscribed(topic: string): void {
    const sub = this.subs.get(topic);
    if (sub === undefined) return;
    sub.end(new DashwireClientError(ErrorCode.NotSubscribed, `the server ended the subscription to ${topic}`), false);
    this.forget(sub, false);
    this.host.events.emit("unsubscribed", topic, sub);
  }

  private send(sub: Subscription): void {
    if (sub.pendingId !== undefined) this.acks.delete(sub.pendingId);
    const id = this.host.nextId();
    this.acks.set(id, sub);
    this.host.sink.send(this.host.options.codec.encode(sub.subscribeMessage(id)));
  }

  private forget(sub: Subscription, tellServer: boolean): void {
    if (this.subs.get(sub.topic) !== sub) return;
    this.subs.delete(sub.topic);
    if (sub.pendingId !== undefined) this.acks.delete(sub.pendingId);
    const { sink, options } = this.host;
    if (tellServer && sink.ready) sink.send(options.codec.encode({ t: "unsub", topic: sub.topic }));
  }
}

function isSubscribeResult(v: unknown): v is SubscribeResult {
  const r = v as SubscribeResult | null;
  return typeof r === "object" && r !== null && typeof r.epoch === "string" && typeof r.offset === "number";
}
