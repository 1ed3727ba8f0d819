import type { JoinOptions, Rooms } from "./rooms.js";
import type { Session } from "./session.js";

/** What the server-side actions on one client need from its server. */
export interface ClientActionsHost {
  readonly rooms: Rooms;
}

/**
 * The actions server code takes on one client beyond `emit` and `disconnect` (issue 19): rooms
 * (`join`, `leave`), and `emit`. A base of `Session`, so that class keeps to the transport, queue and
 * handshake it already owns.
 */
export abstract class ClientActions {
  constructor(private readonly actions: ClientActionsHost) {}

  /** Encodes and queues one message to this client (the session's outbound queue). */
  abstract send(message: unknown): void;

  /** Sends an event to this client. */
  emit(event: string, data?: unknown, ns?: string): void {
    const msg: Record<string, unknown> = { t: "evt", event, data };
    if (ns !== undefined) msg.ns = ns;
    this.send(msg);
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
