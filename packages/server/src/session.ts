import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import {
  CloseCode,
  type ClientMessage,
  type Codec,
  type ConnectionLimits,
  type ConnectMessage,
  closeCodeAllowsReconnect,
  ErrorCode,
  MAX_CLOSE_REASON_BYTES,
  MAX_ERROR_MESSAGE_BYTES,
  PROTOCOL_VERSION,
  parseClientMessage,
  truncateUtf8,
  Violation,
  type WireError,
} from "@dashwire/protocol";
import type { Client, UserIdentity } from "./client.js";
import type { ConnectContext, HandshakeInfo } from "./connect-context.js";
import { CredentialExpiry } from "./credential-expiry.js";
import { Handshake, type HandshakeHost, type HandshakeParty } from "./handshake.js";
import { Inbox, type InboxHost, MESSAGES_PER_TURN } from "./inbox.js";
import { MessageRate, RATE_CLOSE, RATE_PASS, RATE_TELL } from "./message-rate.js";
import type { ResolvedServerOptions } from "./options.js";
import { OutboundQueue, type QueueHost, type QueueOwner } from "./outbound-queue.js";
import type { ServerStats } from "./stats.js";
import type { Subscriber, Subscription } from "./subscription.js";
import type { Transport, TransportSink } from "./transport/transport.js";

const HANDSHAKING = 0;
const OPEN = 1;
const CLOSED = 2;

/** Protocol violations tolerated per heartbeat period before the connection is closed. */
const MAX_VIOLATIONS = 50;

/** A client message past the handshake that the server's services answer. */
export type ServiceMessage = Exclude<ClientMessage, { t: "connect" | "ping" | "pong" }>;

/** What a session needs from its server. */
export interface SessionHost extends HandshakeHost, QueueHost {
  readonly options: ResolvedServerOptions;
  readonly codec: Codec;
  readonly stats: ServerStats;
  /** Limits announced in `connected`. */
  readonly wireLimits: ConnectionLimits;
  /** Hands a message to the service that answers it (hub, router, publish, refresh). */
  serve(session: Session, msg: ServiceMessage): void;
  /** The handshake succeeded (counted, `connection` event). */
  opened(session: Session): void;
  /** The session ended: subscriptions released, counted, `disconnect` event when it was open. */
  closed(session: Session, code: number, reason: string, wasOpen: boolean): void;
  /** A gap notice went to this client (for `server.events` "gap"). */
  reportGap(session: Session, topic: string, from: number, to: number): void;
  /**
   * The live session `connect.session` names, when `connect.secret` proves it and middleware
   * found the same user: `fresh` takes it over. Undefined: `fresh` opens as a new session.
   */
  claim(fresh: Session, msg: ConnectMessage, user: UserIdentity | undefined): Session | undefined;
  /** `fresh` handed its transport to the session it took over: forget it, uncounted. */
  discard(fresh: Session): void;
}

/**
 * One logical client, independent of its transport: its identity, its subscriptions, its
 * outbound queue (`OutboundQueue`), and the reading of its frames (fair slices, rate limit,
 * violations). The handshake (`Handshake`) runs first; everything else waits for it.
 */
export class Session implements Client, TransportSink, InboxHost, QueueOwner, Subscriber, HandshakeParty {
  readonly id: string;
  readonly remoteAddress: string;
  /** Proof of this session for a takeover (sent in `connected`, never shown to others). */
  private readonly secret = randomBytes(16).toString("base64url");
  private identity: UserIdentity | undefined = undefined;
  /** Presence info shown to others (set by connect middleware). */
  private presenceData: unknown = undefined;
  /** Subscriptions by topic (created on first subscribe). */
  private subs: Map<string, Subscription> | undefined = undefined;
  /** Last time anything arrived from the client (ms). */
  private lastHeard: number;
  /** Handlers in flight that owe an ack. */
  private acksPending = 0;
  /** Protocol violations in the current heartbeat period. */
  private violations = 0;

  private state = HANDSHAKING;
  private transportRef: Transport;
  private readonly out: OutboundQueue;
  private dataRef: Record<string, unknown> | undefined = undefined;
  /** Until `connected`: the handshake in progress. */
  private handshake: Handshake | undefined;
  /** Message rate limit (created on the first message past the handshake). */
  private rate: MessageRate | undefined = undefined;
  /** When the credentials expire; undefined: never. */
  private expiry: CredentialExpiry | undefined = undefined;
  /** Messages of big frames waiting for their turn (created on the first such frame). */
  private inbox: Inbox | undefined = undefined;

  constructor(
    private readonly host: SessionHost,
    id: string,
    transport: Transport,
    handshake: HandshakeInfo,
    /** The slice of the heartbeat period this session is pinged in (see `Heartbeat`). */
    readonly heartbeatSlot: number,
  ) {
    this.id = id;
    this.transportRef = transport;
    this.remoteAddress = handshake.remoteAddress;
    this.lastHeard = Date.now();
    this.out = new OutboundQueue(this, host);
    this.handshake = new Handshake(this, handshake, host);
    transport.bind(this);
  }

  get transport(): string {
    return this.transportRef.name;
  }

  get user(): UserIdentity | undefined {
    return this.identity;
  }

  /** Presence info shown to others (set by connect middleware). */
  get presenceInfo(): unknown {
    return this.presenceData;
  }

  get data(): Record<string, unknown> {
    this.dataRef ??= {};
    return this.dataRef;
  }

  get isOpen(): boolean {
    return this.state === OPEN;
  }

  /** Last time anything arrived from the client (ms). */
  get lastSeen(): number {
    return this.lastHeard;
  }

  get stats(): ServerStats {
    return this.host.stats;
  }

  topics(): IterableIterator<string> {
    return (this.subs ?? new Map<string, Subscription>()).keys();
  }

  emit(event: string, data?: unknown, ns?: string): void {
    const msg: Record<string, unknown> = { t: "evt", event, data };
    if (ns !== undefined) msg.ns = ns;
    this.send(msg);
  }

  disconnect(code: number = CloseCode.Normal, reason = "closed by server"): void {
    if (!isCloseCode(code)) throw new RangeError(`close code ${code} is not 1000, 1001 or 3000-4999`);
    this.close(code, reason);
  }

  // ------------------------------------------------------------------ subscriptions

  /** This client's subscription to `topic`, if any. */
  subscription(topic: string): Subscription | undefined {
    return this.subs?.get(topic);
  }

  /** Number of subscriptions (bounded by `limits.subscriptions`). */
  get subscriptionCount(): number {
    return this.subs?.size ?? 0;
  }

  /** Every subscription of this client. */
  subscriptions(): IterableIterator<Subscription> {
    return (this.subs ?? new Map<string, Subscription>()).values();
  }

  /** Adds a new subscription (the caller checked there is none on its topic). */
  addSubscription(sub: Subscription): void {
    (this.subs ??= new Map()).set(sub.topic, sub);
  }

  /** Forgets a subscription; false when it is not this client's current one. */
  removeSubscription(sub: Subscription): boolean {
    if (this.subs?.get(sub.topic) !== sub) return false;
    this.subs.delete(sub.topic);
    return true;
  }

  // ------------------------------------------------------------------ acks

  /** Handlers in flight that owe an ack. */
  get pendingAcks(): number {
    return this.acksPending;
  }

  /** A handler started; its ack is owed. */
  ackOpened(): void {
    this.acksPending++;
  }

  /** A handler's ack went out (or its error). */
  ackSettled(): void {
    this.acksPending--;
  }

  // ------------------------------------------------------------------ outbound

  /** Bytes queued and not yet handed to the transport. */
  get queuedBytes(): number {
    return this.out.queuedBytes;
  }

  /** False while the transport is congested. */
  get writable(): boolean {
    return this.out.writable;
  }

  /** Queues an encoded stream publication; false at the queue's byte limit (see `OutboundQueue`). */
  enqueue(part: string): boolean {
    return this.out.enqueue(part);
  }

  /** Queues an encoded message regardless of the stream limit (control messages, replays). */
  push(part: string): void {
    this.out.push(part);
  }

  /** Encodes and queues one message. */
  send(message: unknown): void {
    this.out.push(this.host.codec.encode(message));
  }

  /**
   * Replies to a message that carried an id. Reply data comes from application code: when it
   * cannot be encoded (a BigInt, a cycle), the client gets `Internal` instead and the log says why.
   */
  reply(id: number | undefined, data: unknown): void {
    if (id === undefined) return;
    let part: string;
    try {
      part = this.host.codec.encode(data === undefined ? { t: "ack", id } : { t: "ack", id, data });
    } catch (err) {
      this.host.logger.error({ err, session: this.id }, "reply could not be encoded");
      this.replyError(id, { code: ErrorCode.Internal, message: "internal error" });
      return;
    }
    this.out.push(part);
  }

  /**
   * Replies with a coded error: an `ack` when the message had an id, an `err` otherwise. The
   * message is cut to `MAX_ERROR_MESSAGE_BYTES` (it may quote client input or app text).
   */
  replyError(id: number | undefined, error: WireError): void {
    this.host.stats.error(error.code);
    const message = truncateUtf8(error.message, MAX_ERROR_MESSAGE_BYTES);
    if (id === undefined) this.send({ t: "err", code: error.code, message });
    else if (message === error.message) this.send({ t: "ack", id, error });
    else this.send({ t: "ack", id, error: { ...error, message } });
  }

  /** Marks a stream subscription as owing a gap notice. */
  addGap(sub: Subscription): void {
    this.out.addGap(sub);
  }

  reportGap(topic: string, from: number, to: number): void {
    this.host.reportGap(this, topic, from, to);
  }

  /** @internal Queue owner: one frame to the transport. */
  write(frame: string): boolean {
    return this.transportRef.send(frame);
  }

  /** @internal Queue owner: control replies piled past the hard cap. */
  overflow(): void {
    this.state = CLOSED;
    this.transportRef.close(CloseCode.SlowConsumer, "outbound queue full");
    this.cleanup(CloseCode.SlowConsumer, "outbound queue full", true);
  }

  onDrain(): void {
    try {
      this.out.drained();
    } catch (err) {
      this.fail(err);
    }
  }

  // ------------------------------------------------------------------ inbound

  onFrame(frame: string): void {
    // A closed session reads nothing more (a flooder's buffered frames are not decoded).
    if (this.state === CLOSED) return;
    try {
      this.receive(frame);
    } catch (err) {
      this.fail(err);
    }
  }

  private receive(frame: string): void {
    const stats = this.host.stats;
    stats.framesIn++;
    stats.bytesIn += frame.length;
    this.lastHeard = Date.now();
    const inbox = this.inbox;
    // Behind a big frame still being handled: wait, undecoded, for its turn.
    if (inbox?.busy) {
      if (!inbox.push(frame)) this.close(CloseCode.ProtocolError, "too many messages waiting");
      return;
    }
    const values = this.decodeInbound(frame);
    if (values === undefined) return;
    if (values.length <= MESSAGES_PER_TURN) {
      for (let i = 0; i < values.length; i++) this.handleValue(values[i]);
      return;
    }
    const { frameBytes, messagesPerFrame } = this.host.options.limits;
    this.inbox ??= new Inbox(this, { pauseBytes: frameBytes, pauseMessages: 4 * messagesPerFrame });
    if (!this.inbox.push(values)) this.close(CloseCode.ProtocolError, "too many messages waiting");
  }

  /** @internal Decodes a frame; undefined (answered as a violation) when it is refused. */
  decodeInbound(frame: string): unknown[] | undefined {
    let values: unknown[];
    try {
      values = this.host.codec.decode(frame);
    } catch {
      this.violation(undefined, { code: ErrorCode.BadFrame, message: "frame is not valid JSON" });
      return undefined;
    }
    const max = this.host.options.limits.messagesPerFrame;
    if (values.length > max) {
      this.violation(undefined, {
        code: ErrorCode.TooManyMessages,
        message: `a frame may hold at most ${max} messages`,
      });
      return undefined;
    }
    return values;
  }

  /** @internal Inbox host: one message of a sliced frame. */
  handleInbound(value: unknown): boolean {
    try {
      this.handleValue(value);
    } catch (err) {
      this.fail(err);
    }
    return this.state !== CLOSED;
  }

  /** @internal Inbox host: backpressure on the client while its messages wait. */
  setReading(on: boolean): void {
    if (this.state !== CLOSED) this.transportRef.setReading?.(on);
  }

  private handleValue(value: unknown): void {
    if (this.state === CLOSED) return;
    const handshake = this.handshake;
    if (handshake?.started) {
      if (!handshake.hold(value)) this.close(CloseCode.ProtocolError, "too many messages before connected");
      return;
    }
    const msg = parseClientMessage(value, this.host.options.limits.topicLength);
    if (msg instanceof Violation) {
      this.violation(msg.id, { code: msg.code, message: msg.message });
      return;
    }
    this.host.stats.messagesIn++;
    if (handshake !== undefined) {
      if (msg.t !== "connect") {
        this.violation((msg as { id?: number }).id, { code: ErrorCode.NotConnected, message: "send connect first" });
        return;
      }
      handshake.start(msg);
      return;
    }
    if (msg.t === "pong") return;
    if (msg.t === "ping") {
      this.out.push('{"t":"pong"}');
      return;
    }
    const { messagesPerSecond, messageBurst } = this.host.options.limits;
    const id = msg.t === "connect" ? undefined : msg.id;
    const verdict = (this.rate ??= new MessageRate(messagesPerSecond, messageBurst)).take(id !== undefined);
    if (verdict === RATE_PASS) {
      if (msg.t === "connect")
        this.replyError(undefined, { code: ErrorCode.InvalidField, message: "already connected" });
      else this.host.serve(this, msg);
      return;
    }
    this.host.stats.limit("messageRate");
    if (verdict === RATE_CLOSE) this.close(CloseCode.RateLimited, "message rate limit exceeded");
    else if (verdict === RATE_TELL)
      this.replyError(id, {
        code: ErrorCode.RateLimited,
        message: `more than ${messagesPerSecond} messages per second`,
      });
  }

  /** Heartbeat: a new period for this session's per-period counters. */
  newPeriod(): void {
    this.violations = 0;
    this.rate?.newPeriod();
  }

  private violation(id: number | undefined, error: WireError): void {
    this.replyError(id, error);
    if (++this.violations > MAX_VIOLATIONS) this.close(CloseCode.ProtocolError, "too many invalid messages");
  }

  /**
   * @internal Handshake party: middleware accepted the client. The session opens, or, when
   * `connect` proves it is the client of a live session, hands its transport to that one.
   */
  accept(ctx: ConnectContext, msg: ConnectMessage, held: unknown[]): void {
    if (this.state !== HANDSHAKING) return;
    this.handshake = undefined;
    const earlier = msg.session === undefined ? undefined : this.host.claim(this, msg, ctx.user);
    if (earlier !== undefined) {
      this.state = CLOSED;
      this.host.discard(this);
      earlier.takeOver(this.transportRef, ctx, held);
      return;
    }
    this.identity = ctx.user;
    this.presenceData = ctx.presence;
    this.setExpiry(ctx.expiresAt);
    this.state = OPEN;
    this.lastHeard = Date.now();
    this.send(this.connected(ctx, false));
    this.host.opened(this);
    for (const value of held) this.handleValue(value);
  }

  /** True when `secret` is this session's (compared in constant time). */
  proves(secret: string | undefined): boolean {
    return secret !== undefined && timingSafeEqual(digest(secret), digest(this.secret));
  }

  /**
   * A new transport of this client took the session over (`connect` with `session` and
   * `secret`): the old transport gets `disconnect` 4007 after what it already carries, and is
   * closed; the new one gets `connected` (`resumed: true`), then everything queued, and from
   * now on everything. Subscriptions, acks in flight and presence continue as they were.
   */
  takeOver(transport: Transport, ctx: ConnectContext, held: unknown[]): void {
    const previous = this.transportRef;
    // The old transport's late frames are still this client's; its close is not this session's.
    previous.bind({ onFrame: (frame) => this.onFrame(frame), onDrain() {}, onClose() {} });
    const reason = "replaced by a new transport";
    try {
      previous.send(this.host.codec.encode({ t: "disconnect", code: CloseCode.Replaced, reason, reconnect: true }));
      previous.close(CloseCode.Replaced, reason);
    } catch (err) {
      this.host.logger.warn({ err, session: this.id }, "closing a replaced transport failed");
    }
    this.transportRef = transport;
    transport.bind(this);
    this.host.stats.takeovers++;
    this.lastHeard = Date.now();
    // New credentials may last longer; they never make a bounded session unbounded (as refresh).
    if (ctx.expiresAt !== undefined) this.setExpiry(ctx.expiresAt);
    this.out.pushFirst(this.host.codec.encode(this.connected(ctx, true)));
    this.out.drained();
    for (const value of held) this.handleValue(value);
  }

  /** The `connected` message of this session (`resumed` after a takeover). */
  private connected(ctx: ConnectContext, resumed: boolean): Record<string, unknown> {
    const { options } = this.host;
    const connected: Record<string, unknown> = {
      t: "connected",
      v: PROTOCOL_VERSION,
      session: this.id,
      secret: this.secret,
      ping: options.pingIntervalMs,
      pong: options.pongTimeoutMs,
      limits: this.host.wireLimits,
    };
    if (resumed) connected.resumed = true;
    if (ctx.reply !== undefined) connected.data = ctx.reply;
    // The client renews its credentials ahead of this (see docs/client.md, "Authentication").
    const ttl = this.ttl();
    if (ttl !== undefined) connected.ttl = ttl;
    return connected;
  }

  /** When the credentials expire (ms since epoch), or undefined when they never do. */
  get expiresAt(): number | undefined {
    return this.expiry?.at;
  }

  /** Milliseconds until the credentials expire (0 when past), or undefined when they never do. */
  ttl(): number | undefined {
    return this.expiry?.ttl();
  }

  /** New credentials were accepted (`refresh`): the identity they name and their expiry. */
  renew(user: UserIdentity | undefined, expiresAt: number | undefined): void {
    this.identity = user;
    this.setExpiry(expiresAt);
  }

  /** Arms (or re-arms) the close at credential expiry. */
  private setExpiry(expiresAt: number | undefined): void {
    this.expiry?.stop();
    this.expiry =
      expiresAt === undefined
        ? undefined
        : new CredentialExpiry(expiresAt, () => this.close(CloseCode.TokenExpired, "token expired"));
  }

  // ------------------------------------------------------------------ lifecycle

  /**
   * Closes: tells the client why (`disconnect`), flushes, closes the transport, cleans up; never
   * throws. The reason is cut to `MAX_CLOSE_REASON_BYTES` (a close frame's limit) for both.
   */
  close(code: number, text: string): void {
    if (this.state === CLOSED) return;
    const reason = truncateUtf8(text, MAX_CLOSE_REASON_BYTES);
    try {
      this.send({ t: "disconnect", code, reason, reconnect: closeCodeAllowsReconnect(code) });
      this.out.drained(); // the last words go out even past congestion
    } catch (err) {
      this.host.logger.error({ err, session: this.id }, "last words failed; closing without them");
    }
    const wasOpen = this.state === OPEN;
    this.state = CLOSED;
    try {
      this.transportRef.close(code, reason);
    } catch (err) {
      this.host.logger.error({ err, session: this.id }, "transport close failed");
    }
    this.cleanup(code, reason, wasOpen);
  }

  onClose(code: number, reason: string): void {
    if (this.state === CLOSED) return;
    const wasOpen = this.state === OPEN;
    this.state = CLOSED;
    this.cleanup(code, reason, wasOpen);
  }

  /**
   * A throw while handling this connection (a bug, a hook or listener that threw): logged, and
   * this connection alone closes with 1011. Every entry point into a session (transport
   * callbacks, inbox slices, flushes, heartbeat, timers, promises) ends here, never in the process.
   * (`close` itself never throws.)
   */
  fail(err: unknown): void {
    this.host.logger.error({ err, session: this.id }, "connection handling failed; closing it");
    this.close(CloseCode.InternalError, "internal error");
  }

  private cleanup(code: number, reason: string, wasOpen: boolean): void {
    this.handshake?.end();
    this.expiry?.stop();
    this.out.close();
    try {
      this.host.closed(this, code, reason, wasOpen);
    } catch (err) {
      this.host.logger.error({ err, session: this.id }, "connection cleanup failed");
    }
  }
}

/** A fixed-length form of a secret, for a constant-time comparison whatever its length. */
function digest(secret: string): Buffer {
  return createHash("sha256").update(secret).digest();
}

/** Close codes a close frame may carry (RFC 6455 §7.4: 1000, 1001, and 3000-4999 for apps). */
function isCloseCode(code: number): boolean {
  return Number.isInteger(code) && (code === 1000 || code === 1001 || (code >= 3000 && code <= 4999));
}
