import {
  CloseCode,
  type ClientMessage,
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
import type { ServerCore } from "./core.js";
import { ConnectContext, type HandshakeInfo } from "./connect-context.js";
import { DashwireError, toWireError } from "./errors.js";
import { Inbox, type InboxHost, MESSAGES_PER_TURN } from "./inbox.js";
import { MessageRate, RATE_CLOSE, RATE_PASS, RATE_TELL } from "./message-rate.js";
import type { Subscription } from "./subscription.js";
import type { Transport, TransportSink } from "./transport/transport.js";

const HANDSHAKING = 0;
const OPEN = 1;
const CLOSED = 2;

/** Messages held while connect middleware runs (pipelined after `connect`). */
const MAX_HELD_MESSAGES = 64;
/** Protocol violations tolerated per heartbeat period before the connection is closed. */
const MAX_VIOLATIONS = 50;

/**
 * One logical client, independent of its transport. Owns the client's subscriptions and one
 * outbound queue with a byte limit; everything queued within an event-loop turn is written as
 * one frame.
 */
export class Session implements Client, TransportSink, InboxHost {
  readonly id: string;
  readonly remoteAddress: string;
  user: UserIdentity | undefined = undefined;
  /** Presence info shown to others (set by connect middleware). */
  presenceInfo: unknown = undefined;
  /** Subscriptions by topic (created on first subscribe). */
  subs: Map<string, Subscription> | undefined = undefined;
  /** Stream subscriptions that dropped publications and owe the client a `gap` notice. */
  gapped: Subscription[] | undefined = undefined;
  /** Last time anything arrived from the client (ms). */
  lastSeen: number;
  /** Handlers in flight that owe an ack. */
  pendingAcks = 0;
  /** Bytes queued and not yet handed to the transport. */
  queuedBytes = 0;
  /** The part of `queuedBytes` that is stream publications (what `limits.queueBytes` bounds). */
  private streamBytes = 0;
  /** False while the transport is congested. */
  writable = true;
  /** Protocol violations in the current heartbeat period. */
  private violations = 0;
  /** The slice of the heartbeat period this session is pinged in (see `Heartbeat`). */
  heartbeatSlot = 0;

  private state = HANDSHAKING;
  private transportRef: Transport;
  private readonly parts: string[] = [];
  private dirty = false;
  private dataRef: Record<string, unknown> | undefined = undefined;
  private handshake: HandshakeInfo | undefined;
  private held: unknown[] | undefined = undefined;
  private handshakeTimer: NodeJS.Timeout | undefined;
  /** Message rate limit (created on the first message past the handshake). */
  private rate: MessageRate | undefined = undefined;
  private expiryTimer: NodeJS.Timeout | undefined = undefined;
  /** When the credentials expire (ms since epoch); undefined: never. */
  private expiry: number | undefined = undefined;
  /** Messages of big frames waiting for their turn (created on the first such frame). */
  private inbox: Inbox | undefined = undefined;

  constructor(
    /** The server this session belongs to. */
    readonly core: ServerCore,
    transport: Transport,
    handshake: HandshakeInfo,
  ) {
    this.id = core.newSessionId();
    this.transportRef = transport;
    this.handshake = handshake;
    this.remoteAddress = handshake.remoteAddress;
    this.lastSeen = Date.now();
    this.handshakeTimer = setTimeout(handshakeTimedOut, core.options.handshakeTimeoutMs, this);
    this.handshakeTimer.unref();
    transport.bind(this);
  }

  get transport(): string {
    return this.transportRef.name;
  }

  get data(): Record<string, unknown> {
    this.dataRef ??= {};
    return this.dataRef;
  }

  get isOpen(): boolean {
    return this.state === OPEN;
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

  // ------------------------------------------------------------------ outbound

  /**
   * Queues an encoded stream publication. Returns false, queueing nothing, when the queue is at
   * its byte limit: the caller then records a gap (decision 3). A publication larger than the
   * whole limit is taken when no other stream publication is queued, and goes out alone:
   * refused, it would come back as gap, resume, gap… for ever (issue 12 item 3).
   */
  enqueue(part: string): boolean {
    if (this.queuedBytes + part.length > this.core.options.limits.queueBytes && this.streamBytes > 0) return false;
    this.push(part);
    this.streamBytes += part.length;
    return true;
  }

  /** Queues an encoded message regardless of the stream limit (control messages, replays). */
  push(part: string): void {
    if (this.state === CLOSED) return;
    if (this.queuedBytes - this.streamBytes > this.core.options.limits.queueBytes * 2) {
      // Hard cap: control replies pile up only for a client that reads nothing while it keeps
      // sending. It is closed rather than allowed to grow. (Stream publications do not count:
      // they have their own limit, and one oversize publication may exceed it alone.)
      this.core.stats.limit("queueHardCap");
      this.state = CLOSED;
      this.transportRef.close(CloseCode.SlowConsumer, "outbound queue full");
      this.cleanup(CloseCode.SlowConsumer, "outbound queue full", true);
      return;
    }
    this.parts.push(part);
    this.queuedBytes += part.length;
    this.core.stats.messagesOut++;
    if (!this.dirty) {
      this.dirty = true;
      this.core.flusher.schedule(this);
    }
  }

  /** Encodes and queues one message. */
  send(message: unknown): void {
    this.push(this.core.codec.encode(message));
  }

  /**
   * Replies to a message that carried an id. Reply data comes from application code: when it
   * cannot be encoded (a BigInt, a cycle), the client gets `Internal` instead and the log says why.
   */
  reply(id: number | undefined, data: unknown): void {
    if (id === undefined) return;
    let part: string;
    try {
      part = this.core.codec.encode(data === undefined ? { t: "ack", id } : { t: "ack", id, data });
    } catch (err) {
      this.core.logger.error({ err, session: this.id }, "reply could not be encoded");
      this.replyError(id, { code: ErrorCode.Internal, message: "internal error" });
      return;
    }
    this.push(part);
  }

  /**
   * Replies with a coded error: an `ack` when the message had an id, an `err` otherwise. The
   * message is cut to `MAX_ERROR_MESSAGE_BYTES` (it may quote client input or app text).
   */
  replyError(id: number | undefined, error: WireError): void {
    this.core.stats.error(error.code);
    const message = truncateUtf8(error.message, MAX_ERROR_MESSAGE_BYTES);
    if (id === undefined) this.send({ t: "err", code: error.code, message });
    else if (message === error.message) this.send({ t: "ack", id, error });
    else this.send({ t: "ack", id, error: { ...error, message } });
  }

  /** Marks a stream subscription as owing a gap notice. */
  addGap(sub: Subscription): void {
    (this.gapped ??= []).push(sub);
    if (!this.dirty) {
      this.dirty = true;
      this.core.flusher.schedule(this);
    }
  }

  /**
   * Writes everything queued as one frame (called by the flusher once per turn). Owed `gap`
   * notices are queued once everything before them is written and the transport still takes
   * more (else at its drain): they go out in the next turn's frame, and the client's resume
   * finds an empty queue.
   */
  flush(): void {
    this.dirty = false;
    if (!this.writable) return;
    const parts = this.parts;
    if (parts.length > 0) {
      const frame = this.core.flusher.frame(parts);
      parts.length = 0;
      this.queuedBytes = 0;
      this.streamBytes = 0;
      const stats = this.core.stats;
      stats.framesOut++;
      stats.bytesOut += frame.length;
      this.writable = this.transportRef.send(frame);
    }
    // Checked after the write, not before: a gap held back "until the queue drains" waited for
    // a flush nothing scheduled when that write left the transport writable, and the
    // subscription stayed silent for good (issue 12 item 2).
    if (this.gapped !== undefined && this.writable && this.state !== CLOSED) this.sendGaps();
  }

  onDrain(): void {
    try {
      this.writable = true;
      this.flush();
    } catch (err) {
      this.fail(err);
    }
  }

  private sendGaps(): void {
    const subs = this.gapped as Subscription[];
    this.gapped = undefined;
    for (const sub of subs) sub.sendGap();
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
    const stats = this.core.stats;
    stats.framesIn++;
    stats.bytesIn += frame.length;
    this.lastSeen = Date.now();
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
    const { frameBytes, messagesPerFrame } = this.core.options.limits;
    this.inbox ??= new Inbox(this, { pauseBytes: frameBytes, pauseMessages: 4 * messagesPerFrame });
    if (!this.inbox.push(values)) this.close(CloseCode.ProtocolError, "too many messages waiting");
  }

  /** @internal Decodes a frame; undefined (answered as a violation) when it is refused. */
  decodeInbound(frame: string): unknown[] | undefined {
    let values: unknown[];
    try {
      values = this.core.codec.decode(frame);
    } catch {
      this.violation(undefined, { code: ErrorCode.BadFrame, message: "frame is not valid JSON" });
      return undefined;
    }
    const max = this.core.options.limits.messagesPerFrame;
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
    if (this.state === HANDSHAKING) {
      if (this.held !== undefined) {
        if (this.held.length >= MAX_HELD_MESSAGES)
          this.close(CloseCode.ProtocolError, "too many messages before connected");
        else this.held.push(value);
        return;
      }
    }
    const msg = parseClientMessage(value, this.core.options.limits.topicLength);
    if (msg instanceof Violation) {
      this.violation(msg.id, { code: msg.code, message: msg.message });
      return;
    }
    this.core.stats.messagesIn++;
    if (this.state === HANDSHAKING) {
      if (msg.t !== "connect") {
        this.violation((msg as { id?: number }).id, { code: ErrorCode.NotConnected, message: "send connect first" });
        return;
      }
      this.startHandshake(msg);
      return;
    }
    if (msg.t === "pong") return;
    if (msg.t === "ping") {
      this.push('{"t":"pong"}');
      return;
    }
    const { messagesPerSecond, messageBurst } = this.core.options.limits;
    const id = msg.t === "connect" ? undefined : msg.id;
    const verdict = (this.rate ??= new MessageRate(messagesPerSecond, messageBurst)).take(id !== undefined);
    if (verdict === RATE_PASS) {
      this.dispatch(msg);
      return;
    }
    this.core.stats.limit("messageRate");
    if (verdict === RATE_CLOSE) this.close(CloseCode.RateLimited, "message rate limit exceeded");
    else if (verdict === RATE_TELL)
      this.replyError(id, {
        code: ErrorCode.RateLimited,
        message: `more than ${messagesPerSecond} messages per second`,
      });
  }

  private dispatch(msg: ClientMessage): void {
    const core = this.core;
    switch (msg.t) {
      case "pub":
        core.publishFromClient(this, msg);
        return;
      case "evt":
        core.router.dispatch(this, msg);
        return;
      case "sub":
        core.hub.subscribe(this, msg).catch((err: unknown) => this.fail(err));
        return;
      case "unsub":
        core.hub.unsubscribe(this, msg.topic, msg.id);
        return;
      case "presence":
        core.hub.presence(this, msg).catch((err: unknown) => this.fail(err));
        return;
      case "refresh":
        core.refresh(this, msg);
        return;
      case "connect":
        this.replyError(undefined, { code: ErrorCode.InvalidField, message: "already connected" });
        return;
    }
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

  private startHandshake(msg: ConnectMessage): void {
    if (msg.v !== PROTOCOL_VERSION) {
      this.close(
        CloseCode.UnsupportedVersion,
        `protocol version ${msg.v} not supported (server speaks ${PROTOCOL_VERSION})`,
      );
      return;
    }
    this.held = [];
    const info = this.handshake as HandshakeInfo;
    const ctx = new ConnectContext(this, info, msg);
    this.core
      .runConnectMiddleware(ctx)
      .then(
        () => this.finishHandshake(ctx),
        (err: unknown) => this.rejectHandshake(err),
      )
      .catch((err: unknown) => this.fail(err));
  }

  private finishHandshake(ctx: ConnectContext): void {
    if (this.state !== HANDSHAKING) return;
    clearTimeout(this.handshakeTimer);
    this.handshakeTimer = undefined;
    this.handshake = undefined;
    this.user = ctx.user;
    this.presenceInfo = ctx.presence;
    this.setExpiry(ctx.expiresAt);
    this.state = OPEN;
    this.lastSeen = Date.now();
    const { options } = this.core;
    const connected: Record<string, unknown> = {
      t: "connected",
      v: PROTOCOL_VERSION,
      session: this.id,
      ping: options.pingIntervalMs,
      pong: options.pongTimeoutMs,
      limits: this.core.wireLimits,
    };
    if (ctx.reply !== undefined) connected.data = ctx.reply;
    // The client renews its credentials ahead of this (see docs/client.md, "Authentication").
    const ttl = this.ttl();
    if (ttl !== undefined) connected.ttl = ttl;
    this.send(connected);
    this.core.sessionOpened(this);
    const held = this.held as unknown[];
    this.held = undefined;
    for (const value of held) this.handleValue(value);
  }

  private rejectHandshake(err: unknown): void {
    if (this.state !== HANDSHAKING) return;
    const wire = toWireError(err);
    if (!(err instanceof DashwireError)) this.core.logger.error({ err }, "connect middleware failed");
    const code =
      wire.code === ErrorCode.Unauthorized
        ? CloseCode.Unauthorized
        : wire.code === ErrorCode.TokenExpired
          ? CloseCode.TokenExpired
          : wire.code === ErrorCode.Internal
            ? CloseCode.ServerBusy
            : CloseCode.Rejected;
    this.close(code, wire.message);
  }

  /** When the credentials expire (ms since epoch), or undefined when they never do. */
  get expiresAt(): number | undefined {
    return this.expiry;
  }

  /** Milliseconds until the credentials expire (0 when past), or undefined when they never do. */
  ttl(): number | undefined {
    return this.expiry === undefined ? undefined : Math.max(0, this.expiry - Date.now());
  }

  /** Arms (or re-arms, after `refresh`) the close at credential expiry. */
  setExpiry(expiresAt: number | undefined): void {
    clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
    this.expiry = expiresAt;
    if (expiresAt === undefined) return;
    // setTimeout takes at most 2^31-1 ms; longer expiries are re-armed when that fires.
    const wait = Math.min(Math.max(0, expiresAt - Date.now()), 2 ** 31 - 1);
    this.expiryTimer = setTimeout(() => {
      if (Date.now() >= expiresAt) this.close(CloseCode.TokenExpired, "token expired");
      else this.setExpiry(expiresAt);
    }, wait);
    this.expiryTimer.unref();
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
      this.writable = true; // the last words go out even past congestion
      this.flush();
    } catch (err) {
      this.core.logger.error({ err, session: this.id }, "last words failed; closing without them");
    }
    const wasOpen = this.state === OPEN;
    this.state = CLOSED;
    try {
      this.transportRef.close(code, reason);
    } catch (err) {
      this.core.logger.error({ err, session: this.id }, "transport close failed");
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
    this.core.logger.error({ err, session: this.id }, "connection handling failed; closing it");
    this.close(CloseCode.InternalError, "internal error");
  }

  private cleanup(code: number, reason: string, wasOpen: boolean): void {
    clearTimeout(this.handshakeTimer);
    clearTimeout(this.expiryTimer);
    this.parts.length = 0;
    this.queuedBytes = 0;
    this.streamBytes = 0;
    this.gapped = undefined;
    try {
      this.core.hub.removeSession(this);
      this.core.sessionClosed(this, code, reason, wasOpen);
    } catch (err) {
      this.core.logger.error({ err, session: this.id }, "connection cleanup failed");
    }
  }
}

/** Shared timer callback (no closure per session). */
function handshakeTimedOut(session: Session): void {
  session.close(CloseCode.HandshakeTimeout, "no connect message in time");
}

/** Close codes a close frame may carry (RFC 6455 §7.4: 1000, 1001, and 3000-4999 for apps). */
function isCloseCode(code: number): boolean {
  return Number.isInteger(code) && (code === 1000 || code === 1001 || (code >= 3000 && code <= 4999));
}
