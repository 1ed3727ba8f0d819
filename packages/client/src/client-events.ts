import type { ConnectedMessage } from "@dashwire/protocol";
import type { DashwireClientError } from "./errors.js";
import type { PublicationInfo, Subscription } from "./subscription.js";
import type { TransportName } from "./transport.js";

/** Connection state: "connecting" (also while waiting to retry), "connected", "disconnected" (for good). */
export type ClientState = "connecting" | "connected" | "disconnected";

/** Why the state changed: a close code (`CloseCode`, or 1006 for a network failure) and its text. */
export interface StateReason {
  code: number;
  reason: string;
}

/** Events of a `Client`. */
export interface ClientEvents {
  /** The connection state changed; `reason` holds the close code and text that caused it. */
  state: (state: ClientState, reason: StateReason) => void;
  /** A handshake completed: session id, heartbeat intervals and limits from the server. */
  connected: (info: ConnectedMessage) => void;
  /** The transport in use changed (first connect, fallback, or upgrade); `previous` is the one before. */
  transport: (name: TransportName, previous: TransportName | undefined) => void;
  /** A problem not tied to one request: undecodable frame, server `err`, token provider failure. */
  error: (error: DashwireClientError) => void;
  /** The server pushed an application event (see also `client.onEvent`). */
  event: (event: string, data: unknown, ns: string | undefined) => void;
  /**
   * Server code subscribed this client to `topic` (a server-side subscription: `client.join`
   * on the server). Its publications arrive on `publication`; it resumes after reconnects.
   */
  subscribed: (topic: string, subscription: Subscription) => void;
  /** Server code ended the subscription to `topic` (`client.leave` on the server). */
  unsubscribed: (topic: string, subscription: Subscription) => void;
  /** A publication on a server-side subscription (deduplicated and in order, as a handler's). */
  publication: (topic: string, data: unknown, info: PublicationInfo) => void;
}
