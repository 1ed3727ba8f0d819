/**
 * Rollup replication: the leader sends, once per second, every bucket that closed or changed
 * (1 s, 10 s and 1 min rings, with late points' corrections) and its closed horizon on
 * `$rollups`; every other node writes them into its own `SeriesStore` replica, so
 * `/api/v1/query` and `/api/v1/series` answer locally and the same on every node, and a node
 * that becomes leader continues from its replica.
 */
import type { RawBucket, SeriesStore, StoreCursor } from "../rollup/series-store.js";
import type { InternalBus } from "./internal-bus.js";

/** The internal topic of replicated buckets. */
export const ROLLUPS_TOPIC = "$rollups";

/** Buckets per message: keeps messages well under the brokers' payload limits (NATS: 1 MB). */
export const BUCKETS_PER_MESSAGE = 1000;

/** Buckets per page when a new replica copies the leader's store (each page one request). */
export const BUCKETS_PER_PAGE = 4000;

/** `$rollups` messages a replica holds while it copies the store; past it the copy starts over. */
export const MAX_HELD_MESSAGES = 1000;

type BucketEntry = RawBucket;

/** A page of the leader's store, as `page` answers. */
interface StorePage {
  buckets: RawBucket[];
  next?: StoreCursor;
  cu: number;
}

/** A `$rollups` message: from the leader `from`, data final up to `cu` (ms) once `end` is set. */
interface RollupMessage {
  from: string;
  cu: number;
  b: BucketEntry[];
  end: boolean;
}

/** Counters of replication. */
export interface ReplicationStats {
  /** Buckets sent (leader). */
  sent: number;
  /** Buckets applied (replica). */
  applied: number;
  /** Buckets a replica could not apply (series limit, out of the ring). */
  refused: number;
  /** Full copies of the leader's store made (a new replica, or a former leader). */
  syncs: number;
}

/** Sends (leader) and applies (replica) closed rollup buckets. */
export class RollupReplication {
  readonly stats: ReplicationStats = { sent: 0, applied: 0, refused: 0, syncs: 0 };
  /** While copying the store: live messages held back, applied after the copy (they are newer). */
  private held: RollupMessage[] | undefined;
  private overflowed = false;

  constructor(
    private readonly bus: InternalBus,
    private readonly nodeId: string,
    private readonly store: SeriesStore,
    private readonly warn: (err: unknown) => void,
  ) {}

  /** Starts applying the leader's buckets. */
  async start(): Promise<void> {
    await this.bus.listen(ROLLUPS_TOPIC, (m) => this.apply(m as RollupMessage));
  }

  /** Leader, after closing seconds: sends what closed or changed, and the new horizon. */
  replicate(): void {
    const cu = this.store.closedUntilMs;
    let batch: BucketEntry[] = [];
    const flush = (end: boolean) => {
      const message: RollupMessage = { from: this.nodeId, cu, b: batch, end };
      this.stats.sent += batch.length;
      batch = [];
      this.bus.send(ROLLUPS_TOPIC, message).catch(this.warn);
    };
    this.store.collectChanges((s, ring, n, fields) => {
      batch.push([s.id, ring, n, ...fields]);
      if (batch.length >= BUCKETS_PER_MESSAGE) flush(false);
    });
    flush(true);
  }

  /** Leader: one page of the store for a replica that copies it. */
  page(body: unknown): StorePage {
    const cursor = (body as { cursor?: StoreCursor } | null)?.cursor;
    const valid =
      cursor !== undefined &&
      typeof cursor === "object" &&
      typeof cursor.id === "string" &&
      typeof cursor.ring === "number" &&
      typeof cursor.n === "number";
    return { ...this.store.exportPage(valid ? cursor : undefined, BUCKETS_PER_PAGE), cu: this.store.closedUntilMs };
  }

  /**
   * Replica: copies the leader's whole store page by page (`fetchPage` asks the leader), holding
   * live `$rollups` back meanwhile and applying them after, so the copy ends current.
   */
  async sync(fetchPage: (cursor: StoreCursor | undefined) => Promise<unknown>): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      this.held = [];
      this.overflowed = false;
      let cursor: StoreCursor | undefined;
      let cu = 0;
      try {
        do {
          const page = (await fetchPage(cursor)) as StorePage;
          this.applyBuckets(page.buckets);
          cursor = page.next;
          cu = page.cu;
        } while (cursor !== undefined);
      } finally {
        const held = this.held;
        this.held = undefined;
        for (const m of held) this.apply(m);
      }
      this.store.advanceClosedUntil(cu);
      this.stats.syncs++;
      if (!this.overflowed) return;
    }
  }

  private apply(m: RollupMessage): void {
    if (typeof m !== "object" || m === null || m.from === this.nodeId || !Array.isArray(m.b)) return;
    if (this.held !== undefined) {
      if (this.held.length < MAX_HELD_MESSAGES) this.held.push(m);
      else this.overflowed = true;
      return;
    }
    this.applyBuckets(m.b);
    // The horizon moves only when the whole second's buckets are in: a query never sees half of one.
    if (m.end && typeof m.cu === "number") this.store.advanceClosedUntil(m.cu);
  }

  private applyBuckets(buckets: unknown): void {
    if (!Array.isArray(buckets)) return;
    for (const entry of buckets) {
      if (!Array.isArray(entry)) continue;
      const [id, ring, n, ...fields] = entry;
      if (
        typeof id === "string" &&
        typeof ring === "number" &&
        typeof n === "number" &&
        this.store.applyBucket(id, ring, n, fields)
      )
        this.stats.applied++;
      else this.stats.refused++;
    }
  }
}
