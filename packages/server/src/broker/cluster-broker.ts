import { ErrorCode } from "@dashwire/protocol";
import { BatchQueue, batchItems, type HostMessage, type WorkerRequest } from "../cluster/cluster-messages.js";
import { type ClusterPort, processPort } from "../cluster/cluster-port.js";
import { DashwireError } from "../errors.js";
import type {
  Broker,
  BrokerSink,
  BrokerStatus,
  HistoryQuery,
  HistoryResult,
  Publication,
  PublishInput,
} from "./broker.js";

/** Options of `ClusterBroker`. */
export interface ClusterBrokerOptions {
  /** The channel to the primary's `ClusterBrokerHost`; default: this worker's IPC channel. */
  port?: ClusterPort;
  /** Requests awaiting the host's reply; past it `publish`/`history` reject at once (coded 5001). */
  maxPending: number;
  /** A request the host has not answered after this long rejects, ms. */
  requestTimeoutMs: number;
  /** `start` waits this long for the host, then resolves degraded (it becomes ok when the host answers). */
  startTimeoutMs: number;
}

/** Defaults of `ClusterBrokerOptions`. */
export const clusterBrokerDefaults: ClusterBrokerOptions = {
  maxPending: 100_000,
  requestTimeoutMs: 10_000,
  startTimeoutMs: 5_000,
};

interface Pending {
  resolve(message: Extract<HostMessage, { k: "ok" }>): void;
  reject(err: Error): void;
  at: number;
}

/**
 * The worker side of the in-machine cluster broker (`dashwire start --workers N` without Redis or
 * NATS): offsets, history and fan-out live in the primary's `ClusterBrokerHost`; this broker
 * forwards requests over IPC, batched per event-loop turn, and receives only the topics this
 * worker subscribed to.
 */
export class ClusterBroker implements Broker {
  readonly name = "cluster";
  private readonly options: ClusterBrokerOptions;
  private port: ClusterPort | undefined;
  private sink: BrokerSink | undefined;
  private queue: BatchQueue<WorkerRequest> | undefined;
  private readonly pending = new Map<number, Pending>();
  private lastId = 0;
  private sweeper: NodeJS.Timeout | undefined;
  private status: BrokerStatus = { ok: false, reason: "starting" };
  private closed = false;
  /** Why the channel to the primary is gone for good (it never comes back for this process). */
  private gone: string | undefined;

  constructor(options: Partial<ClusterBrokerOptions> = {}) {
    this.options = { ...clusterBrokerDefaults, ...options };
  }

  async start(sink: BrokerSink): Promise<void> {
    this.sink = sink;
    const port = this.options.port ?? processPort();
    this.port = port;
    this.queue = new BatchQueue<WorkerRequest>((batch, sent) => port.send(batch, sent));
    port.onMessage((message) => {
      const items = batchItems(message);
      if (items !== undefined) for (const item of items) this.receive(item as HostMessage);
    });
    port.onClose(() => this.lost("cluster primary went away"));
    // One timer for every request's deadline: the map is in send order, so the oldest come first.
    this.sweeper = setInterval(this.sweep, Math.min(1000, this.options.requestTimeoutMs));
    this.sweeper.unref();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), this.options.startTimeoutMs);
    });
    const hello = this.request({ k: "hello", id: 0 }, Number.POSITIVE_INFINITY).then(() => {
      if (!this.closed) this.setStatus({ ok: true });
      return "ok" as const;
    });
    hello.catch(() => {});
    if ((await Promise.race([hello, timeout])) === "timeout")
      this.setStatus({ ok: false, reason: "no answer from the cluster primary yet" });
    clearTimeout(timer);
  }

  async publish(input: PublishInput): Promise<Publication> {
    const reply = await this.request({ k: "pub", id: 0, input }, this.options.requestTimeoutMs);
    if (reply.pub === undefined) throw unavailable("malformed reply from the cluster primary");
    return reply.pub;
  }

  async send(topic: string, data: string): Promise<void> {
    await this.request({ k: "send", id: 0, topic, data }, this.options.requestTimeoutMs);
  }

  async subscribe(topic: string): Promise<void> {
    await this.request({ k: "sub", id: 0, topic }, this.options.requestTimeoutMs);
  }

  async unsubscribe(topic: string): Promise<void> {
    if (this.closed) return;
    await this.request({ k: "unsub", id: 0, topic }, this.options.requestTimeoutMs);
  }

  async history(topic: string, query: HistoryQuery): Promise<HistoryResult> {
    const reply = await this.request({ k: "hist", id: 0, topic, query }, this.options.requestTimeoutMs);
    if (reply.hist === undefined) throw unavailable("malformed reply from the cluster primary");
    return reply.hist;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweeper);
    this.queue?.flush();
    this.port?.close();
    this.failAll("closed");
    this.sink?.onStatus({ ok: false, reason: "closed" });
    this.sink = undefined;
  }

  private request(req: WorkerRequest, timeoutMs: number): Promise<Extract<HostMessage, { k: "ok" }>> {
    if (this.closed || this.gone !== undefined || this.queue === undefined)
      return Promise.reject(unavailable(this.closed ? "closed" : (this.gone ?? "not started")));
    if (this.pending.size >= this.options.maxPending)
      return Promise.reject(unavailable(`${this.options.maxPending} requests already waiting for the cluster primary`));
    const id = ++this.lastId;
    req.id = id;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, at: timeoutMs === Number.POSITIVE_INFINITY ? Infinity : Date.now() });
      (this.queue as BatchQueue<WorkerRequest>).push(req);
    });
  }

  private receive(m: HostMessage): void {
    switch (m.k) {
      case "pub":
        this.sink?.onPublication(m.p);
        return;
      case "msg":
        this.sink?.onMessage(m.topic, m.data);
        return;
      case "ok": {
        const p = this.pending.get(m.id);
        if (p === undefined) return;
        this.pending.delete(m.id);
        p.resolve(m);
        return;
      }
      case "err": {
        const p = this.pending.get(m.id);
        if (p === undefined) return;
        this.pending.delete(m.id);
        p.reject(unavailable(m.message));
        return;
      }
      case "status":
        this.setStatus(m.status);
        return;
    }
  }

  private readonly sweep = (): void => {
    const oldest = Date.now() - this.options.requestTimeoutMs;
    for (const [id, p] of this.pending) {
      if (p.at === Infinity) continue;
      if (p.at > oldest) break;
      this.pending.delete(id);
      p.reject(unavailable(`no answer from the cluster primary in ${this.options.requestTimeoutMs} ms`));
    }
  };

  private lost(reason: string): void {
    if (this.closed) return;
    this.gone = reason;
    this.failAll(reason);
    this.setStatus({ ok: false, reason });
  }

  private failAll(reason: string): void {
    for (const p of this.pending.values()) p.reject(unavailable(reason));
    this.pending.clear();
  }

  private setStatus(status: BrokerStatus): void {
    this.status = status;
    this.sink?.onStatus(status);
  }

  /** Link state as last reported. */
  get linkStatus(): BrokerStatus {
    return this.status;
  }
}

function unavailable(reason: string): DashwireError {
  return new DashwireError(ErrorCode.BrokerUnavailable, `cluster broker: ${reason}`);
}
