/**
 * The primary's half of the in-machine cluster broker: one `MemoryBroker` holds every topic's
 * epoch, offsets, history and latest values for all workers, and each publication is sent only
 * to the workers subscribed to its topic (one copy per worker, batched per event-loop turn).
 */
import type { HistoryQuery, PublishInput } from "../broker/broker.js";
import { MemoryBroker, type MemoryBrokerOptions, memoryBrokerDefaults } from "../broker/memory-broker.js";
import { BatchQueue, batchItems, type HostMessage, type WorkerRequest } from "./cluster-messages.js";
import type { ClusterPort } from "./cluster-port.js";

/** Options of `ClusterBrokerHost`. */
export interface ClusterBrokerHostOptions extends MemoryBrokerOptions {
  /**
   * Messages queued for one worker and not yet written to its channel. Past it that worker's
   * deliveries are dropped (a worker that stopped reading must not grow the primary's memory);
   * once it has caught up to half the limit it is told the link blipped, so its clients resume
   * from history (decision 4: never silently behind).
   */
  maxUnsentPerWorker: number;
}

/** Defaults of `ClusterBrokerHostOptions`. */
export const clusterBrokerHostDefaults: ClusterBrokerHostOptions = {
  ...memoryBrokerDefaults,
  maxUnsentPerWorker: 100_000,
};

/** Counters of the host. */
export interface ClusterHostStats {
  publications: number;
  /** Messages sent to workers (deliveries and replies), counted per worker. */
  sent: number;
  /** Deliveries dropped because a worker lagged behind. */
  dropped: number;
}

class WorkerLink {
  readonly topics = new Set<string>();
  readonly queue: BatchQueue<HostMessage>;
  unsent = 0;
  lagging = false;

  constructor(
    readonly port: ClusterPort,
    private readonly host: ClusterBrokerHost,
    private readonly max: number,
  ) {
    this.queue = new BatchQueue<HostMessage>(
      (batch, sent) => port.send(batch, sent),
      (n) => this.sent(n),
    );
  }

  push(message: HostMessage): void {
    this.unsent++;
    this.host.stats.sent++;
    this.queue.push(message);
  }

  /** A publication or a sent message for this worker; dropped (counted) while it lags. */
  deliver(message: HostMessage): void {
    if (this.lagging || this.unsent >= this.max) {
      this.lagging = true;
      this.host.stats.dropped++;
      return;
    }
    this.push(message);
  }

  private sent(n: number): void {
    this.unsent -= n;
    if (this.lagging && this.unsent <= this.max / 2) {
      this.lagging = false;
      this.push({ k: "status", status: { ok: false, reason: "worker fell behind the cluster broker" } });
      this.push({ k: "status", status: { ok: true } });
    }
  }
}

/** The primary side of `ClusterBroker`: attach one port per worker. */
export class ClusterBrokerHost {
  readonly options: ClusterBrokerHostOptions;
  readonly stats: ClusterHostStats = { publications: 0, sent: 0, dropped: 0 };
  private readonly memory: MemoryBroker;
  private readonly links = new Set<WorkerLink>();
  /** Topic → workers subscribed to it. */
  private readonly subscribers = new Map<string, Set<WorkerLink>>();
  private readonly started: Promise<void>;

  constructor(options: Partial<ClusterBrokerHostOptions> = {}) {
    this.options = { ...clusterBrokerHostDefaults, ...options };
    this.memory = new MemoryBroker({ maxTopics: this.options.maxTopics });
    const subscribers = this.subscribers;
    this.started = this.memory.start({
      onPublication(pub) {
        const links = subscribers.get(pub.topic);
        if (links !== undefined) for (const link of links) link.deliver({ k: "pub", p: pub });
      },
      onMessage(topic, data) {
        const links = subscribers.get(topic);
        if (links !== undefined) for (const link of links) link.deliver({ k: "msg", topic, data });
      },
      onStatus() {},
    });
  }

  /** Workers attached. */
  get workers(): number {
    return this.links.size;
  }

  /** Serves one worker's port until it closes; its subscriptions end with it. */
  attach(port: ClusterPort): void {
    const link = new WorkerLink(port, this, this.options.maxUnsentPerWorker);
    this.links.add(link);
    port.onMessage((message) => {
      const items = batchItems(message);
      if (items !== undefined) for (const item of items) this.request(link, item);
    });
    port.onClose(() => this.detach(link));
  }

  /** Detaches every worker. */
  async close(): Promise<void> {
    for (const link of [...this.links]) {
      link.port.close();
      this.detach(link);
    }
    await this.memory.close();
  }

  private detach(link: WorkerLink): void {
    if (!this.links.delete(link)) return;
    for (const topic of link.topics) this.leave(link, topic);
  }

  private leave(link: WorkerLink, topic: string): void {
    link.topics.delete(topic);
    const set = this.subscribers.get(topic);
    if (set === undefined) return;
    set.delete(link);
    if (set.size === 0) {
      this.subscribers.delete(topic);
      void this.memory.unsubscribe(topic);
    }
  }

  private request(link: WorkerLink, item: unknown): void {
    if (!isRequest(item)) return; // not ours or malformed: a worker runs our code, so just ignore it
    const { id } = item;
    const fail = (err: unknown) => link.push({ k: "err", id, message: (err as Error).message ?? String(err) });
    switch (item.k) {
      case "hello":
        this.started.then(() => link.push({ k: "ok", id }), fail);
        return;
      case "pub":
        if (!isPublishInput(item.input)) {
          fail(new Error("malformed publish"));
          return;
        }
        this.stats.publications++;
        this.memory.publish(item.input).then((pub) => link.push({ k: "ok", id, pub }), fail);
        return;
      case "send":
        this.memory.send(item.topic, item.data).then(() => link.push({ k: "ok", id }), fail);
        return;
      case "sub": {
        let set = this.subscribers.get(item.topic);
        if (set === undefined) {
          set = new Set();
          this.subscribers.set(item.topic, set);
          void this.memory.subscribe(item.topic);
        }
        set.add(link);
        link.topics.add(item.topic);
        link.push({ k: "ok", id });
        return;
      }
      case "unsub":
        this.leave(link, item.topic);
        link.push({ k: "ok", id });
        return;
      case "hist":
        this.memory
          .history(item.topic, item.query as HistoryQuery)
          .then((hist) => link.push({ k: "ok", id, hist }), fail);
        return;
    }
  }
}

function isRequest(item: unknown): item is WorkerRequest {
  if (typeof item !== "object" || item === null) return false;
  const r = item as { k?: unknown; id?: unknown; topic?: unknown; query?: unknown };
  if (typeof r.id !== "number") return false;
  switch (r.k) {
    case "hello":
    case "pub":
      return true;
    case "send":
      return typeof r.topic === "string" && typeof (r as { data?: unknown }).data === "string";
    case "sub":
    case "unsub":
      return typeof r.topic === "string";
    case "hist":
      return typeof r.topic === "string" && typeof r.query === "object" && r.query !== null;
    default:
      return false;
  }
}

function isPublishInput(input: unknown): input is PublishInput {
  if (typeof input !== "object" || input === null) return false;
  const i = input as Partial<PublishInput>;
  const r = i.retention;
  return (
    typeof i.topic === "string" &&
    typeof i.data === "string" &&
    typeof r === "object" &&
    r !== null &&
    typeof r.historySize === "number" &&
    typeof r.historyTtlMs === "number" &&
    typeof r.latestKeys === "number"
  );
}
