/**
 * Leader election over the broker, for nodes on several machines (Redis or NATS): every node
 * publishes a heartbeat on `$nodes` each `heartbeatMs`; a node not heard for `timeoutMs` is gone;
 * the oldest live node leads. Every node sees the same heartbeats, so they agree once a
 * heartbeat round has passed. A node that starts waits one round before it may lead (it has to
 * hear the older ones first). While the broker link is down nobody is declared gone (the view is
 * frozen): a partition must not make every node a leader.
 */
import type { InternalBus } from "./internal-bus.js";
import { type LeaderElection, type NodeSeen, oldestNode } from "./leader-election.js";

/** Options of `HeartbeatElection`. */
export interface HeartbeatElectionOptions {
  /** Interval of heartbeats, ms. */
  heartbeatMs: number;
  /** A node silent this long is gone, ms. */
  timeoutMs: number;
  /** Most nodes tracked (heartbeats from more are ignored). */
  maxNodes: number;
}

/** Defaults of `HeartbeatElectionOptions`. */
export const heartbeatElectionDefaults: HeartbeatElectionOptions = {
  heartbeatMs: 1000,
  timeoutMs: 3500,
  maxNodes: 1000,
};

/** The internal topic of heartbeats. */
export const NODES_TOPIC = "$nodes";

interface Heartbeat {
  n: string;
  s: number;
  bye?: 1;
}

/** Oldest-live-node election by heartbeats on the broker. */
export class HeartbeatElection implements LeaderElection {
  leader: string | undefined;
  readonly options: HeartbeatElectionOptions;
  private readonly nodes = new Map<string, NodeSeen>();
  private readonly since = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private onChange: (leader: string | undefined) => void = () => {};
  private frozen = false;
  private settled = false;

  constructor(
    private readonly bus: InternalBus,
    private readonly nodeId: string,
    options: Partial<HeartbeatElectionOptions> = {},
  ) {
    this.options = { ...heartbeatElectionDefaults, ...options };
  }

  async start(onChange: (leader: string | undefined) => void): Promise<void> {
    this.onChange = onChange;
    this.nodes.set(this.nodeId, { since: this.since, seen: Date.now() });
    this.bus.onStatus((status) => {
      if (!status.ok) this.frozen = true;
      else if (this.frozen) {
        // Back online: everyone gets a fresh grace period before being declared gone.
        this.frozen = false;
        const now = Date.now();
        for (const n of this.nodes.values()) n.seen = now;
      }
    });
    await this.bus.listen(NODES_TOPIC, (m) => this.heard(m as Heartbeat));
    this.beat();
    this.timer = setInterval(this.tick, this.options.heartbeatMs);
    this.timer.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.bus.send(NODES_TOPIC, { n: this.nodeId, s: this.since, bye: 1 } satisfies Heartbeat).catch(() => {});
    await this.bus.unlisten(NODES_TOPIC).catch(() => {});
  }

  private readonly tick = (): void => {
    this.beat();
    const now = Date.now();
    if (!this.settled && now - this.since >= this.options.heartbeatMs * 1.5) this.settled = true;
    if (!this.frozen)
      for (const [id, n] of this.nodes)
        if (id !== this.nodeId && now - n.seen > this.options.timeoutMs) this.nodes.delete(id);
    this.decide();
  };

  private beat(): void {
    const self = this.nodes.get(this.nodeId);
    if (self !== undefined) self.seen = Date.now();
    this.bus.send(NODES_TOPIC, { n: this.nodeId, s: this.since } satisfies Heartbeat).catch(() => {});
  }

  private heard(m: Heartbeat): void {
    if (typeof m !== "object" || m === null || typeof m.n !== "string" || typeof m.s !== "number") return;
    if (m.n === this.nodeId) return;
    if (m.bye === 1) this.nodes.delete(m.n);
    else {
      const known = this.nodes.get(m.n);
      if (known !== undefined) known.seen = Date.now();
      else if (this.nodes.size < this.options.maxNodes) this.nodes.set(m.n, { since: m.s, seen: Date.now() });
    }
    this.decide();
  }

  private decide(): void {
    let leader = oldestNode(this.nodes);
    // Not settled yet: follow an older node already heard, but do not lead before a full round.
    if (leader === this.nodeId && !this.settled) leader = undefined;
    if (leader === this.leader) return;
    this.leader = leader;
    this.onChange(leader);
  }
}
