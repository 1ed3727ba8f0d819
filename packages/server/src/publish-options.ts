import type { Publication } from "./broker/broker.js";

/** Options of `server.publish`. */
export interface PublishOptions {
  /** Key for latest-value tracking, snapshots and conflation. */
  key?: string;
  /** Bypasses conflation and rate caps of `latest` subscriptions. */
  urgent?: boolean;
  /**
   * Every subscriber but this client (a connection of this node), as Socket.IO's
   * `socket.broadcast` / Flask-SocketIO's `include_self=False`: see `client.broadcast`.
   */
  except?: { readonly id: string };
  /**
   * Report this node's subscribers of the topic and how many are congested (at least
   * `thresholdBytes` queued for them; default half of `limits.queueBytes`), read at publish.
   */
  reportBackpressure?: boolean | { thresholdBytes: number };
}

/** What `server.publish` resolves with: the stored publication, and the report when asked. */
export type PublishResult = Publication & {
  /** With `reportBackpressure`: `allCongested` when every subscriber here is (and there is one). */
  backpressure?: { subscribers: number; congested: number; allCongested: boolean };
};
