/** Transports a load client can speak (which ones a target supports depends on its protocol). */
export const TRANSPORT_NAMES = ["websocket", "sse", "polling"] as const;

/** A transport's name. */
export type TransportName = (typeof TRANSPORT_NAMES)[number];

/** A frame a client sends: text, or bytes (a binary WebSocket frame; dashwire's msgpack codec). */
export type OutFrame = string | Uint8Array;

/** What a link hands to its client. Listeners are bound once per client (no closure per frame). */
export interface LinkSink {
  /** One protocol frame (a WebSocket message, an SSE event, one frame of a poll response). */
  onFrame(frame: Buffer): void;
  /** The server closed the link, or it was lost (not called after `close()`). */
  onClose(code: number, reason: string): void;
  onError(error: Error): void;
}

/** Where and how a link connects. */
export interface LinkTarget {
  /** Base URL of the server, `ws://host:port` (HTTP links use the same host and port). */
  url: string;
  /** Path (and query) of the endpoint for this transport, from the protocol. */
  path: string;
  /** Source address to bind (undefined: let the kernel pick). */
  localAddress: string | undefined;
  timeoutMs: number;
}

/**
 * One client connection over one transport: frames in (to the sink), frames out. Created
 * connecting; `opened` settles when the transport is up (frames may already have arrived).
 */
export interface Link {
  readonly transport: TransportName;
  /** Resolves when open; rejects when the transport could not be opened. */
  readonly opened: Promise<void>;
  /** True from open until closed (either side). */
  readonly isOpen: boolean;
  /** Bytes waiting in this client's own send path (backpressure of the load generator). */
  readonly bufferedAmount: number;
  /** Sends one frame; false when the link is not open. */
  send(frame: OutFrame): boolean;
  /** Stops reading (the server's writes back up into kernel buffers, then into its own). */
  pause(): void;
  /** Reads again. */
  resume(): void;
  /** Drops the connection at once, without a close handshake and without `onClose`. */
  close(): void;
}

/** Splits `ws://host:port` into what a TCP connect needs. */
export function hostPort(url: string): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || (u.protocol === "wss:" ? 443 : 80)) };
}
