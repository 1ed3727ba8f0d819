import type { ClientState, PresenceList, SubscribeOptions } from "@dashwire/client";
import type { PresenceInfo } from "@dashwire/protocol";

export type { ClientState };

/** Options of a live subscription: the SDK's own, the part the dashboard uses. */
export type LiveSubscribeOptions = Pick<SubscribeOptions, "mode" | "maxRate" | "snapshot" | "presence">;

/** Events of a live subscription the dashboard listens to. */
export interface LiveSubscriptionEvents {
  /** Confirmed by the server: the first time and after every resubscribe (reconnect, gap). */
  subscribed: (result: { recovered: boolean }) => void;
  /** A client joined the topic (presence subscriptions). */
  join: (who: PresenceInfo) => void;
  /** A client left the topic (presence subscriptions). */
  leave: (who: PresenceInfo) => void;
  /**
   * Refused, or not answered in time (code 4002 Timeout): the SDK sends it again when it may
   * still succeed, and a fatal refusal also rejects `ready`. Until `subscribed`, nothing is live.
   */
  error: (error: { code: number; message: string }) => void;
}

/** Who is on a topic (the SDK's answer): `count` may exceed the clients listed (the server caps the list). */
export type PresenceSnapshot = PresenceList;

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
