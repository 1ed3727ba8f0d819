import type { AppSchema, SchemaLike, ServerEventData, ServerEventName, TopicData, TopicName } from "@dashwire/protocol";
import type { ClientBackpressure } from "./client-actions.js";
import type { JoinOptions } from "./join-options.js";
import type { PublishOptions, PublishResult } from "./publish-options.js";
import type { EmitWithAckOptions } from "./server-requests.js";

/** Who a connection is, as set by connect middleware (e.g. from a verified JWT). */
export interface UserIdentity {
  /** Stable user id; used for per-user topics and presence. */
  id?: string;
  /** Verified claims or any facts middleware wants to keep. */
  claims?: Record<string, unknown>;
}

/**
 * A connected client, as server code sees it (handlers, hooks, events). With an app schema
 * (`createServer<Schema>()`), `emit` and `emitWithAck` are checked against its `serverEvents`.
 */
export interface Client<S extends SchemaLike = AppSchema> {
  /** Session id, unique per connection. */
  readonly id: string;
  /** Current transport name ("websocket", "sse", "polling"). */
  readonly transport: string;
  /** Remote IP address. */
  readonly remoteAddress: string;
  /** Identity set at connect (undefined for anonymous clients). */
  readonly user: UserIdentity | undefined;
  /** Per-connection state for application code. */
  readonly data: Record<string, unknown>;
  /** Topics this client is subscribed to. */
  topics(): IterableIterator<string>;
  /**
   * Subscribes this client to `topic` without it asking (a server-side subscription, "room"),
   * under the topic's `canSubscribe` rule; it survives reconnects like the client's own.
   * Resolves true once subscribed, false when it already was; rejects with a `DashwireError`
   * when refused (2003 not allowed, 3001 too many subscriptions, 4003 disconnected).
   */
  join(topic: string, options?: JoinOptions): Promise<boolean>;
  /** Ends this client's subscription to `topic` (the client is told); false when there was none. */
  leave(topic: string): boolean;
  /**
   * Publishes to `topic` for every subscriber but this client (`socket.broadcast`,
   * `include_self=False`); resolves like `server.publish`. Its own copy takes its offset without
   * being delivered, so its stream has no hole (`server.publish` with `except` does the same).
   */
  broadcast<T extends TopicName<S>>(
    topic: T,
    data: TopicData<S, T>,
    options?: Omit<PublishOptions, "except">,
  ): Promise<PublishResult>;
  /** Sends an event to this client (its `onEvent` handlers get it). */
  emit<E extends ServerEventName<S>>(event: E, data?: ServerEventData<S, E>, ns?: string): void;
  /**
   * Sends an event the client answers from its `client.handle(event, fn)` handler; resolves with
   * the answer. Rejects with a `DashwireError`: the client's coded refusal (1005 when it has no
   * handler), 4002 after `timeoutMs` (default 10 s), 4003 when the connection closes first,
   * 3002 past `limits.pendingAcks` requests in flight to this client.
   */
  emitWithAck<E extends ServerEventName<S>>(
    event: E,
    data?: ServerEventData<S, E>,
    options?: EmitWithAckOptions,
  ): Promise<unknown>;
  /** Queued bytes, lag and drops of this connection (see `ClientBackpressure`). */
  backpressure(): ClientBackpressure;
  /**
   * Closes the connection with a close code (default 1000; 1000, 1001 or 3000–4999, else it
   * throws RangeError) and a reason (cut to 123 bytes of UTF-8).
   */
  disconnect(code?: number, reason?: string): void;
}
