/**
 * The broker seam: moves publications between nodes and keeps topic history. The hub never
 * assigns offsets itself; the broker does, so offsets agree across nodes. One implementation per
 * engine (memory here; Redis and NATS in their own packages), all running `brokerContract`.
 */
import type { StreamPosition } from "@dashwire/protocol";

/** How much of a topic to retain, resolved by the server from its topic options. */
export interface TopicRetention {
  /** Publications kept in the history ring (0: none). */
  historySize: number;
  /** Publications older than this are not replayed (ms; 0: no age limit). */
  historyTtlMs: number;
  /** Latest publication kept per key for snapshots (0: none). */
  latestKeys: number;
}

/** A publication as stored and delivered. `data` is JSON text, encoded once at publish. */
export interface Publication {
  topic: string;
  epoch: string;
  offset: number;
  key?: string;
  data: string;
  urgent?: boolean;
  /** Wall-clock time of publish, ms. */
  time: number;
}

/** What `publish` needs; the broker adds epoch, offset and time. */
export interface PublishInput {
  topic: string;
  data: string;
  key?: string;
  urgent?: boolean;
  retention: TopicRetention;
}

/** A history read. With none of since/last/snapshot it returns just the current position. */
export interface HistoryQuery {
  /** Publications after this position, when history still holds all of them. */
  since?: StreamPosition;
  /** The last N publications. */
  last?: number;
  /** Latest publication per key; with `since`, only when recovery is impossible. */
  snapshot?: boolean;
  /** At most this many publications (recovery needing more is reported as not recovered). */
  limit: number;
}

/** Result of a history read. */
export interface HistoryResult {
  /** Current position of the topic (offset 0: nothing published in this epoch). */
  epoch: string;
  offset: number;
  /** In offset order. */
  publications: Publication[];
  /** True when `since` was honoured completely. */
  recovered: boolean;
}

/** Broker link state, as `/healthz` reports it. */
export interface BrokerStatus {
  ok: boolean;
  /** Why not ok. */
  reason?: string;
}

/** What a broker reports to its node's hub. */
export interface BrokerSink {
  /** A publication on a topic this node subscribed to. */
  onPublication(pub: Publication): void;
  /** A message sent with `send` on a topic this node subscribed to (nothing kept, no offset). */
  onMessage(topic: string, data: string): void;
  /**
   * The link changed. After a loss (`ok: false` then `ok: true`) publications may have been
   * missed: the hub tells affected clients to resume from history.
   */
  onStatus(status: BrokerStatus): void;
}

/** Moves publications between nodes and stores topic history. */
export interface Broker {
  /** Short name for logs and health ("memory", "redis", "nats"). */
  readonly name: string;
  /** Connects and starts reporting to `sink`. */
  start(sink: BrokerSink): Promise<void>;
  /** Assigns the next offset, stores history, and delivers to every subscribed node (this one included). */
  publish(input: PublishInput): Promise<Publication>;
  /**
   * Delivers `data` to every node subscribed to `topic` (this one included) as `onMessage`, and
   * keeps nothing: no offset, no history, at most once (node-to-node traffic, see `NodeChannel`).
   * Resolves once the broker took it; rejects (coded 5001) when the link is down.
   */
  send(topic: string, data: string): Promise<void>;
  /** Starts delivering `topic` to this node. Idempotent per topic. */
  subscribe(topic: string): Promise<void>;
  /** Stops delivering `topic` to this node. */
  unsubscribe(topic: string): Promise<void>;
  /** Reads history, snapshot or position. */
  history(topic: string, query: HistoryQuery): Promise<HistoryResult>;
  /** Disconnects; pending operations reject. */
  close(): Promise<void>;
}
