/** Who a connection is, as set by connect middleware (e.g. from a verified JWT). */
export interface UserIdentity {
  /** Stable user id; used for per-user topics and presence. */
  id?: string;
  /** Verified claims or any facts middleware wants to keep. */
  claims?: Record<string, unknown>;
}

/** A connected client, as server code sees it (handlers, hooks, events). */
export interface Client {
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
  /** Sends an event to this client. */
  emit(event: string, data?: unknown, ns?: string): void;
  /**
   * Closes the connection with a close code (default 1000; 1000, 1001 or 3000–4999, else it
   * throws RangeError) and a reason (cut to 123 bytes of UTF-8).
   */
  disconnect(code?: number, reason?: string): void;
}
