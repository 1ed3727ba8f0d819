import type { PresenceInfo } from "@dashwire/protocol";

/** Connection states the SDK reports. */
export type ClientState = "connecting" | "connected" | "disconnected";

/** Options of a live subscription (the subset of the SDK's the dashboard uses). */
export interface LiveSubscribeOptions {
  mode?: "stream" | "latest";
  maxRate?: number;
  snapshot?: boolean;
  presence?: boolean;
}

/** Events of a live subscription the dashboard listens to. */
export interface LiveSubscriptionEvents {
  /** Confirmed by the server: the first time and after every resubscribe (reconnect, gap). */
  subscribed: (result: { recovered: boolean }) => void;
  /** A client joined the topic (presence subscriptions). */
  join: (who: PresenceInfo) => void;
  /** A client left the topic (presence subscriptions). */
  leave: (who: PresenceInfo) => void;
}

/** Who is on a topic: `count` may exceed the clients listed (the server caps the list). */
export interface PresenceSnapshot {
  count: number;
  clients: PresenceInfo[];
}

/** A live subscription handle. */
export interface LiveSubscription {
  readonly ready: Promise<unknown>;
  on<K extends keyof LiveSubscriptionEvents>(event: K, listener: LiveSubscriptionEvents[K]): () => void;
  unsubscribe(): void;
}

/**
 * The part of the dashwire client SDK the dashboard relies on. Panels and pages code against
 * this, so the SDK is touched in one place (`openLiveClient`).
 */
export interface LiveClient {
  readonly state: ClientState;
  /** Transport in use, e.g. "websocket". */
  readonly transport: string | undefined;
  /** Listens to state changes; returns a function that stops listening. */
  onState(cb: (s: ClientState) => void): () => void;
  /** Called when the server refuses the credentials for good (close 4500), with its reason. */
  onAuthRefused(cb: (reason: string) => void): () => void;
  subscribe(topic: string, handler: (data: unknown) => void, opts?: LiveSubscribeOptions): LiveSubscription;
  presence(topic: string): Promise<PresenceSnapshot>;
  close(): void;
}
