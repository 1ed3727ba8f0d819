/**
 * Wire messages of protocol version 1. Every message is an object with a type `t`. A frame
 * holds one message or a JSON array of messages (a batch); see `docs/protocol.md`.
 *
 * Client → server messages carry an optional numeric `id`; when present the server replies with
 * exactly one `ack` of the same id.
 */

/** The protocol version this package speaks. */
export const PROTOCOL_VERSION = 1;

/** Position of a publication in a topic: the epoch names one continuous history. */
export interface StreamPosition {
  /** Changes whenever the topic's history is lost (e.g. broker restart). */
  epoch: string;
  /** Increases by exactly one per publication within an epoch. */
  offset: number;
}

/** How a subscription receives publications. */
export type DeliveryMode = "stream" | "latest";

/** A coded error as carried on the wire. */
export interface WireError {
  code: number;
  message: string;
  /** Optional machine-readable details (e.g. the field that was wrong). */
  details?: unknown;
}

/** A client as shown in presence lists. */
export interface PresenceInfo {
  /** Session id (one per connected client). */
  client: string;
  /** Authenticated user id, when there is one. */
  user?: string;
  /** Public info the server chose to share (e.g. a display name). */
  info?: unknown;
}

// ---------------------------------------------------------------- client → server

/** Handshake: the first message a client sends. */
export interface ConnectMessage {
  t: "connect";
  /** Protocol version the client speaks. */
  v: number;
  /** Credentials (e.g. a JWT) when not passed in headers or query. */
  token?: string;
  /** Arbitrary data for connect middleware. */
  data?: unknown;
  /**
   * Session id of an earlier transport to take over (transport upgrade or quick reconnect), with
   * its `secret` from `connected` as the proof: the bare id is shown to others (presence).
   */
  session?: string;
  secret?: string;
}

/** Subscribe to a topic. */
export interface SubscribeMessage {
  t: "sub";
  id?: number;
  topic: string;
  /** Delivery mode; `stream` by default. */
  mode?: DeliveryMode;
  /** `latest` mode: at most this many flushes per second (capped by the server). */
  maxRate?: number;
  /** Send the latest value of every key before the live stream. */
  snapshot?: boolean;
  /** Resume after this position: the server sends what came after it, or a snapshot. */
  since?: StreamPosition;
  /** Rewind: start with the last N publications of history. */
  last?: number;
  /** Receive `join`/`leave` messages for this topic. */
  presence?: boolean;
}

/** Stop a subscription. */
export interface UnsubscribeMessage {
  t: "unsub";
  id?: number;
  topic: string;
}

/** Publish to a topic (allowed per topic by the server's `canPublish` hook). */
export interface PublishMessage {
  t: "pub";
  id?: number;
  topic: string;
  data: unknown;
  /** Key for latest-value tracking and conflation. */
  key?: string;
  /** Urgent publications bypass conflation and rate caps. */
  urgent?: boolean;
}

/** An application event, routed to `server.on(event)` in namespace `ns`. */
export interface EventMessage {
  t: "evt";
  id?: number;
  /** Namespace; the default namespace when absent. */
  ns?: string;
  event: string;
  data?: unknown;
}

/** Ask for the presence list of a topic. */
export interface PresenceMessage {
  t: "presence";
  id?: number;
  topic: string;
}

/**
 * Replace the connection's credentials without reconnecting. The ack's data is `{ ttl }` (ms
 * until the new credentials expire) when they expire, and nothing when they never do.
 */
export interface RefreshMessage {
  t: "refresh";
  id?: number;
  token: string;
}

/**
 * The client's answer to a server event that carried an `id` (`client.emitWithAck` on the
 * server): `data` is what the client's handler returned, `error` a coded refusal.
 */
export interface ClientAckMessage {
  t: "ack";
  id: number;
  data?: unknown;
  error?: WireError;
}

/** Heartbeat probe; the other side answers `pong`. Both sides may send it. */
export interface PingMessage {
  t: "ping";
}

/** Heartbeat answer. */
export interface PongMessage {
  t: "pong";
}

/** Any message a client may send. */
export type ClientMessage =
  | ConnectMessage
  | SubscribeMessage
  | UnsubscribeMessage
  | PublishMessage
  | EventMessage
  | PresenceMessage
  | RefreshMessage
  | ClientAckMessage
  | PingMessage
  | PongMessage;

// ---------------------------------------------------------------- server → client

/** Limits the server enforces on this connection. */
export interface ConnectionLimits {
  maxFrameBytes: number;
  maxSubscriptions: number;
  maxMessagesPerSecond: number;
  maxPendingAcks: number;
}

/** Handshake reply. */
export interface ConnectedMessage {
  t: "connected";
  v: number;
  /** Session id; send it back in `connect.session` to take the session over. */
  session: string;
  /** Proof that a later `connect` comes from this client: sent back in `connect.secret`. */
  secret?: string;
  /** The server sends `ping` every `ping` ms; a silent peer is closed after `ping + pong` ms. */
  ping: number;
  pong: number;
  limits: ConnectionLimits;
  /**
   * True when this connect took over a live session: its subscriptions, queue and requests in
   * flight continue on this transport; the earlier transport got `disconnect` 4007.
   */
  resumed?: boolean;
  /** Data returned by connect middleware. */
  data?: unknown;
  /**
   * Milliseconds until the credentials expire (absent: they never do). The connection is closed
   * with 4004 then unless the client sends `refresh` first; the refresh ack carries the new `ttl`.
   */
  ttl?: number;
}

/** Reply to a client message that carried an `id`. */
export interface AckMessage {
  t: "ack";
  id: number;
  data?: unknown;
  error?: WireError;
}

/** Reply data of a successful `sub`. */
export interface SubscribeResult {
  /** Position of the newest publication at subscribe time (offset 0: none yet). */
  epoch: string;
  offset: number;
  /** True when `since` was honoured: every missed publication follows, in order. */
  recovered: boolean;
  /** True when a snapshot (latest value per key) follows. */
  snapshot?: boolean;
}

/**
 * A publication pushed to a subscriber. Keys are short because this is the message sent a
 * million times a second: `c` topic, `e` epoch, `o` offset, `k` key, `d` data, `u` urgent.
 * `s: 1` (no `d`) stands for a publication this client sent itself to all but the sender
 * (`client.broadcast`): it takes its offset, so the stream has no hole, and is not delivered.
 */
export interface PublicationMessage {
  t: "msg";
  c: string;
  e: string;
  o: number;
  k?: string;
  d: unknown;
  u?: 1;
  s?: 1;
}

/** Publications in `[from, to]` were dropped for this client (queue overflow): recover them. */
export interface GapMessage {
  t: "gap";
  topic: string;
  epoch: string;
  from: number;
  to: number;
}

/** An event pushed by server code. */
export interface ServerEventMessage {
  t: "evt";
  /** Present when server code awaits an answer (`emitWithAck`): the client replies with `ack`. */
  id?: number;
  ns?: string;
  event: string;
  data?: unknown;
}

/**
 * Server code subscribed this client to `topic` (a server-side subscription, `client.join`).
 * The fields are a `sub` ack's: the publications that follow are delivered like any
 * subscription's, and the client resumes it after a reconnect with its own `sub` and `since`.
 */
export interface SubscribedMessage extends SubscribeResult {
  t: "subscribed";
  topic: string;
  /** The subscription's options, for the client's resubscribes (absent: all defaults). */
  options?: { mode?: DeliveryMode; maxRate?: number; snapshot?: boolean; presence?: boolean };
}

/** Server code ended this client's subscription to `topic` (`client.leave`). */
export interface UnsubscribedMessage {
  t: "unsubscribed";
  topic: string;
}

/** A client joined a topic (presence). */
export interface JoinMessage {
  t: "join";
  topic: string;
  who: PresenceInfo;
}

/** A client left a topic (presence). */
export interface LeaveMessage {
  t: "leave";
  topic: string;
  who: PresenceInfo;
}

/** An error not tied to an `id` (e.g. a frame that could not be decoded). */
export interface ErrorMessage {
  t: "err";
  code: number;
  message: string;
  /** The id of the offending message, when it could be read. */
  id?: number;
}

/** The server is closing the connection; `reconnect` says whether the client should retry. */
export interface DisconnectMessage {
  t: "disconnect";
  code: number;
  reason: string;
  reconnect: boolean;
}

/** Any message a server may send. */
export type ServerMessage =
  | ConnectedMessage
  | AckMessage
  | PublicationMessage
  | GapMessage
  | ServerEventMessage
  | SubscribedMessage
  | UnsubscribedMessage
  | JoinMessage
  | LeaveMessage
  | ErrorMessage
  | DisconnectMessage
  | PingMessage
  | PongMessage;
