import {
  backoff,
  CloseCode,
  closeCodeAllowsReconnect,
  type ConnectedMessage,
  type DisconnectMessage,
  ErrorCode,
  type Frame,
  MAX_CLOSE_REASON_BYTES,
  parseServerMessage,
  type ServerMessage,
  truncateUtf8,
} from "@dashwire/protocol";
import type { ClientEvents, ClientState, StateReason } from "./client-events.js";
import { ConnectOffer } from "./connect-offer.js";
import { authError, type Credentials } from "./credentials.js";
import type { Emitter } from "./emitter.js";
import { DashwireClientError } from "./errors.js";
import { HeartbeatWatch } from "./heartbeat-watch.js";
import { ABNORMAL_CLOSE } from "./http-fetch.js";
import type { ResolvedClientOptions } from "./options.js";
import { Outbox } from "./outbox.js";
import { Timer } from "./timer.js";
import type { ClientTransport, TransportHandlers, TransportName } from "./transport.js";
import type { TransportPlan } from "./transport-plan.js";
import { transportFactories } from "./transport-registry.js";
import { Upgrade } from "./upgrade.js";

/** What the connection tells the client about. */
export interface ConnectionHost {
  /** The transport opened and `connect` is queued: queue what should ride in the same frame. */
  opened(): void;
  /** The handshake completed (not after an upgrade: the session goes on as it was). */
  connected(info: ConnectedMessage): void;
  /** A server message that is not connection control (connected, ping, pong, disconnect). */
  message(m: ServerMessage): void;
  /** The transport is gone; `permanent` when no reconnect follows. */
  lost(code: number, reason: string, permanent: boolean): void;
}

/**
 * One logical connection over successive transports: picks a transport (falling back to the
 * next when one looks blocked), does the handshake, watches the server's heartbeat, reconnects
 * with backoff unless the close code is terminal, and batches outgoing messages into frames.
 * Over a fallback it upgrades to the preferred transport by taking its own session over
 * (docs/protocol.md): the session's subscriptions, queue and requests in flight move to the new
 * transport as they are. Knows nothing of topics or requests.
 */
export class Connection {
  /** Outgoing messages, batched per microtask (and behind a busy HTTP transport). */
  readonly outbox: Outbox;
  private currentState: ClientState = "connecting";
  private main: ClientTransport | undefined = undefined;
  /** True once `main` carried a server message: whatever happens later, it is not blocked. */
  private heard = false;
  private handshake: ConnectedMessage | undefined = undefined;
  private pendingDisconnect: DisconnectMessage | undefined = undefined;
  private lastTransport: TransportName | undefined = undefined;
  private readonly offer: ConnectOffer;
  private closed = false;
  private attempt = 0;
  // Bumped by every attempt and by close(): an async step of an older attempt stops there.
  private generation = 0;
  private readonly pongPart: Frame;
  private readonly reconnectTimer: Timer;
  private readonly handshakeTimer: Timer;
  private readonly heartbeat: HeartbeatWatch;
  private readonly upgrade: Upgrade;

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
    this.offer = new ConnectOffer(options.data);
    this.outbox = new Outbox(codec, (frame) => this.write(frame));
    this.pongPart = codec.encode({ t: "pong" });
    this.reconnectTimer = new Timer(() => void this.attemptOpen(), scheduler);
    this.handshakeTimer = new Timer(
      () => this.drop(CloseCode.HandshakeTimeout, "no handshake reply in time"),
      scheduler,
    );
    this.heartbeat = new HeartbeatWatch(scheduler, (idle) =>
      this.drop(CloseCode.HeartbeatTimeout, `nothing from the server for ${idle} ms`),
    );
    const connection = this;
    this.upgrade = new Upgrade(url, options, plan, {
      get current() {
        return connection.handshake === undefined ? undefined : connection.main;
      },
      get busy() {
        return connection.outbox.waiting;
      },
      connectMessage: (token) => this.offer.message(token),
      nextToken: () => credentials.next(),
      listen: (transport) => this.listen(transport),
      decode: (frame) => this.decode(frame),
      switched: (transport, info) => {
        this.main = transport;
        this.heard = true;
        this.adopt(info);
        this.announceTransport();
      },
      handle: (values) => this.handle(values),
      message: (m) => host.message(m),
      lost: (code, reason) => this.lost(code, reason),
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
    return this.handshake === undefined ? undefined : this.main?.name;
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
    this.drop(code, reason);
    this.upgrade.stop();
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
    this.offer.token = token;
    this.openMain(this.plan.begin());
  }

  /** Opens `name` as the connection's transport (first of a cycle, or a fallback). */
  private openMain(name: TransportName): void {
    this.main = undefined;
    try {
      const transport = transportFactories[name](this.options);
      this.main = transport;
      this.heard = false;
      const { ackTimeoutMs, transportTimeoutMs } = this.options;
      this.handshakeTimer.start(this.plan.hasNext ? Math.min(ackTimeoutMs, transportTimeoutMs) : ackTimeoutMs);
      transport.open(this.url, this.listen(transport));
    } catch (error) {
      // No implementation on this platform, or a URL it refuses: try the next transport.
      this.events.emit("error", new DashwireClientError(ErrorCode.InvalidField, `transport failed: ${String(error)}`));
      this.main?.close(CloseCode.Normal, "");
      this.lost(ABNORMAL_CLOSE, `${name} transport could not open`, true);
    }
  }

  /** One set of callbacks per transport (not per frame), routed by the role it has now. */
  private listen(t: ClientTransport): TransportHandlers {
    return {
      onOpen: () => (t === this.main ? this.opened() : this.upgrade.onOpen(t)),
      onFrame: (frame) => (t === this.main ? this.receive(frame) : this.upgrade.onFrame(t, frame)),
      onDrain: () => {
        if (t === this.main) this.drained();
      },
      onClose: (code, reason) => {
        if (t !== this.main) this.upgrade.onClose(t);
        // While a takeover is in flight the server closes the old transport (4007): wait for the new one.
        else if (this.upgrade.switchingNow) this.upgrade.currentGone(code, reason);
        else this.lost(code, reason);
      },
    };
  }

  private opened(): void {
    this.heartbeat.heard();
    if (!this.outbox.push(this.options.codec.encode(this.offer.message()))) {
      this.close(CloseCode.MessageTooBig, "connect message larger than the frame limit");
      return;
    }
    this.host.opened();
    this.outbox.flush();
  }

  /** Writes one frame of the outbox: to the transport in use, or held while a takeover is in flight. */
  private write(frame: Frame): boolean | undefined {
    return this.upgrade.hold(frame) || this.main?.send(frame);
  }

  private decode(frame: Frame): unknown[] | undefined {
    try {
      return this.options.codec.decode(frame);
    } catch {
      this.events.emit("error", new DashwireClientError(ErrorCode.BadFrame, "server frame could not be decoded"));
      return undefined;
    }
  }

  private receive(frame: Frame): void {
    this.heard = true;
    this.heartbeat.heard();
    const values = this.decode(frame);
    if (values === undefined) return;
    // The session's last frames on the transport it left come first.
    if (!this.upgrade.holdAfterRetired(values)) this.handle(values);
  }

  private handle(values: unknown[]): void {
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
          // Replaced: the session moved to the transport that is taking it over.
          if (this.upgrade.switchingNow && m.code === CloseCode.Replaced) {
            this.upgrade.currentGone(m.code, String(m.reason));
            return;
          }
          this.pendingDisconnect = disconnectOf(m);
          this.drop(this.pendingDisconnect.code, this.pendingDisconnect.reason);
          break;
        default:
          this.host.message(m);
      }
    }
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
    this.upgrade.schedule(true);
  }

  /** Takes `m` as the handshake of the current transport. */
  private adopt(m: ConnectedMessage): void {
    this.handshake = m;
    this.offer.adopt(m);
    this.plan.succeeded((this.main as ClientTransport).name);
    const maxFrameBytes = m.limits?.maxFrameBytes;
    if (typeof maxFrameBytes === "number" && maxFrameBytes > 0) this.outbox.maxFrameBytes = maxFrameBytes;
    this.heartbeat.start(m);
  }

  private announceTransport(): void {
    const name = (this.main as ClientTransport).name;
    const previous = this.lastTransport;
    if (name === previous) return;
    this.lastTransport = name;
    this.events.emit("transport", name, previous);
  }

  private drained(): void {
    // Nothing in flight on the transport in use: a waiting takeover may go (requests stay in order).
    this.upgrade.takeOver(true);
    this.outbox.drain();
  }

  // ---------------------------------------------------------------- loss

  /** Closes the transport ourselves and handles it like a close with `code`. */
  private drop(code: number, reason: string): void {
    const main = this.main;
    if (main === undefined) return;
    main.close(CloseCode.Normal, "");
    this.lost(code, reason);
  }

  /** The transport ended; `blocked` when it could not even be created. */
  private lost(closeCode: number, closeReason: string, blocked = false): void {
    const main = this.main;
    const wasConnected = this.handshake !== undefined;
    const d = this.pendingDisconnect;
    this.pendingDisconnect = undefined;
    const code = d?.code ?? closeCode;
    const reason = d?.reason ?? closeReason;
    this.main = undefined;
    this.handshake = undefined;
    this.outbox.clear();
    this.handshakeTimer.stop();
    this.heartbeat.stop();
    // An upgrade or a retired transport belonged to the session that just ended.
    this.upgrade.stop();
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
    const next = blocked || (!wasConnected && main !== undefined && !this.heard) ? this.plan.next() : undefined;
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
