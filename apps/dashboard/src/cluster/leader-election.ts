/**
 * Which node is the rollup leader: the one node that rolls up every series, closes seconds,
 * publishes `metrics:<id>` and replicates its buckets to the others. Three ways to know it:
 * alone (`SoloElection`), told by the cluster primary (`PrimaryElection`), or agreed over the
 * broker by heartbeats (`HeartbeatElection`).
 */

/** Reports the current leader; every implementation passes the same node ids as the bus uses. */
export interface LeaderElection {
  /** Node id of the current leader; undefined while not known yet. */
  readonly leader: string | undefined;
  /** Starts; `onChange` runs at every change of leader (this node included). */
  start(onChange: (leader: string | undefined) => void): Promise<void>;
  /** Stops (and, where it can, tells the others this node is gone). */
  close(): Promise<void>;
}

/** One node on its own: always the leader. */
export class SoloElection implements LeaderElection {
  leader: string | undefined;

  constructor(private readonly nodeId: string) {}

  async start(onChange: (leader: string | undefined) => void): Promise<void> {
    this.leader = this.nodeId;
    onChange(this.leader);
  }

  async close(): Promise<void> {}
}

/** A node as heartbeats report it: when it started (the oldest leads) and when it was last heard. */
export interface NodeSeen {
  since: number;
  seen: number;
}

/** The oldest node (smallest start time, then smallest id): every node computes the same. */
export function oldestNode(nodes: Iterable<[string, { since: number }]>): string | undefined {
  let best: [string, { since: number }] | undefined;
  for (const entry of nodes)
    if (
      best === undefined ||
      entry[1].since < best[1].since ||
      (entry[1].since === best[1].since && entry[0] < best[0])
    )
      best = entry;
  return best?.[0];
}
