/**
 * Leader election among the workers of one machine (`dashwire start --workers N` without an
 * external broker): the primary sees every worker start and exit, so it simply names the oldest
 * live worker and tells all of them; a worker that dies is replaced as leader at once.
 */
import { CONTROL_TAG } from "@dashwire/server";
import { type LeaderElection, oldestNode } from "./leader-election.js";

/** Control messages about leadership between a worker and its primary. */
type LeaderMessage =
  | { tag: typeof CONTROL_TAG; k: "node"; node: string; since: number }
  | { tag: typeof CONTROL_TAG; k: "leader"; node: string | null };

function controlMessage(m: unknown): LeaderMessage | undefined {
  if (typeof m !== "object" || m === null || (m as { tag?: unknown }).tag !== CONTROL_TAG) return undefined;
  const k = (m as { k?: unknown }).k;
  return k === "node" || k === "leader" ? (m as LeaderMessage) : undefined;
}

/** The worker side: announces this node to the primary and follows the leader it names. */
export class PrimaryElection implements LeaderElection {
  leader: string | undefined;
  private listener: ((m: unknown) => void) | undefined;

  constructor(
    private readonly nodeId: string,
    private readonly proc: NodeJS.Process = process,
  ) {}

  async start(onChange: (leader: string | undefined) => void): Promise<void> {
    this.listener = (m: unknown) => {
      const msg = controlMessage(m);
      if (msg?.k !== "leader") return;
      const leader = msg.node ?? undefined;
      if (leader === this.leader) return;
      this.leader = leader;
      onChange(leader);
    };
    this.proc.on("message", this.listener);
    this.proc.send?.({ tag: CONTROL_TAG, k: "node", node: this.nodeId, since: Date.now() } satisfies LeaderMessage);
  }

  async close(): Promise<void> {
    if (this.listener !== undefined) this.proc.off("message", this.listener);
  }
}

/** The primary side: tracks the workers' nodes by slot and names the oldest as leader. */
export class LeaderAssigner {
  private readonly nodes = new Map<number, { node: string; since: number }>();
  private leader: string | undefined;

  constructor(private readonly broadcast: (message: object) => void) {}

  /** A message from the worker in `slot`; returns true when it was a leadership message. */
  message(slot: number, m: unknown, reply: (message: object) => void): boolean {
    const msg = controlMessage(m);
    if (msg?.k !== "node" || typeof msg.node !== "string" || typeof msg.since !== "number") return false;
    this.nodes.set(slot, { node: msg.node, since: msg.since });
    if (!this.decide()) reply(this.announcement());
    return true;
  }

  /** The worker in `slot` exited. */
  exited(slot: number): void {
    if (this.nodes.delete(slot)) this.decide();
  }

  /** Current leader's node id. */
  get current(): string | undefined {
    return this.leader;
  }

  private decide(): boolean {
    const leader = oldestNode([...this.nodes.values()].map((n) => [n.node, n] as [string, { since: number }]));
    if (leader === this.leader) return false;
    this.leader = leader;
    this.broadcast(this.announcement());
    return true;
  }

  private announcement(): LeaderMessage {
    return { tag: CONTROL_TAG, k: "leader", node: this.leader ?? null };
  }
}
