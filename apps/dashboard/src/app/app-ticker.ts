import type { DashwireServer } from "@dashwire/server";
import { DemoFeed } from "../feeds/demo-feed.js";
import { FeedBatch } from "../feeds/feed-batch.js";
import { SystemFeed } from "../feeds/system-feed.js";
import type { LiveRollups } from "../store/live-rollups.js";
import type { MetricsWriter } from "../store/metrics-writer.js";
import type { Store } from "../store/store.js";
import type { DashboardStats } from "./dashboard-stats.js";

/** How often open-second buckets of externally ingested series are previewed (ms). */
const PREVIEW_EVERY_MS = 200;
/** Ticks between two prunes of aged-out rows and series. */
const PRUNE_EVERY_TICKS = 60;
/** Ticks between two reads of the store's series count and size (for the system feed). */
const STATS_EVERY_TICKS = 5;

/** What the tick drives. */
export interface AppTickerDeps {
  server: DashwireServer;
  store: Store;
  writer: MetricsWriter;
  live: LiveRollups;
  stats: DashboardStats;
  nodeId: string;
  /** Runs the demo feed. */
  demo: boolean;
  /** Writes the system series (the figures /metrics serves). */
  systemFeed: boolean;
}

/**
 * The once-a-second tick, aligned a few ms after each second boundary so a second is closed as
 * soon as it ends: the feeds (demo, system) write their points in one batch, then the second's
 * rollups are closed and published; every minute aged-out rows are pruned; every 5 s the store's
 * series count and size are read. Between ticks, open seconds of watched series are previewed
 * every 200 ms.
 */
export class AppTicker {
  /** Series in the store (read every few ticks). */
  seriesCount = 0;
  /** Bytes the store takes on disk (read every few ticks). */
  storeBytes = 0;
  private readonly feed: FeedBatch;
  private readonly demo: DemoFeed | undefined;
  private readonly system: SystemFeed | undefined;
  private ticks = 0;
  private timer: NodeJS.Timeout | undefined = undefined;
  private previewTimer: NodeJS.Timeout | undefined = undefined;

  constructor(private readonly deps: AppTickerDeps) {
    const log = deps.server.logger;
    this.feed = new FeedBatch(deps.writer, deps.nodeId, (err) => {
      deps.stats.feedDropped++;
      log.warn({ err }, "feed points not stored");
    });
    this.demo = deps.demo ? new DemoFeed(this.feed.sink) : undefined;
    this.system = deps.systemFeed
      ? new SystemFeed(this.feed.sink, () => deps.server.metrics(), this.warnOf("system figures unavailable"))
      : undefined;
  }

  /** Starts the open-second previews (at construction of the app, before it listens). */
  startPreviews(): void {
    // Open-second previews of externally ingested series, a few times a second at most.
    this.previewTimer = setInterval(() => {
      this.deps.live.preview().catch(this.warnOf("preview failed"));
    }, PREVIEW_EVERY_MS);
    this.previewTimer.unref();
  }

  /** Starts ticking (once the app listens). */
  start(): void {
    this.schedule();
  }

  /** Stops both timers. */
  stop(): void {
    clearTimeout(this.timer);
    clearInterval(this.previewTimer);
  }

  private readonly tick = (): void => {
    const { store, live, server } = this.deps;
    const now = Date.now();
    try {
      this.demo?.tick(now);
      this.system?.tick(now);
    } catch (err) {
      server.logger.error({ err }, "tick failed");
    }
    this.feed
      .flush()
      .then(() => live.closeSeconds())
      .catch(this.warnOf("closing seconds failed"));
    if (++this.ticks % PRUNE_EVERY_TICKS === 0) store.prune(now).catch(this.warnOf("prune failed"));
    if (this.ticks % STATS_EVERY_TICKS === 0)
      Promise.all([store.seriesCount(), store.diskBytes()])
        .then(([n, bytes]) => {
          this.seriesCount = n;
          this.storeBytes = bytes;
        })
        .catch(this.warnOf("store stats failed"));
    this.schedule();
  };

  private schedule(): void {
    this.timer = setTimeout(this.tick, 1000 - (Date.now() % 1000) + 5);
  }

  private warnOf(what: string): (err: unknown) => void {
    return (err: unknown) => this.deps.server.logger.warn({ err }, what);
  }
}
