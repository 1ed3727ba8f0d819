import {
  backoff,
  CloseCode,
  type ConnectedMessage,
  type ConnectMessage,
  closeCodeAllowsReconnect,
  type DisconnectMessage,
  ErrorCode,
  MAX_CLOSE_REASON_BYTES,
  PROTOCOL_VERSION,
  parseServerMessage,
  type ServerMessage,
  truncateUtf8,
} from "@dashwire/protocol";
import type { ClientEvents, ClientState, StateReason } from "./client-events.js";
import { authError, type Credentials } from "./credentials.js";
import type { Emitter } from "./emitter.js";
import { DashwireClientError } from "./errors.js";
import { ABNORMAL_CLOSE } from "./http-fetch.js";
import type { ResolvedClientOptions } from "./options.js";
import { Outbox } from "./outbox.js";
import { type RequestLedger, Retiring } from "./retiring.js";
import { Timer } from "./timer.js";
import type { TransportHandlers, TransportName } from "./transport.js";
import { type Link, openLink } from "./transport-link.js";
import type { TransportPlan } from "./transport-plan.js";
import { Upgrade } from "./upgrade.js";

/** What the connection tells the client about. */
export interface ConnectionHost {
  /** The transport opened and `connect` is queued: queue what should ride in the same frame. */
  opened(): void;
  /** The handshake completed. */
  connected(info: ConnectedMessage): void;
  /** An upgrade replaced the transport (new server session `info`): subscribe everything again. */
  switched(info: ConnectedMessage): void;
  /** Encoded messages the old transport's session gets before it retires (e.g. `unsub`s). */
  farewell(): string[];
  /** A server message that is not connection control (connected, ping, pong, disconnect). */
  message(m: ServerMessage): void;
  /** The transport is gone; `permanent` when no reconnect follows. */
  lost(code: number, reason: string, permanent: boolean): void;
  /** Requests in flight, for retiring a replaced transport. */
  readonly ledger: RequestLedger;
}

/**
 * One logical connection over successive transports: picks a transport (falling back to the
 * next when one looks blocked), does the handshake, watches the server's heartbeat, reconnects
 * with backoff unless the close code is terminal, upgrades to a better transport in the
 * background, and batches outgoing messages into frames. Knows nothing of topics or requests.
 */
export class Connection {
  /** Outgoing messages, batched per microtask (and behind a busy HTTP transport). */
  readonly outbox: Outbox;
  private currentState: ClientState = "connecting";
  private main: Link | undefined = undefined;
  private retiring: Retiring | undefined = undefined;
  private handshake: ConnectedMessage | undefined = undefined;
  private pendingDisconnect: DisconnectMessage | undefined = undefined;
  private lastTransport: TransportName | undefined = undefined;
  private session: string | undefined = undefined;
  private token: string | undefined = undefined;
  private closed = false;
  private attempt = 0;
  // Bumped by every attempt and by close(): an async step of an older attempt stops there.
  private generation = 0;
  private lastSeen = 0;
  private heartbeatMs = 0;
  private readonly pongPart: string;
  private readonly upgrade: Upgrade;
  private readonly reconnectTimer: Timer;
  private readonly handshakeTimer: Timer;
  private readonly heartbeatTimer: Timer;

  constructor(
    private readonly url: string,
    private readonly options: ResolvedClientOptions,
    private readonly events: Emitter<ClientEvents>,
    private readonly host: ConnectionHost,
    /** The token for each attempt; told when the server calls it expired. */
    private readonly credentials: Credentials,
    private readonly plan: TransportPlan,
  ) {
    const { codec, scheduler } = options;
    this.outbox = new Outbox(codec, (frame) => this.main?.transport.send(frame));
    this.pongPart = codec.encode({ t: "pong" });
    this.reconnectTimer = new Timer(() => void this.attemptOpen(), scheduler);
    this.handshakeTimer = new Timer(
      () => this.drop(CloseCode.HandshakeTimeout, "no handshake reply in time"),
      scheduler,
    );
    this.heartbeatTimer = new Timer(() => this.checkHeartbeat(), scheduler);
    this.upgrade = new Upgrade(url, options, plan, {
      connectMessage: (token) => this.connectMessage(token),
      readToken: () => credentials.next(),
      busy: () => this.outbox.waiting,
      ready: (link, info, rest) => this.switchTo(link, info, rest),
    });
  }

  /** Current state. */
  get state(): ClientState {
    return this.currentState;
  }

  /** True between the handshake reply and the loss of the transport. */
  get ready(): boolean {
    return this.handshake !== undefined;
  }

  /** The handshake reply of the current transport. */
  get info(): ConnectedMessage | undefined {
    return this.handshake;
  }

  /** Name of the transport in use while connected. */
  get transportName(): TransportName | undefined {
    return this.handshake === undefined ? undefined : this.main?.transport.name;
  }

  /**
   * Starts the first attempt. A `state` handler added right after `connect()` hears
   * "connecting" first (the state it was created in), then every change.
   */
  start(): void {
    if (!this.closed) this.events.emit("state", "connecting", { code: CloseCode.Normal, reason: "connecting" });
    void this.attemptOpen();
  }

  /** Stops for good with `code` (client close or terminal close code). */
  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.generation++;
    this.reconnectTimer.stop();
    if (this.main !== undefined) {
      this.main.transport.close(CloseCode.Normal, "");
      this.lost(code, reason);
    }
    this.upgrade.stop();
    this.endRetiring();
    this.host.lost(code, reason, true);
    this.setState("disconnected", { code, reason });
  }

  private async attemptOpen(): Promise<void> {
    if (this.closed) return;
    const generation = ++this.generation;
    let token: string | undefined;
    try {
      token = await this.credentials.next();
    } catch (error) {
      if (generation !== this.generation) return;
      if (error instanceof DashwireClientError && error.code === ErrorCode.TokenExpired) {
        this.authFailed(CloseCode.TokenExpired, error.message);
        return;
      }
      this.events.emit(
        "error",
        new DashwireClientError(ErrorCode.Unauthorized, `token provider failed: ${String(error)}`),
      );
      this.lost(ABNORMAL_CLOSE, "token provider failed");
      return;
    }
    if (generation !== this.generation) return;
    this.token = token;
    this.openMain(this.plan.begin());
  }

  /** Opens `name` as the connection's transport (first of a cycle, or a fallback). */
  private openMain(name: TransportName): void {
    this.main = undefined;
    try {
      const link = openLink(name, this.options, this.mainHandlers);
      this.main = link;
      const { ackTimeoutMs, transportTimeoutMs } = this.options;
      this.handshakeTimer.start(this.plan.hasNext ? Math.min(ackTimeoutMs, transportTimeoutMs) : ackTimeoutMs);
      link.transport.open(this.url, link.handlers);
    } catch (error) {
      // No implementation on this platform, or a URL it refuses: try the next transport.
      this.events.emit("error", new DashwireClientError(ErrorCode.InvalidField, `transport failed: ${String(error)}`));
      this.main?.transport.close(CloseCode.Normal, "");
      this.lost(ABNORMAL_CLOSE, `${name} transport could not open`, true);
    }
  }

  // One set of callbacks per transport (not per frame); a replaced transport's are ignored.
  private readonly mainHandlers = (link: Link): TransportHandlers => ({
    onOpen: () => {
      if (link === this.main) this.opened();
    },
    onFrame: (frame) => {
      if (link === this.main) this.receive(frame);
      else if (link === this.retiring?.link) this.retiring.frame(frame);
    },
    onDrain: () => {
      if (link === this.main) this.drained();
    },
    onClose: (code, reason) => {
      if (link === this.main) this.lost(code, reason);
      else if (link === this.retiring?.link) this.endRetiring();
    },
  });

  /** The `connect` message for a new transport. */
  private connectMessage(token: string | undefined): ConnectMessage {
    const m: ConnectMessage = { t: "connect", v: PROTOCOL_VERSION };
    if (token !== undefined) m.token = token;
    if (this.options.data !== undefined) m.data = this.options.data;
    // Offer the earlier session for takeover: the server may keep its subscriptions.
    if (this.session !== undefined) m.session = this.session;
    return m;
  }

  private opened(): void {
    this.lastSeen = this.options.scheduler.now();
    if (!this.outbox.push(this.options.codec.encode(this.connectMessage(this.token)))) {
      this.close(CloseCode.MessageTooBig, "connect message larger than the frame limit");
      return;
    }
    this.host.opened();
    this.outbox.flush();
  }

  private receive(frame: string): void {
    this.lastSeen = this.options.scheduler.now();
    let values: unknown[];
    try {
      values = this.options.codec.decode(frame);
    } catch {
      this.events.emit("error", new DashwireClientError(ErrorCode.BadFrame, "server frame could not be decoded"));
      return;
    }
    try {
      this.dispatch(values);
    } catch (error) {
      // A message the client could not handle (listener errors are re-thrown in a microtask,
      // never here): like the server, end this connection, not the app, and reconnect.
      this.events.emit(
        "error",
        new DashwireClientError(ErrorCode.Internal, `handling a server frame failed: ${String(error)}`),
      );
      this.drop(CloseCode.InternalError, "handling a server frame failed");
    }
  }

  private dispatch(values: unknown[]): void {
    const main = this.main;
    for (let i = 0; i < values.length && this.main === main; i++) {
      const m = parseServerMessage(values[i]);
      if (m === undefined) {
        this.events.emit("error", new DashwireClientError(ErrorCode.UnknownType, "server message of unknown type"));
        continue;
      }
      switch (m.t) {
        case "ping":
          this.outbox.push(this.pongPart);
          break;
        case "pong":
          break;
        case "connected":
          this.connected(m);
          break;
        case "disconnect":
          this.pendingDisconnect = disconnectOf(m);
          this.drop(this.pendingDisconnect.code, this.pendingDisconnect.reason);
          break;
        default:
          this.host.message(m);
      }
    }
    // Replies to requests sent before an upgrade may come on the new transport too.
    if (this.retiring?.settled) this.endRetiring();
  }

  private connected(m: ConnectedMessage): void {
    if (this.main === undefined || this.handshake !== undefined) return;
    this.handshakeTimer.stop();
    this.attempt = 0;
    this.adopt(m);
    this.setState("connected", { code: CloseCode.Normal, reason: "connected" });
    this.events.emit("connected", m);
    this.announceTransport();
    this.host.connected(m);
    this.upgrade.schedule(this.main.transport.name, true);
  }

  /** Takes `m` as the handshake of the current transport. */
  private adopt(m: ConnectedMessage): void {
    this.handshake = m;
    this.session = typeof m.session === "string" ? m.session : undefined;
    this.plan.succeeded((this.main as Link).transport.name);
    this.lastSeen = this.options.scheduler.now();
    const maxFrameBytes = m.limits?.maxFrameBytes;
    if (typeof maxFrameBytes === "number" && maxFrameBytes > 0) this.outbox.maxFrameBytes = maxFrameBytes;
    // The server closes a peer silent for ping + pong ms; the client holds the server to the same.
    this.heartbeatMs = m.ping > 0 && m.pong > 0 ? m.ping + m.pong : 0;
    if (this.heartbeatMs > 0) this.heartbeatTimer.start(this.heartbeatMs);
    else this.heartbeatTimer.stop();
  }

  private announceTransport(): void {
    const name = (this.main as Link).transport.name;
    const previous = this.lastTransport;
    if (name === previous) return;
    this.lastTransport = name;
    this.events.emit("transport", name, previous);
  }

  private drained(): void {
    if (this.upgrade.waiting !== undefined && this.upgrade.release()) return;
    this.outbox.drain();
  }

  /**
   * An upgrade finished its handshake (on a drained transport: requests already handed to the
   * old one reach the server before newer ones). Subscriptions start again on the new session
   * from the last position delivered; the server replays from history and the subscriptions drop
   * what they already have, so nothing is lost or repeated.
   */
  private switchTo(link: Link, info: ConnectedMessage, rest: unknown[]): boolean {
    const old = this.main;
    if (old === undefined || this.handshake === undefined || this.closed) return false;
    // The old session's subscriptions end now (a polling session would otherwise linger until
    // its poll timeout); replies to requests sent over it may still arrive while it retires.
    const farewell = this.host.farewell();
    for (let i = 0; i < farewell.length; i += 100)
      old.transport.send(this.options.codec.frame(farewell.slice(i, i + 100)));
    this.endRetiring();
    const retiring = new Retiring(
      old,
      this.host.ledger.mark(),
      this.host.ledger,
      this.options.codec,
      (m) => this.host.message(m),
      this.options.scheduler,
      this.options.ackTimeoutMs,
    );
    if (retiring.settled) retiring.end();
    else this.retiring = retiring;
    link.rebind(this.mainHandlers(link));
    this.main = link;
    this.adopt(info);
    this.announceTransport();
    this.host.switched(info);
    this.outbox.drain();
    this.dispatch(rest);
    this.upgrade.schedule(link.transport.name, true);
    return true;
  }

  private endRetiring(): void {
    const r = this.retiring;
    this.retiring = undefined;
    r?.end();
  }

  private checkHeartbeat(): void {
    // One timer per heartbeat window, not one per frame: frames only stamp `lastSeen`.
    const idle = this.options.scheduler.now() - this.lastSeen;
    if (idle < this.heartbeatMs) this.heartbeatTimer.start(this.heartbeatMs - idle);
    else this.drop(CloseCode.HeartbeatTimeout, `nothing from the server for ${idle} ms`);
  }

  /** Closes the transport ourselves and handles it like a close with `code`. */
  private drop(code: number, reason: string): void {
    const main = this.main;
    if (main === undefined) return;
    main.transport.close(CloseCode.Normal, "");
    this.lost(code, reason);
  }

  /** The transport ended; `blocked` when it could not even be created. */
  private lost(closeCode: number, closeReason: string, blocked = false): void {
    const link = this.main;
    const wasConnected = this.handshake !== undefined;
    const d = this.pendingDisconnect;
    this.pendingDisconnect = undefined;
    const code = d?.code ?? closeCode;
    const reason = d?.reason ?? closeReason;
    this.main = undefined;
    this.handshake = undefined;
    this.outbox.clear();
    this.handshakeTimer.stop();
    this.heartbeatTimer.stop();
    // An upgrade or a retiring transport belonged to the session that just ended.
    this.upgrade.stop();
    this.endRetiring();
    if (this.closed) return;
    if (code === CloseCode.TokenExpired) {
      // Never offered again: a new token from getToken, or stop.
      if (!this.credentials.expire()) {
        this.authFailed(code, "token expired and there is no getToken to renew it");
        return;
      }
      this.events.emit("error", authError(code, `token expired (${reason}); reconnecting with one from getToken`));
    }
    const allowed = closeCodeAllowsReconnect(code) && (d === undefined || d.reconnect);
    if (!allowed) {
      if (code === CloseCode.Unauthorized) this.authFailed(code, reason);
      else this.close(code, reason);
      return;
    }
    this.host.lost(code, reason, false);
    // A transport that never carried one server message is taken for blocked: try the next now.
    const next = blocked || (!wasConnected && link !== undefined && !link.heard) ? this.plan.next() : undefined;
    if (next !== undefined) {
      this.openMain(next);
      return;
    }
    if (this.options.reconnect === false) {
      this.close(code, reason);
      return;
    }
    this.setState("connecting", { code, reason });
    this.reconnectTimer.start(backoff(this.attempt++, this.options.reconnect));
  }

  /**
   * Credentials the server refused for good (4500), or an expired token nothing can replace:
   * an `error` event, then the terminal state "disconnected" with the close code.
   */
  private authFailed(code: number, reason: string): void {
    this.events.emit("error", authError(code, reason));
    this.close(code, reason);
  }

  /** The one place the connection state changes. */
  private setState(state: ClientState, reason: StateReason): void {
    if (state === this.currentState) return;
    this.currentState = state;
    this.events.emit("state", state, reason);
  }
}

/** A server's `disconnect` with its fields checked: a number code, a reason of at most 123 bytes. */
function disconnectOf(m: DisconnectMessage): DisconnectMessage {
  const code = typeof m.code === "number" ? m.code : CloseCode.ProtocolError;
  const reason = typeof m.reason === "string" ? truncateUtf8(m.reason, MAX_CLOSE_REASON_BYTES) : "";
  return { t: "disconnect", code, reason, reconnect: m.reconnect === true };
}
