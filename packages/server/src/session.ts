import {
  CloseCode,
  type Codec,
  type ConnectMessage,
  closeCodeAllowsReconnect,
  type Frame,
  MAX_CLOSE_REASON_BYTES,
  truncateUtf8,
  type WireError,
} from "@dashwire/protocol";
import type { Client, UserIdentity } from "./client.js";
import { ClientActions, type ClientActionsHost } from "./client-actions.js";
import type { ConnectContext, HandshakeInfo } from "./connect-context.js";
import { controlParts } from "./control-parts.js";
import { CredentialExpiry } from "./credential-expiry.js";
import { Handshake, type HandshakeHost, type HandshakeParty } from "./handshake.js";
import type { ResolvedServerOptions } from "./options.js";
import { OutboundQueue, type QueueHost, type QueueOwner } from "./outbound-queue.js";
import { type HandoverHost, SessionHandover } from "./session-handover.js";
import { type ReaderHost, type ReadingSession, type ServiceMessage, SessionReader } from "./session-reader.js";
import { SessionSubscriptions } from "./session-subscriptions.js";
import type { ServerStats } from "./stats.js";
import type { Subscriber, Subscription } from "./subscription.js";
import type { Transport, TransportSink } from "./transport/transport.js";

const HANDSHAKING = 0;
const OPEN = 1;
const CLOSED = 2;

/** What a session needs from its server. */
export interface SessionHost extends HandshakeHost, QueueHost, ReaderHost, HandoverHost, ClientActionsHost {
  readonly options: ResolvedServerOptions;
  readonly stats: ServerStats;
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
 * outbound queue (`OutboundQueue`). The handshake (`Handshake`) runs first; everything else waits
 * for it. The reading of its frames (fair slices, rate limit, violations) is `SessionReader`'s;
 * `connected`, the takeover secret and a replaced transport's retirement are `SessionHandover`'s.
 */
export class Session
  extends ClientActions
  implements Client, TransportSink, ReadingSession, QueueOwner, Subscriber, HandshakeParty
{
  readonly id: string;
  readonly remoteAddress: string;
  private identity: UserIdentity | undefined = undefined;
  /** Presence info shown to others (set by connect middleware). */
  private presenceData: unknown = undefined;
  /** This client's subscriptions by topic (the hub adds and removes them). */
  readonly subs = new SessionSubscriptions();
  /** Handlers in flight that owe an ack. */
  private acksPending = 0;

  private state = HANDSHAKING;
  private transportRef: Transport;
  private readonly out: OutboundQueue;
  private readonly reader: SessionReader;
  private readonly handover: SessionHandover;
  private dataRef: Record<string, unknown> | undefined = undefined;
  /** Until `connected`: the handshake in progress. */
  private handshake: Handshake | undefined;
  /** When the credentials expire (closes the session then). */
  private readonly expiry: CredentialExpiry;

  constructor(
    private readonly host: SessionHost,
    id: string,
    transport: Transport,
    handshake: HandshakeInfo,
    /** The slice of the heartbeat period this session is pinged in (see `Heartbeat`). */
    readonly heartbeatSlot: number,
    /** The codec negotiated at connect (`?codec=`); fixed for the session's life (issue 19). */
    readonly codec: Codec,
  ) {
    super(host);
    this.id = id;
    this.transportRef = transport;
    this.remoteAddress = handshake.remoteAddress;
    this.out = new OutboundQueue(this, host);
    this.reader = new SessionReader(this, host);
    this.handover = new SessionHandover(host, id, codec);
    this.expiry = new CredentialExpiry(() => this.close(CloseCode.TokenExpired, "token expired"));
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

  /** @internal Reading session: true once closed. */
  get isClosed(): boolean {
    return this.state === CLOSED;
  }

  /** Last time anything arrived from the client (ms). */
  get lastSeen(): number {
    return this.reader.lastHeard;
  }

  get stats(): ServerStats {
    return this.host.stats;
  }

  topics(): IterableIterator<string> {
    return this.subs.topics();
  }

  disconnect(code: number = CloseCode.Normal, reason = "closed by server"): void {
    if (!isCloseCode(code)) throw new RangeError(`close code ${code} is not 1000, 1001 or 3000-4999`);
    this.close(code, reason);
  }

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

  /** Bytes queued and not yet handed to the transport. */
  get queuedBytes(): number {
    return this.out.queuedBytes;
  }

  /** False while the transport is congested. */
  get writable(): boolean {
    return this.out.writable;
  }

  /** How long the transport has refused more, ms (0 while writable). */
  get congestedMs(): number {
    return this.out.congestedMs;
  }

  /** Queues an encoded stream publication; false at the queue's byte limit (see `OutboundQueue`). */
  enqueue(part: Frame): boolean {
    return this.out.enqueue(part);
  }

  /** Queues an encoded message regardless of the stream limit (control messages, replays). */
  push(part: Frame): void {
    this.out.push(part);
  }

  /** Queues a `ping` (heartbeat), encoded once per codec. */
  ping(): void {
    this.out.push(controlParts(this.codec).ping);
  }

  /** Encodes and queues one message. */
  send(message: unknown): void {
    this.out.send(message);
  }

  /** Replies to a message that carried an id (see `OutboundQueue.reply`). */
  reply(id: number | undefined, data: unknown): void {
    this.out.reply(id, data);
  }

  /** Replies with a coded error (see `OutboundQueue.replyError`). */
  replyError(id: number | undefined, error: WireError): void {
    this.out.replyError(id, error);
  }

  /** Marks a stream subscription as owing a gap notice. */
  addGap(sub: Subscription): void {
    this.out.addGap(sub);
  }

  reportGap(topic: string, from: number, to: number): void {
    this.host.reportGap(this, topic, from, to);
  }

  /** @internal Queue owner: one frame to the transport. */
  write(frame: Frame): boolean {
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

  onFrame(frame: Frame): void {
    this.reader.onFrame(frame);
  }

  /** @internal Reading session: stops or restarts reading from the transport. */
  setTransportReading(on: boolean): void {
    this.transportRef.setReading?.(on);
  }

  /** @internal Reading session: the handshake in progress, until `connected`. */
  get pendingHandshake(): Handshake | undefined {
    return this.handshake;
  }

  /** @internal Reading session: a message for the server's services. */
  serve(msg: ServiceMessage): void {
    this.host.serve(this, msg);
  }

  /** Heartbeat: a new period for this session's per-period counters. */
  newPeriod(): void {
    this.reader.newPeriod();
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
    this.expiry.set(ctx.expiresAt);
    this.state = OPEN;
    this.reader.heard();
    this.send(this.handover.connected(ctx, false, this.ttl()));
    this.host.opened(this);
    for (const value of held) this.reader.handle(value);
  }

  /** True when `secret` is this session's (compared in constant time). */
  proves(secret: string | undefined): boolean {
    return this.handover.proves(secret);
  }

  /**
   * A new transport of this client took the session over (`connect` with `session` and
   * `secret`): the old transport gets `disconnect` 4007 after what it already carries, and is
   * closed; the new one gets `connected` (`resumed: true`), then everything queued, and from
   * now on everything. Subscriptions, acks in flight and presence continue as they were.
   */
  takeOver(transport: Transport, ctx: ConnectContext, held: unknown[]): void {
    this.handover.retire(this.transportRef, (frame) => this.onFrame(frame));
    this.transportRef = transport;
    transport.bind(this);
    this.host.stats.takeovers++;
    this.reader.heard();
    // New credentials may last longer; they never make a bounded session unbounded (as refresh).
    if (ctx.expiresAt !== undefined) this.expiry.set(ctx.expiresAt);
    this.out.pushFirst(this.codec.encode(this.handover.connected(ctx, true, this.ttl())));
    this.out.drained();
    for (const value of held) this.reader.handle(value);
  }

  /** When the credentials expire (ms since epoch), or undefined when they never do. */
  get expiresAt(): number | undefined {
    return this.expiry.at;
  }

  /** Milliseconds until the credentials expire (0 when past), or undefined when they never do. */
  ttl(): number | undefined {
    return this.expiry.ttl();
  }

  /** New credentials were accepted (`refresh`): the identity they name and their expiry. */
  renew(user: UserIdentity | undefined, expiresAt: number | undefined): void {
    this.identity = user;
    this.expiry.set(expiresAt);
  }

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
    this.expiry.stop();
    this.out.close();
    try {
      this.host.closed(this, code, reason, wasOpen);
    } catch (err) {
      this.host.logger.error({ err, session: this.id }, "connection cleanup failed");
    }
  }
}

/** Close codes a close frame may carry (RFC 6455 §7.4: 1000, 1001, and 3000-4999 for apps). */
function isCloseCode(code: number): boolean {
  return Number.isInteger(code) && (code === 1000 || code === 1001 || (code >= 3000 && code <= 4999));
}
