import type { WireError } from "@dashwire/protocol";
import type { JoinOptions, Rooms } from "./rooms.js";
import { EMIT_WITH_ACK_TIMEOUT_MS, type EmitWithAckOptions, ServerRequests } from "./server-requests.js";
import type { Session } from "./session.js";

/** What the server-side actions on one client need from its server. */
export interface ClientActionsHost {
  readonly rooms: Rooms;
  /** `limits.pendingAcks` bounds the requests to one client in flight too. */
  readonly options: { readonly limits: { readonly pendingAcks: number } };
}

/**
 * The actions server code takes on one client beyond `emit` and `disconnect` (issue 19): rooms
 * (`join`, `leave`), `emit` and `emitWithAck`. A base of `Session`, so that class keeps to the transport, queue and
 * handshake it already owns.
 */
export abstract class ClientActions {
  /** Server → client requests in flight (created on the first `emitWithAck`). */
  private requests: ServerRequests | undefined = undefined;

  constructor(private readonly actions: ClientActionsHost) {}

  /** Encodes and queues one message to this client (the session's outbound queue). */
  abstract send(message: unknown): void;

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

  /** The session these actions act on (this object, typed as what the services take). */
  private get session(): Session {
    return this as unknown as Session;
  }

  /**
   * Subscribes this client to `topic` without it asking (a server-side subscription), under the
   * topic's `canSubscribe` rule. Resolves true once subscribed, false when it already was;
   * rejects with a `DashwireError` (2003 not allowed, 3001 too many subscriptions, 4003 gone).
   */
  join(topic: string, options?: JoinOptions): Promise<boolean> {
    return this.actions.rooms.join(this.session, topic, options);
  }

  /** Ends this client's subscription to `topic` (whoever made it); false when there was none. */
  leave(topic: string): boolean {
    return this.actions.rooms.leave(this.session, topic);
  }
}
