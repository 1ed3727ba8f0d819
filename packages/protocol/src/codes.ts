/**
 * Every numeric code dashwire puts on the wire, defined once.
 *
 * Close codes live in the WebSocket application range (RFC 6455 §7.4.2: 4000–4999) and are
 * reused verbatim by the HTTP transports in their `disconnect` message:
 * - 4000–4499: the client may reconnect (with backoff) and resume;
 * - 4500–4999: terminal, the client must not reconnect without a change (new token, new URL).
 *
 * Error codes travel in `ack.error.code` and `err.code`:
 * - 1000–1999: malformed input (frame, message, field);
 * - 2000–2999: authentication and authorization;
 * - 3000–3999: limits;
 * - 4000–4999: state (not subscribed, timeouts, unavailable);
 * - 5000–5999: server faults;
 * - 10000 and above: reserved for applications (`new DashwireError(10001, "…")` in a handler).
 */

/** Close codes sent in `disconnect` and as the WebSocket close code. */
export const CloseCode = {
  /** Normal close requested by either side. */
  Normal: 1000,
  /** Server going away (shutdown or restart): reconnect to another node. */
  GoingAway: 1001,
  /**
   * A frame whose bytes are not UTF-8 (WebSocket standard code, RFC 6455 §7.4.1): frames are
   * JSON text, and decoding bad bytes to U+FFFD would make different inputs the same text.
   */
  InvalidPayload: 1007,
  /** Frame larger than the server accepts (WebSocket standard code). */
  MessageTooBig: 1009,
  /**
   * The server failed while handling this connection (a bug or a throwing hook; details are in
   * the server log). Only this connection is closed; the client may reconnect (RFC 6455 §7.4.1).
   */
  InternalError: 1011,
  /** No pong or ping arrived within the heartbeat timeout. */
  HeartbeatTimeout: 4000,
  /** The client broke the protocol repeatedly (too many malformed frames). */
  ProtocolError: 4001,
  /** The handshake (`connect`) did not arrive in time. */
  HandshakeTimeout: 4002,
  /** The client sent faster than its rate limit for too long. */
  RateLimited: 4003,
  /** The client's token expired and was not refreshed. */
  TokenExpired: 4004,
  /** The server is overloaded; try again later. */
  ServerBusy: 4005,
  /** The outbound queue overflowed for a mode that cannot drop (used only when configured). */
  SlowConsumer: 4006,
  /** The session was taken over by a newer transport (upgrade) or closed by server code. */
  Replaced: 4007,
  /** Too many new connections from this address per second: reconnect after a backoff. */
  ConnectingTooFast: 4008,
  /** Disconnected by the server (server API or `server.disconnectUser`) asking for a reconnect, e.g. to pick up new permissions. */
  ForceReconnect: 4009,
  /** Authentication failed: no, bad or wrong-audience credentials. Terminal. */
  Unauthorized: 4500,
  /** Origin not allowed. Terminal. */
  ForbiddenOrigin: 4501,
  /** Protocol version not supported. Terminal. */
  UnsupportedVersion: 4502,
  /** Too many connections from this address. Terminal for this attempt. */
  TooManyConnections: 4503,
  /** Rejected by connect middleware. Terminal. */
  Rejected: 4504,
  /** The `Host` the client used is not one the server answers to (DNS rebinding). Terminal. */
  ForbiddenHost: 4505,
  /** Disconnected by the server (server API or `server.disconnectUser`): logged out or banned. Terminal. */
  ForceDisconnect: 4506,
  /**
   * The codec asked for at connect (`?codec=`) is not one the server speaks (or, on a custom
   * transport without binary frames, is binary). Terminal: reconnect with another codec.
   */
  UnsupportedCodec: 4507,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** Error codes sent in `ack.error.code` and `err.code`. */
export const ErrorCode = {
  /** The frame is not valid for the codec (e.g. not JSON). */
  BadFrame: 1000,
  /** The message type is unknown. */
  UnknownType: 1001,
  /** A field is missing or has the wrong type; `message` names it. */
  InvalidField: 1002,
  /** The frame holds more messages than allowed. */
  TooManyMessages: 1003,
  /** A message was sent before the handshake completed. */
  NotConnected: 1004,
  /** No handler for this event. */
  UnknownEvent: 1005,
  /** The topic name is too long or has characters outside the allowed set. */
  InvalidTopic: 1006,
  /** The payload is larger than allowed. */
  PayloadTooLarge: 1007,
  /** Authentication required or failed. */
  Unauthorized: 2000,
  /** Token expired. */
  TokenExpired: 2001,
  /** Authenticated but not allowed to do this (subscribe, publish, presence, event). */
  Forbidden: 2003,
  /** Message rate limit exceeded; the message was not processed. */
  RateLimited: 3000,
  /** Subscription limit per connection reached. */
  TooManySubscriptions: 3001,
  /** Too many acks pending for this connection. */
  TooManyPendingAcks: 3002,
  /** A store is full (e.g. series count); the item was refused. */
  LimitReached: 3003,
  /** Not subscribed to this topic. */
  NotSubscribed: 4000,
  /** Already subscribed to this topic. */
  AlreadySubscribed: 4001,
  /** The request timed out (client side: ack timeout). */
  Timeout: 4002,
  /** The connection closed before the reply arrived. */
  Disconnected: 4003,
  /** Presence is not enabled for this topic. */
  PresenceDisabled: 4004,
  /** History is not available for this topic (recovery impossible). */
  HistoryUnavailable: 4005,
  /** The client-side buffer for sends while disconnected is full. */
  BufferFull: 4006,
  /** Internal server error; details are in the server log, not on the wire. */
  Internal: 5000,
  /** The broker is unreachable; the operation could not complete. */
  BrokerUnavailable: 5001,
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** First code applications may use for their own errors. */
export const APP_ERROR_CODE_MIN = 10000;

/** True when a close code allows the client to reconnect automatically. */
export function closeCodeAllowsReconnect(code: number): boolean {
  if (code >= 4500 && code <= 4999) return false;
  return true;
}
