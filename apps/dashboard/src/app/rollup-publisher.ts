import type { DashwireServer } from "@dashwire/server";
import { type LiveBucket, seriesTopic, withSeriesId } from "../series/series-topic.js";
import type { BucketTuple } from "../store/store.js";
import type { DashboardStats } from "./dashboard-stats.js";

/** Publications allowed in flight to the broker; past it a second's rollups are skipped and counted. */
export const MAX_INFLIGHT_PUBLISHES = 50_000;

/**
 * Publishes each closed (or previewed) second of a series on `metrics:<seriesId>`, keyed by the
 * series for latest-value tracking. At most `MAX_INFLIGHT_PUBLISHES` wait for the broker: past
 * it a rollup is skipped and counted (`publishesSkipped`), never queued without bound.
 */
export class RollupPublisher {
  private inflight = 0;

  constructor(
    private readonly server: DashwireServer,
    private readonly stats: DashboardStats,
    private readonly log: DashwireServer["logger"],
  ) {}

  /**
   * Publishes one bucket of series `id` (the `BucketSink` of `LiveRollups`): resolves true once
   * the broker took it, false when skipped (in-flight limit) or failed (counted and logged).
   */
  readonly publish = (id: string, b: BucketTuple): Promise<boolean> => {
    const stats = this.stats;
    if (this.inflight >= MAX_INFLIGHT_PUBLISHES) {
      stats.publishesSkipped++;
      return Promise.resolve(false);
    }
    this.inflight++;
    stats.publishes++;
    const bucket = { t: b[0], count: b[1], sum: b[2], min: b[3], max: b[4], last: b[5] } satisfies LiveBucket;
    return this.server
      .publish(seriesTopic(id), withSeriesId(id, bucket), { key: id })
      .then(
        () => true,
        (err: unknown) => {
          stats.publishErrors++;
          this.log.warn({ err, series: id }, "publish failed");
          return false;
        },
      )
      .finally(() => this.inflight--);
  };

  /** At shutdown: waits (at most about a second) for the publications in flight. */
  async settle(): Promise<void> {
    for (let i = 0; i < 100 && this.inflight > 0; i++) await new Promise((r) => setTimeout(r, 10));
  }
}
