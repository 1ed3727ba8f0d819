/** Options of the server HTTP API (see `ServerApi`, docs/server-api.md). */

/** Options of the server API (`createServer({ serverApi: { keys: [...] } })`). */
export interface ServerApiOptions {
  /** API keys, each at least 16 bytes. The API is off while there is none. */
  keys: string[];
  /** URL prefix of the methods: `POST {path}/publish`, … */
  path: string;
  /** Largest request body, bytes (larger: 413, code 1007). */
  bodyBytes: number;
  /** Topics in one `broadcast`. */
  maxBroadcastTopics: number;
  /**
   * The first `presence` call on a topic with no subscriber on this node waits until every other
   * live node sent its list, at most this long (ms); the topic then stays tracked for a minute
   * after the last call.
   */
  presenceWaitMs: number;
  /** `idempotencyKey`s remembered per node, and for how long (ms). */
  idempotency: { size: number; ttlMs: number };
}

/** Defaults of `ServerApiOptions`. */
export const serverApiDefaults: ServerApiOptions = {
  keys: [],
  path: "/api",
  bodyBytes: 1024 * 1024,
  maxBroadcastTopics: 1000,
  presenceWaitMs: 250,
  idempotency: { size: 10_000, ttlMs: 300_000 },
};
