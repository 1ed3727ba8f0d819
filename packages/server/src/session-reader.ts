import {
  CloseCode,
  type ClientMessage,
  type Codec,
  ErrorCode,
  type Frame,
  parseClientMessage,
  Violation,
  type WireError,
} from "@dashwire/protocol";
import { controlParts } from "./control-parts.js";
import type { Handshake } from "./handshake.js";
import { Inbox, type InboxHost, MESSAGES_PER_TURN } from "./inbox.js";
import { MessageRate, RATE_CLOSE, RATE_PASS, RATE_TELL } from "./message-rate.js";
import type { ResolvedServerOptions } from "./options.js";
import type { ServerStats } from "./stats.js";

/** Protocol violations tolerated per heartbeat period before the connection is closed. */
const MAX_VIOLATIONS = 50;

/** A client message past the handshake that the server's services answer. */
export type ServiceMessage = Exclude<ClientMessage, { t: "connect" | "ping" | "pong" }>;

/** What a reader needs from the server. */
export interface ReaderHost {
  readonly options: ResolvedServerOptions;
  readonly stats: ServerStats;
}

/** The session a reader reads for. */
export interface ReadingSession {
  /** True once the session closed: nothing more is read or handled. */
  readonly isClosed: boolean;
  /** The handshake in progress, until `connected`: before it, only `connect` is accepted. */
  readonly pendingHandshake: Handshake | undefined;
  /** A message for the server's services (hub, router, publish, refresh). */
  serve(msg: ServiceMessage): void;
  replyError(id: number | undefined, error: WireError): void;
  /** The codec the session's connection speaks (issue 19). */
  readonly codec: Codec;
  /** Queues an encoded message. */
  push(part: Frame): void;
  close(code: number, reason: string): void;
  fail(err: unknown): void;
  /** Stops (false) or restarts (true) reading from the current transport. */
  setTransportReading(on: boolean): void;
}

/**
 * The reading of one session's frames: decoding, fair slices of big frames (`Inbox`), the
 * handshake gate, ping/pong, the message rate limit and the violation count. What passes goes to
 * the session's services (`ReadingSession.serve`).
 */
export class SessionReader implements InboxHost {
  /** Last time anything arrived from the client (ms). */
  private heardAt = Date.now();
  /** Protocol violations in the current heartbeat period. */
  private violations = 0;
  /** Message rate limit (created on the first message past the handshake). */
  private rate: MessageRate | undefined = undefined;
  /** Messages of big frames waiting for their turn (created on the first such frame). */
  private inbox: Inbox | undefined = undefined;

  constructor(
    private readonly session: ReadingSession,
    private readonly host: ReaderHost,
  ) {}

  /** Last time anything arrived from the client (ms). */
  get lastHeard(): number {
    return this.heardAt;
  }

  /** The client was heard from now (a frame, or a handshake completed on a new transport). */
  heard(): void {
    this.heardAt = Date.now();
  }

  /** One frame from the client; a throw closes this session alone (1011). */
  onFrame(frame: Frame): void {
    // A closed session reads nothing more (a flooder's buffered frames are not decoded).
    if (this.session.isClosed) return;
    try {
      this.receive(frame);
    } catch (err) {
      this.session.fail(err);
    }
  }

  private receive(frame: Frame): void {
    const stats = this.host.stats;
    stats.framesIn++;
    stats.bytesIn += frame.length;
    this.heardAt = Date.now();
    const inbox = this.inbox;
    // Behind a big frame still being handled: wait, undecoded, for its turn.
    if (inbox?.busy) {
      if (!inbox.push(frame)) this.session.close(CloseCode.ProtocolError, "too many messages waiting");
      return;
    }
    const values = this.decodeInbound(frame);
    if (values === undefined) return;
    if (values.length <= MESSAGES_PER_TURN) {
      for (let i = 0; i < values.length; i++) this.handle(values[i]);
      return;
    }
    const { frameBytes, messagesPerFrame } = this.host.options.limits;
    this.inbox ??= new Inbox(this, { pauseBytes: frameBytes, pauseMessages: 4 * messagesPerFrame });
    if (!this.inbox.push(values)) this.session.close(CloseCode.ProtocolError, "too many messages waiting");
  }

  /** @internal Inbox host: decodes a frame; undefined (answered as a violation) when refused. */
  decodeInbound(frame: Frame): unknown[] | undefined {
    let values: unknown[];
    const codec = this.session.codec;
    try {
      values = codec.decode(frame);
    } catch {
      this.violation(undefined, {
        code: ErrorCode.BadFrame,
        message: `frame is not valid ${codec.name.toUpperCase()}`,
      });
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
      this.handle(value);
    } catch (err) {
      this.session.fail(err);
    }
    return !this.session.isClosed;
  }

  /** @internal Inbox host: backpressure on the client while its messages wait. */
  setReading(on: boolean): void {
    if (!this.session.isClosed) this.session.setTransportReading(on);
  }

  /** Handles one decoded message (also the ones held during the handshake). */
  handle(value: unknown): void {
    const session = this.session;
    if (session.isClosed) return;
    const handshake = session.pendingHandshake;
    if (handshake?.started) {
      if (!handshake.hold(value)) session.close(CloseCode.ProtocolError, "too many messages before connected");
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
      session.push(controlParts(session.codec).pong);
      return;
    }
    const { messagesPerSecond, messageBurst } = this.host.options.limits;
    // An `ack` carries the id of a server request (emitWithAck): a refusal must not answer it.
    const id = msg.t === "connect" || msg.t === "ack" ? undefined : msg.id;
    const verdict = (this.rate ??= new MessageRate(messagesPerSecond, messageBurst)).take(id !== undefined);
    if (verdict === RATE_PASS) {
      if (msg.t === "connect")
        session.replyError(undefined, { code: ErrorCode.InvalidField, message: "already connected" });
      else session.serve(msg);
      return;
    }
    this.host.stats.limit("messageRate");
    if (verdict === RATE_CLOSE) session.close(CloseCode.RateLimited, "message rate limit exceeded");
    else if (verdict === RATE_TELL)
      session.replyError(id, {
        code: ErrorCode.RateLimited,
        message: `more than ${messagesPerSecond} messages per second`,
      });
  }

  /** Heartbeat: a new period for the per-period counters. */
  newPeriod(): void {
    this.violations = 0;
    this.rate?.newPeriod();
  }

  private violation(id: number | undefined, error: WireError): void {
    this.session.replyError(id, error);
    if (++this.violations > MAX_VIOLATIONS) this.session.close(CloseCode.ProtocolError, "too many invalid messages");
  }
}
