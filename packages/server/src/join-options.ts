/** Options of a server-side subscription (`client.join`, `server.join`): those of a client's `sub`. */
export interface JoinOptions {
  /** `stream` (default): every publication in order; `latest`: newest value per key, rate-capped. */
  mode?: "stream" | "latest";
  /** `latest` mode: at most this many flushes per second (capped by the topic's `maxRate`). */
  maxRate?: number;
  /** Send the latest value of every key first. */
  snapshot?: boolean;
  /** Start with the last N publications of history. */
  last?: number;
  /** The client receives `join`/`leave` presence messages for the topic. */
  presence?: boolean;
}
