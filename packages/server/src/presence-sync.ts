import type { PresenceInfo } from "@dashwire/protocol";
import type { Logger } from "pino";
import { HEARTBEAT_MS, type NodeChannel } from "./node-channel.js";

/** How often a node re-announces its local presence lists (ms): repairs what a message lost. */
export const PRESENCE_REFRESH_MS = HEARTBEAT_MS;
/** Most remote entries kept per topic; past it new ones are ignored (counted, not listed). */
const MAX_REMOTE_PER_TOPIC = 100_000;
/** How long a topic asked about by `watch` stays tracked without local subscribers (ms). */
export const PRESENCE_WATCH_MS = 60_000;
/** Most topics watched at once; past it the oldest watch ends. */
const MAX_WATCHED = 10_000;
/** How long a node that starts tracking a topic waits for the others' lists (ms). */
const SYNC_WAIT_MS = 5_000;

/** Channel kinds: a client joined or left (group message), a node's whole list (group), "your list?" (request). */
const JOIN = "presence.join";
const LEAVE = "presence.leave";
const STATE = "presence.state";
const LIST = "presence.list";

/** What presence sync needs from the hub. */
export interface PresenceHost {
  /** This node's present clients on `topic`, or undefined when it tracks none. */
  local(topic: string): Iterable<PresenceInfo> | undefined;
  /** A client on another node joined or left `topic`. */
  remote(topic: string, kind: "join" | "leave", who: PresenceInfo): void;
}

/**
 * Presence across nodes, as soft state on the node channel: a topic's presence is the group of
 * nodes that track it; joins and leaves go to that group, a node that starts tracking asks every
 * other node for its list (`requestAll`: done when all answered), every node re-announces its
 * lists each heartbeat, and a node the channel calls gone takes its clients with it. Only topics
 * with local presence subscribers (or a server API `watch`) are tracked on a node.
 */
export class PresenceSync {
  /** Topic → node → client → who. */
  private readonly topics = new Map<string, Map<string, Map<string, PresenceInfo>>>();
  private readonly timer: NodeJS.Timeout;
  /** Topics tracked for `watch` callers, until when (ms), oldest first. */
  private readonly watched = new Map<string, number>();
  /** First syncs still waiting for the other nodes' lists. */
  private readonly syncing = new Map<string, Promise<void>>();

  constructor(
    private readonly channel: NodeChannel,
    private readonly logger: Logger,
    private readonly host: PresenceHost,
  ) {
    channel.on(JOIN, (who, ctx) => this.changed(ctx.group, ctx.from, "join", who as PresenceInfo));
    channel.on(LEAVE, (who, ctx) => this.changed(ctx.group, ctx.from, "leave", who as PresenceInfo));
    channel.on(STATE, (who, ctx) => this.replace(ctx.group, ctx.from, who));
    channel.on(LIST, (topic) => (typeof topic === "string" ? [...(host.local(topic) ?? [])] : []));
    channel.onGone((node) => {
      for (const topic of this.topics.keys()) this.replace(topic, node, []);
    });
    this.timer = setInterval(() => this.refresh(), PRESENCE_REFRESH_MS);
    this.timer.unref();
  }

  /**
   * Starts tracking `topic`: joins its group and asks the other nodes for their lists. Resolves
   * once they all answered, or after `waitMs` (never rejects).
   */
  track(topic: string, waitMs = SYNC_WAIT_MS): Promise<void> {
    if (this.topics.has(topic)) return this.syncing.get(topic) ?? Promise.resolve();
    this.topics.set(topic, new Map());
    const sync = this.channel
      .listen(topic)
      .then(() => this.channel.requestAll(LIST, topic, waitMs))
      .then(
        (answers) => {
          for (const [node, who] of answers) this.replace(topic, node, who);
        },
        (err: unknown) => this.logger.warn({ err, topic }, "presence sync failed"),
      )
      .finally(() => this.syncing.delete(topic));
    this.syncing.set(topic, sync);
    return sync;
  }

  /**
   * For a caller with no local subscriber on `topic` (the server API): tracks it for
   * `PRESENCE_WATCH_MS` after the last call. The first call waits (at most `waitMs`) until every
   * other live node sent its list.
   */
  watch(topic: string, waitMs: number): Promise<void> {
    const local = this.topics.has(topic) && !this.watched.has(topic);
    if (local) return this.syncing.get(topic) ?? Promise.resolve();
    this.watched.delete(topic);
    this.watched.set(topic, Date.now() + PRESENCE_WATCH_MS);
    if (this.watched.size > MAX_WATCHED) this.unwatch(this.watched.keys().next().value as string);
    return this.track(topic, waitMs);
  }

  /** Ends a watch; the topic stays tracked while it has local presence subscribers. */
  private unwatch(topic: string): void {
    this.watched.delete(topic);
    if (this.host.local(topic) === undefined) this.untrack(topic);
  }

  /** Stops tracking `topic` (unless a `watch` still holds it). */
  untrack(topic: string): void {
    if (this.watched.has(topic) || !this.topics.delete(topic)) return;
    this.channel.unlisten(topic);
  }

  /** A local client joined or left: tell the other nodes that track the topic. */
  announce(topic: string, kind: "join" | "leave", who: PresenceInfo): void {
    if (!this.topics.has(topic)) return;
    this.post(topic, kind === "join" ? JOIN : LEAVE, who);
  }

  /** Clients present on other nodes. */
  *list(topic: string): IterableIterator<PresenceInfo> {
    const nodes = this.topics.get(topic);
    if (nodes === undefined) return;
    for (const clients of nodes.values()) yield* clients.values();
  }

  /** Number of clients present on other nodes. */
  count(topic: string): number {
    let n = 0;
    for (const clients of this.topics.get(topic)?.values() ?? []) n += clients.size;
    return n;
  }

  /** Stops the refresh timer. */
  close(): void {
    clearInterval(this.timer);
  }

  private changed(topic: string | undefined, node: string, kind: "join" | "leave", who: PresenceInfo): void {
    const nodes = topic === undefined ? undefined : this.topics.get(topic);
    if (nodes === undefined || !isPresenceInfo(who)) return;
    let clients = nodes.get(node);
    if (kind === "join") {
      if (clients === undefined) nodes.set(node, (clients = new Map()));
      this.add(topic as string, clients, who);
    } else if (clients?.delete(who.client)) this.host.remote(topic as string, "leave", who);
  }

  /** A node's whole list for `topic` (its state, its answer, or none when it is gone). */
  private replace(topic: string | undefined, node: string, list: unknown): void {
    const nodes = topic === undefined ? undefined : this.topics.get(topic);
    if (nodes === undefined || !Array.isArray(list)) return;
    const who = list.filter(isPresenceInfo);
    let clients = nodes.get(node);
    const now = new Set(who.map((w) => w.client));
    for (const [client, was] of clients ?? [])
      if (!now.has(client)) {
        clients?.delete(client);
        this.host.remote(topic as string, "leave", was);
      }
    if (who.length === 0) {
      nodes.delete(node);
      return;
    }
    if (clients === undefined) nodes.set(node, (clients = new Map()));
    for (const w of who) if (!clients.has(w.client)) this.add(topic as string, clients, w);
  }

  private add(topic: string, clients: Map<string, PresenceInfo>, who: PresenceInfo): void {
    if (clients.has(who.client) || this.count(topic) >= MAX_REMOTE_PER_TOPIC) return;
    clients.set(who.client, who);
    this.host.remote(topic, "join", who);
  }

  /** Re-announces local lists; ends watches that ran out. */
  private refresh(): void {
    const now = Date.now();
    for (const [topic, until] of this.watched) if (until < now) this.unwatch(topic);
    for (const topic of this.topics.keys()) this.post(topic, STATE, [...(this.host.local(topic) ?? [])]);
  }

  private post(topic: string, kind: string, body: unknown): void {
    this.channel
      .sendGroup(topic, kind, body)
      .catch((err: unknown) => this.logger.warn({ err, topic }, "presence publish failed"));
  }
}

function isPresenceInfo(v: unknown): v is PresenceInfo {
  return typeof v === "object" && v !== null && typeof (v as PresenceInfo).client === "string";
}
