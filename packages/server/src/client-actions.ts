import type { WireError } from "@dashwire/protocol";
import type { JoinOptions } from "./join-options.js";
import type { PublishOptions, PublishResult } from "./publish-options.js";
import { EMIT_WITH_ACK_TIMEOUT_MS, type EmitWithAckOptions, ServerRequests } from "./server-requests.js";
import type { ServerStats } from "./stats.js";

/**
 * What the server-side actions on one client need from its server: its rooms (`Rooms`), seen
 * through this interface so this file imports neither rooms nor session (no import cycle).
 */
export interface ClientActionsHost {
  readonly rooms: {
    join(client: ClientActions, topic: string, options?: JoinOptions): Promise<boolean>;
    leave(client: ClientActions, topic: string): boolean;
  };
  readonly stats: ServerStats;
  /** Publishes from server code (`server.publish`). */
  publish(topic: string, data: unknown, options: PublishOptions): Promise<PublishResult>;
  /** `limits.pendingAcks` bounds the requests to one client in flight too; `queueBytes` its queue. */
  readonly options: { readonly limits: { readonly pendingAcks: number; readonly queueBytes: number } };
}

/** One connection's backpressure, as server code reads it (`client.backpressure()`). */
export interface ClientBackpressure {
  /** Bytes queued for this client and not yet handed to its transport. */
  queuedBytes: number;
  /** The queue's limit for stream publications (`limits.queueBytes`): past it they are dropped. */
  limitBytes: number;
  /** True while the transport refuses more (the client reads slower than we send). */
  congested: boolean;
  /** How long it has been congested, ms (0 when not): how far behind this client is. */
  lagMs: number;
  /** Stream publications dropped for this client since it connected (each announced by a gap). */
  drops: number;
}

/**
 * The actions server code takes on one client beyond `emit` and `disconnect` (issue 19): rooms
 * (`join`, `leave`, `broadcast`), `emit`, `emitWithAck` and `backpressure`. A base of `Session`, so that class keeps to the transport, queue and
 * handshake it already owns.
 */
export abstract class ClientActions {
  /** Stream publications dropped for this client. */
  private drops = 0;
  /** Server → client requests in flight (created on the first `emitWithAck`). */
  private requests: ServerRequests | undefined = undefined;

  constructor(private readonly actions: ClientActionsHost) {}

  /** Encodes and queues one message to this client (the session's outbound queue). */
  abstract send(message: unknown): void;
  /** Session id (what `except` names). */
  abstract readonly id: string;
  /** Bytes queued and not yet handed to the transport. */
  abstract get queuedBytes(): number;
  /** How long the transport has refused more, ms (0 while writable). */
  abstract get congestedMs(): number;
  /** False while the transport is congested. */
  abstract get writable(): boolean;

  /** This connection's queued bytes, lag and drops (cheap: a few fields read). */
  backpressure(): ClientBackpressure {
    return {
      queuedBytes: this.queuedBytes,
      limitBytes: this.actions.options.limits.queueBytes,
      congested: !this.writable,
      lagMs: this.congestedMs,
      drops: this.drops,
    };
  }

  /** @internal A subscription dropped a stream publication for this client (counted here and server-wide). */
  dropped(): void {
    this.drops++;
    this.actions.stats.dropsStream++;
  }

  /** Sends an event to this client. */
  emit(event: string, data?: unknown, ns?: string): void {
    const msg: Record<string, unknown> = { t: "evt", event, data };
    if (ns !== undefined) msg.ns = ns;
    this.send(msg);
  }

  /**
   * Sends an event the client answers (its `client.handle(event, fn)` handler's return value);
   * resolves with the answer. Rejects with a `DashwireError`: the client's coded refusal,
   * `Timeout` (4002) after `timeoutMs` (default 10 s), `Disconnected` (4003) when the connection
   * closes first, `TooManyPendingAcks` (3002) past `limits.pendingAcks` requests in flight.
   */
  emitWithAck(event: string, data?: unknown, options: EmitWithAckOptions = {}): Promise<unknown> {
    this.requests ??= new ServerRequests(this.actions.options.limits.pendingAcks);
    const timeoutMs =
      options.timeoutMs !== undefined && options.timeoutMs > 0 ? options.timeoutMs : EMIT_WITH_ACK_TIMEOUT_MS;
    return this.requests.ask((id) => {
      const msg: Record<string, unknown> = { t: "evt", id, event, data };
      if (options.ns !== undefined) msg.ns = options.ns;
      this.send(msg);
    }, timeoutMs);
  }

  /** @internal The client's `ack` of a request; false when none waits under that id. */
  answered(id: number, data: unknown, error: WireError | undefined): boolean {
    return this.requests?.answer(id, data, error) ?? false;
  }

  /** @internal The connection closed: requests in flight reject with `Disconnected`. */
  endRequests(): void {
    (this.requests ??= new ServerRequests(0)).close();
  }

  /**
   * Subscribes this client to `topic` without it asking (a server-side subscription), under the
   * topic's `canSubscribe` rule. Resolves true once subscribed, false when it already was;
   * rejects with a `DashwireError` (2003 not allowed, 3001 too many subscriptions, 4003 gone).
   */
  join(topic: string, options?: JoinOptions): Promise<boolean> {
    return this.actions.rooms.join(this, topic, options);
  }

  /**
   * Publishes to `topic` for every subscriber but this client (Socket.IO's `socket.broadcast`,
   * Flask-SocketIO's `include_self=False`); resolves like `server.publish`.
   */
  broadcast(topic: string, data: unknown, options: Omit<PublishOptions, "except"> = {}): Promise<PublishResult> {
    return this.actions.publish(topic, data, { ...options, except: this });
  }

  /** Ends this client's subscription to `topic` (whoever made it); false when there was none. */
  leave(topic: string): boolean {
    return this.actions.rooms.leave(this, topic);
  }
}
