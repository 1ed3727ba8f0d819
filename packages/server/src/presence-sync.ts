import type { PresenceInfo } from "@dashwire/protocol";
import type { Logger } from "pino";
import type { Broker, TopicRetention } from "./broker/broker.js";

/** Prefix of the internal topics presence travels on between nodes (clients cannot name `$`). */
export const PRESENCE_TOPIC_PREFIX = "$presence:";

/** How often a node re-announces its local presence lists (ms). */
export const PRESENCE_REFRESH_MS = 10_000;
/** A node not heard from for this long is gone: its clients leave (ms). */
const PRESENCE_EXPIRY_MS = 3 * PRESENCE_REFRESH_MS;
/** Most remote entries kept per topic; past it new ones are ignored (counted, not listed). */
const MAX_REMOTE_PER_TOPIC = 100_000;
/** How long a topic asked about by `watch` stays tracked without local subscribers (ms). */
export const PRESENCE_WATCH_MS = 60_000;
/** Most topics watched at once; past it the oldest watch ends. */
const MAX_WATCHED = 10_000;

const NO_RETENTION: TopicRetention = { historySize: 0, historyTtlMs: 0, latestKeys: 0 };

type Wire =
  | { k: "join"; node: string; who: PresenceInfo }
  | { k: "leave"; node: string; who: PresenceInfo }
  | { k: "state"; node: string; who: PresenceInfo[] }
  | { k: "sync"; node: string };

interface RemoteNode {
  clients: Map<string, PresenceInfo>;
  seen: number;
}

/** What presence sync needs from the hub. */
export interface PresenceHost {
  /** This node's present clients on `topic`, or undefined when it tracks none. */
  local(topic: string): Iterable<PresenceInfo> | undefined;
  /** A client on another node joined or left `topic`. */
  remote(topic: string, kind: "join" | "leave", who: PresenceInfo): void;
}

/**
 * Presence across nodes, as soft state through any broker: joins and leaves are announced on
 * `$presence:<topic>`, a node that starts tracking a topic asks the others for their lists, every
 * node re-announces its lists periodically, and a node silent for three periods is dropped (its
 * clients leave). Only topics with local presence subscribers are tracked on a node.
 */
export class PresenceSync {
  private readonly topics = new Map<string, Map<string, RemoteNode>>();
  private readonly timer: NodeJS.Timeout;
  /** Topics tracked for `watch` callers, until when (ms), oldest first. */
  private readonly watched = new Map<string, number>();
  /** First watches still waiting for the other nodes' lists. */
  private readonly waiting = new Map<string, Promise<void>>();

  constructor(
    private readonly broker: Broker,
    private readonly nodeId: string,
    private readonly logger: Logger,
    private readonly host: PresenceHost,
  ) {
    this.timer = setInterval(() => this.refresh(), PRESENCE_REFRESH_MS);
    this.timer.unref();
  }

  /**
   * Starts tracking `topic`: subscribes to its presence channel and asks for the others' lists.
   * Resolves once the question is out (never rejects).
   */
  track(topic: string): Promise<void> {
    if (this.topics.has(topic)) return Promise.resolve();
    this.topics.set(topic, new Map());
    return this.broker.subscribe(PRESENCE_TOPIC_PREFIX + topic).then(
      () => this.post(topic, { k: "sync", node: this.nodeId }),
      (err: unknown) => this.logger.warn({ err, topic }, "presence subscribe failed"),
    );
  }

  /**
   * For a caller with no local subscriber on `topic` (the server API): tracks it for
   * `PRESENCE_WATCH_MS` after the last call. The first call waits `waitMs` for the other nodes'
   * answers: nodes are not counted anywhere, so there is no "all answered" to wait for.
   */
  watch(topic: string, waitMs: number): Promise<void> {
    const local = this.topics.has(topic) && !this.watched.has(topic);
    if (local) return Promise.resolve();
    this.watched.delete(topic);
    this.watched.set(topic, Date.now() + PRESENCE_WATCH_MS);
    if (this.watched.size > MAX_WATCHED) this.unwatch(this.watched.keys().next().value as string);
    const waiting = this.waiting.get(topic);
    if (waiting !== undefined || this.topics.has(topic)) return waiting ?? Promise.resolve();
    const first = this.track(topic)
      .then(() => new Promise<void>((resolve) => setTimeout(resolve, waitMs).unref()))
      .finally(() => this.waiting.delete(topic));
    this.waiting.set(topic, first);
    return first;
  }

  /** Ends a watch; the topic stays tracked while it has local presence subscribers. */
  private unwatch(topic: string): void {
    this.watched.delete(topic);
    if (this.host.local(topic) === undefined) this.untrack(topic);
  }

  /** Stops tracking `topic` (unless a `watch` still holds it). */
  untrack(topic: string): void {
    if (this.watched.has(topic) || !this.topics.delete(topic)) return;
    this.broker.unsubscribe(PRESENCE_TOPIC_PREFIX + topic).catch(() => {});
  }

  /** A local client joined or left: tell the other nodes. */
  announce(topic: string, kind: "join" | "leave", who: PresenceInfo): void {
    if (!this.topics.has(topic)) return;
    if (kind === "join") this.post(topic, { k: "join", node: this.nodeId, who });
    else this.post(topic, { k: "leave", node: this.nodeId, who });
  }

  /** Clients present on other nodes. */
  *list(topic: string): IterableIterator<PresenceInfo> {
    const nodes = this.topics.get(topic);
    if (nodes === undefined) return;
    for (const node of nodes.values()) yield* node.clients.values();
  }

  /** Number of clients present on other nodes. */
  count(topic: string): number {
    let n = 0;
    for (const node of this.topics.get(topic)?.values() ?? []) n += node.clients.size;
    return n;
  }

  /** A message on `$presence:<topic>` (the topic without the prefix). */
  receive(topic: string, data: string): void {
    const nodes = this.topics.get(topic);
    if (nodes === undefined) return;
    let m: Wire;
    try {
      m = JSON.parse(data) as Wire;
    } catch {
      return;
    }
    if (m.node === this.nodeId) return;
    if (m.k === "sync") {
      this.post(topic, { k: "state", node: this.nodeId, who: [...(this.host.local(topic) ?? [])] });
      return;
    }
    let node = nodes.get(m.node);
    if (node === undefined) {
      node = { clients: new Map(), seen: 0 };
      nodes.set(m.node, node);
    }
    node.seen = Date.now();
    if (m.k === "join") this.add(topic, node, m.who);
    else if (m.k === "leave") {
      if (node.clients.delete(m.who.client)) this.host.remote(topic, "leave", m.who);
    } else {
      const now = new Set(m.who.map((w) => w.client));
      for (const [client, who] of node.clients)
        if (!now.has(client)) {
          node.clients.delete(client);
          this.host.remote(topic, "leave", who);
        }
      for (const who of m.who) if (!node.clients.has(who.client)) this.add(topic, node, who);
    }
  }

  /** Stops the refresh timer. */
  close(): void {
    clearInterval(this.timer);
  }

  private add(topic: string, node: RemoteNode, who: PresenceInfo): void {
    if (node.clients.has(who.client) || this.count(topic) >= MAX_REMOTE_PER_TOPIC) return;
    node.clients.set(who.client, who);
    this.host.remote(topic, "join", who);
  }

  /** Re-announces local lists and drops nodes not heard from. */
  private refresh(): void {
    const now = Date.now();
    for (const [topic, until] of this.watched) if (until < now) this.unwatch(topic);
    const deadline = now - PRESENCE_EXPIRY_MS;
    for (const [topic, nodes] of this.topics) {
      this.post(topic, { k: "state", node: this.nodeId, who: [...(this.host.local(topic) ?? [])] });
      for (const [id, node] of nodes)
        if (node.seen < deadline) {
          nodes.delete(id);
          for (const who of node.clients.values()) this.host.remote(topic, "leave", who);
        }
    }
  }

  private post(topic: string, message: Wire): void {
    this.broker
      .publish({ topic: PRESENCE_TOPIC_PREFIX + topic, data: JSON.stringify(message), retention: NO_RETENTION })
      .catch((err: unknown) => this.logger.warn({ err, topic }, "presence publish failed"));
  }
}
