/**
 * Collects the points the feeds (demo, system) write during a tick and stores them in one
 * write, in the second that just ended (the tick runs just after each boundary; its samples
 * describe that second, which is published right after the write). Several nodes write the same system series each second, and a point is identified by
 * series and timestamp (a second point with the same ts replaces the first): each node
 * therefore writes at its own millisecond within the second (`slotOf(nodeId)`), so every node's
 * sample counts (a bucket's `count` is the number of nodes, `sum` the total). Two nodes share a
 * slot with probability 1/1000 per pair; then one replaces the other's sample in that series.
 */
import { createHash } from "node:crypto";
import type { Tags } from "../series/series-id.js";
import type { IncomingPoint, MetricsWriter } from "../store/metrics-writer.js";
import type { PointSink } from "./demo-feed.js";

/** Most feed points held for one write (the feeds write a few dozen a second). */
export const MAX_FEED_POINTS = 10_000;

/** The millisecond within each second at which node `nodeId` writes its feed points. */
export function slotOf(nodeId: string): number {
  return createHash("sha256").update(nodeId).digest().readUInt16BE(0) % 1000;
}

/** One tick's feed points, written together. */
export class FeedBatch {
  private points: IncomingPoint[] = [];
  private readonly slot: number;
  /** Points dropped because the batch was full (counted, never silent). */
  dropped = 0;

  constructor(
    private readonly writer: MetricsWriter,
    nodeId: string,
    private readonly onError: (err: unknown) => void,
  ) {
    this.slot = slotOf(nodeId);
  }

  /** The feeds' sink: a point at this node's slot of the second before the one of `ts`. */
  readonly sink: PointSink = (name: string, tags: Tags | undefined, value: number, ts: number) => {
    if (this.points.length >= MAX_FEED_POINTS) {
      this.dropped++;
      return;
    }
    this.points.push({ name, tags, value, ts: Math.floor(ts / 1000) * 1000 - 1000 + this.slot });
  };

  /** Writes what was collected (errors go to `onError`: feeds are best effort, clients are not). */
  async flush(): Promise<void> {
    const points = this.points;
    this.points = [];
    if (points.length === 0) return;
    try {
      await this.writer.write(points);
    } catch (err) {
      this.onError(err);
    }
  }
}
