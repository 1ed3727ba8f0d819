/**
 * This node's part in a dashboard cluster. One node, the rollup leader, owns the rollups and the
 * dashboards file: it rolls up every series once, closes seconds, publishes `metrics:<id>`,
 * replicates closed buckets (`RollupReplication`) and dashboard changes (`$dashboards`). The
 * other nodes forward ingest and dashboard writes to it (`NodeRpc`) and answer reads from their
 * replicas. Alone (no bus), the node is its own leader and nothing leaves the process.
 */
import type { DashboardChange, DashboardSnapshot, DashboardStore } from "../dashboards/dashboard-store.js";
import type { Dashboard } from "../dashboards/dashboard-schema.js";
import { ApiError, ApiErrorCode } from "../errors.js";
import { type IngestResult, ingestPoints } from "../ingest/ingest.js";
import type { ParseResult, Point } from "../ingest/point.js";
import type { SeriesStore } from "../rollup/series-store.js";
import type { Tags } from "../series/series-id.js";
import type { InternalBus } from "./internal-bus.js";
import type { LeaderElection } from "./leader-election.js";
import { NodeRpc, unavailable } from "./node-rpc.js";
import { RollupReplication } from "./rollup-replication.js";

/** The internal topic of dashboard changes. */
export const DASHBOARDS_TOPIC = "$dashboards";

/** Feed points (system metrics) a follower buffers per tick for the leader; more are dropped and counted. */
export const MAX_FORWARDED_FEED_POINTS = 10_000;

/** What a `ClusterNode` works with. */
export interface ClusterNodeDeps {
  nodeId: string;
  /** Internal topics on the broker; undefined when the node is alone. */
  bus: InternalBus | undefined;
  election: LeaderElection;
  series: SeriesStore;
  dashboards: DashboardStore;
  /** Whether a follower writes dashboards to its own file (machines) or not (workers sharing one). */
  persistReplica: boolean;
  /** How long a forwarded request waits for the leader, ms. */
  rpcTimeoutMs: number;
  warn: (err: unknown, message: string) => void;
}

/** Counters of the cluster node. */
export interface ClusterNodeStats {
  leaderChanges: number;
  /** Ingest requests forwarded to the leader. */
  forwarded: number;
  /** Feed points not forwarded (buffer full or no leader). */
  feedDropped: number;
}

type DashboardOp =
  | { op: "create"; body: unknown }
  | { op: "put"; id: string; body: unknown }
  | { op: "delete"; id: string };

/** Leader or follower, with one API for both. */
export class ClusterNode {
  readonly stats: ClusterNodeStats = { leaderChanges: 0, forwarded: 0, feedDropped: 0 };
  private readonly rpc: NodeRpc | undefined;
  readonly replication: RollupReplication | undefined;
  private leading = false;
  /** False until this node's replica was copied from a leader (and again after it led). */
  private synced = false;
  private previousLeader: string | undefined;
  private feed: Array<[string, Tags | undefined, number, number]> = [];

  constructor(private readonly deps: ClusterNodeDeps) {
    const { bus, nodeId } = deps;
    if (bus === undefined) return;
    this.rpc = new NodeRpc(bus, nodeId, { timeoutMs: deps.rpcTimeoutMs });
    this.replication = new RollupReplication(bus, nodeId, deps.series, (err) => deps.warn(err, "replication failed"));
    this.rpc
      .handle("ingest", (body) => this.leaderIngest(body))
      .handle("feed", (body) => this.leaderFeed(body))
      .handle("dash", (body) => this.leaderDashboards(body as DashboardOp))
      .handle("dash.snapshot", () => this.deps.dashboards.snapshot())
      .handle("rollups.page", (body) => {
        if (!this.leading) throw notLeader();
        return this.replication?.page(body);
      });
  }

  /** True while this node is the rollup leader. */
  get isLeader(): boolean {
    return this.leading;
  }

  /** The leader's node id, when known. */
  get leader(): string | undefined {
    return this.deps.election.leader;
  }

  /** Listens on the internal topics and starts the election. Call after the server's broker started. */
  async start(): Promise<void> {
    const { bus } = this.deps;
    if (bus !== undefined) {
      await this.rpc?.start();
      await this.replication?.start();
      await bus.listen(DASHBOARDS_TOPIC, (m) => this.applyDashboardChange(m as DashboardChange & { from?: string }));
    }
    await this.deps.election.start((leader) => this.leaderChanged(leader));
  }

  /** Stores ingested points: here when leading, else on the leader (its answer is returned). */
  async ingest(parsed: ParseResult, by: "index" | "line"): Promise<IngestResult> {
    if (this.leading) return ingestPoints(this.deps.series, parsed, by);
    const leader = this.requireLeader();
    // "Now" is when the point reached the cluster, not when the leader got it.
    const now = Date.now();
    for (const p of parsed.points) p.ts ??= now;
    this.stats.forwarded++;
    return (await (this.rpc as NodeRpc).call(leader, "ingest", { parsed, by })) as IngestResult;
  }

  /** A point from a feed of this node (system metrics): stored when leading, else sent to the leader at the tick's end. */
  point(name: string, tags: Tags | undefined, value: number, ts: number): boolean {
    if (this.leading) return this.deps.series.add(name, tags, value, ts) === undefined;
    if (this.feed.length >= MAX_FORWARDED_FEED_POINTS) {
      this.stats.feedDropped++;
      return false;
    }
    this.feed.push([name, tags, value, ts]);
    return true;
  }

  /** End of a tick: the leader replicates what closed; a follower sends its feed points. */
  afterTick(): void {
    if (this.leading) {
      this.replication?.replicate();
      return;
    }
    const points = this.feed;
    this.feed = [];
    const leader = this.deps.election.leader;
    if (points.length === 0) return;
    if (leader === undefined || this.rpc === undefined) {
      this.stats.feedDropped += points.length;
      return;
    }
    this.rpc.notify(leader, "feed", points).catch((err: unknown) => this.deps.warn(err, "feed forward failed"));
  }

  /** Creates a dashboard (on the leader). */
  async createDashboard(body: unknown): Promise<Dashboard> {
    const { change } = await this.dashboardOp({ op: "create", body });
    return change.d as Dashboard;
  }

  /** Creates or replaces a dashboard (on the leader). */
  async putDashboard(id: string, body: unknown): Promise<{ dashboard: Dashboard; created: boolean }> {
    const { change, created } = await this.dashboardOp({ op: "put", id, body });
    return { dashboard: change.d as Dashboard, created: created === true };
  }

  /** Deletes a dashboard (on the leader). */
  async deleteDashboard(id: string): Promise<void> {
    await this.dashboardOp({ op: "delete", id });
  }

  /** Stops: no more forwarding or replication; others elect a new leader. */
  async close(): Promise<void> {
    await this.deps.election.close();
    await this.rpc?.close();
  }

  private requireLeader(): string {
    const leader = this.deps.election.leader;
    if (leader === undefined || this.rpc === undefined) throw unavailable("no leader elected yet");
    return leader;
  }

  private async dashboardOp(op: DashboardOp): Promise<{ change: DashboardChange; created?: boolean }> {
    if (this.leading) return this.leaderDashboards(op);
    const answer = (await (this.rpc as NodeRpc).call(this.requireLeader(), "dash", op)) as {
      change: DashboardChange;
      created?: boolean;
    };
    // Read your writes: the change is here before the reply, whatever the broadcast's timing.
    await this.deps.dashboards.applyChange(answer.change);
    return answer;
  }

  private async leaderDashboards(op: DashboardOp): Promise<{ change: DashboardChange; created?: boolean }> {
    if (!this.leading) throw notLeader();
    const store = this.deps.dashboards;
    let id: string;
    let created: boolean | undefined;
    switch (op.op) {
      case "create":
        id = (await store.create(op.body)).id;
        break;
      case "put":
        ({ created } = await store.put(op.id, op.body));
        id = op.id;
        break;
      case "delete":
        await store.delete(op.id);
        id = op.id;
        break;
      default:
        throw new ApiError(400, ApiErrorCode.InvalidField, "unknown dashboard operation");
    }
    const change = store.changeOf(id);
    // Answer once the broker has the change: every other node gets it before any later request.
    await this.deps.bus
      ?.send(DASHBOARDS_TOPIC, { ...change, from: this.deps.nodeId })
      .catch((err: unknown) => this.deps.warn(err, "dashboard broadcast failed"));
    return created === undefined ? { change } : { change, created };
  }

  private applyDashboardChange(m: DashboardChange & { from?: string }): void {
    if (typeof m !== "object" || m === null || m.from === this.deps.nodeId || typeof m.id !== "string") return;
    if (typeof m.rev !== "number") return;
    const change: DashboardChange = { rev: m.rev, id: m.id };
    if (m.d !== undefined) change.d = m.d;
    this.deps.dashboards.applyChange(change).catch((err: unknown) => this.deps.warn(err, "dashboard apply failed"));
  }

  private leaderIngest(body: unknown): IngestResult {
    if (!this.leading) throw notLeader();
    const { parsed, by } = body as { parsed: ParseResult; by: "index" | "line" };
    if (
      typeof parsed !== "object" ||
      parsed === null ||
      !Array.isArray(parsed.points) ||
      !Array.isArray(parsed.rejected)
    )
      throw new ApiError(400, ApiErrorCode.InvalidField, "malformed forwarded ingest");
    parsed.points = parsed.points.filter(isPoint);
    return ingestPoints(this.deps.series, parsed, by === "line" ? "line" : "index");
  }

  private leaderFeed(body: unknown): void {
    if (!this.leading || !Array.isArray(body)) return;
    for (const p of body)
      if (Array.isArray(p) && typeof p[0] === "string" && typeof p[2] === "number" && typeof p[3] === "number")
        this.deps.series.add(p[0], (p[1] ?? undefined) as Tags | undefined, p[2], p[3]);
  }

  private leaderChanged(leader: string | undefined): void {
    const leading = leader === this.deps.nodeId;
    this.stats.leaderChanges++;
    // Requests forwarded to the former leader will not be answered: fail them now (503, retry).
    if (this.previousLeader !== undefined && this.previousLeader !== leader) this.rpc?.abandon(this.previousLeader);
    this.previousLeader = leader;
    const { dashboards, series } = this.deps;
    if (leading !== this.leading) {
      this.leading = leading;
      // The leader records what it writes for replication; its file is the reference copy.
      series.trackChanges(leading && this.deps.bus !== undefined);
      if (leading && this.deps.bus !== undefined) series.rebuildOpenBuckets();
      dashboards
        .setWritable(leading || this.deps.persistReplica)
        .catch((err: unknown) => this.deps.warn(err, "dashboards save failed"));
    }
    if (leading) this.synced = false;
    const rpc = this.rpc;
    if (leading || leader === undefined || rpc === undefined) return;
    rpc
      .call(leader, "dash.snapshot", null)
      .then((snapshot) => dashboards.replaceAll(snapshot as DashboardSnapshot))
      .catch((err: unknown) => this.deps.warn(err, "dashboards sync from the leader failed"));
    // A new replica (or a former leader) copies the leader's rollups once; after that the
    // `$rollups` stream keeps it identical.
    if (!this.synced && this.replication !== undefined) {
      this.synced = true;
      this.replication
        .sync((cursor) => rpc.call(leader, "rollups.page", { cursor }))
        .catch((err: unknown) => {
          this.synced = false;
          this.deps.warn(err, "rollups sync from the leader failed");
        });
    }
  }
}

function notLeader(): ApiError {
  return new ApiError(503, ApiErrorCode.Unavailable, "this node is no longer the rollup leader; retry");
}

function isPoint(p: unknown): p is Point {
  if (typeof p !== "object" || p === null) return false;
  const { name, value, ts, tags } = p as Partial<Point>;
  return (
    typeof name === "string" &&
    typeof value === "number" &&
    (ts === undefined || typeof ts === "number") &&
    (tags === undefined || (typeof tags === "object" && tags !== null))
  );
}
