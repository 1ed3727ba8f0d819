import { isForSeries, seriesTopic } from "../../../src/series/series-topic.js";
import { query } from "../api.js";
import type { LiveClient, LiveSubscription } from "./live-client.js";
import { rowToBucket, SeriesWindow, toBucket } from "./series-window.js";

/** Options of a `SeriesFeed`. */
export interface SeriesFeedOptions {
  /** Series id (`name,k=v`). */
  series: string;
  /** Window to back-fill and keep, ms. */
  windowMs: number;
  /** Live delivery mode: "stream" for charts (every bucket), "latest" for stat/gauge/table. */
  mode: "stream" | "latest";
  /** Flushes per second at most (the server caps it too). */
  maxRate: number;
}

/** Defaults of `SeriesFeedOptions` (all but `series`). */
export const seriesFeedDefaults: Omit<SeriesFeedOptions, "series"> = { windowMs: 300_000, mode: "stream", maxRate: 2 };

/** Where a feed is in its life. */
export type FeedState = "idle" | "live" | "paused" | "stopped";

/** Query step for a window: the rollup resolutions are 1 s, 10 s and 1 min. */
export function stepFor(windowMs: number): number {
  if (windowMs <= 15 * 60_000) return 1000;
  if (windowMs <= 6 * 3_600_000) return 10_000;
  return 60_000;
}

/**
 * One series feeding one panel: back-fills its window from `/api/v1/query`, holds a live
 * subscription to the series' topic (`seriesTopic`, shared with the server), and merges both into
 * a bounded `SeriesWindow`.
 *
 * No gap: the subscription is opened together with the first back-fill, and each time the server
 * confirms it (first subscribe, resubscribe after a reconnect) a short back-fill from the newest
 * bucket held covers anything published while not subscribed. No duplicate: the window keeps
 * each bucket time once. `pause` (tab hidden) drops the subscription; `resume` subscribes again
 * and back-fills the missed span the same way.
 */
export class SeriesFeed {
  readonly window: SeriesWindow;
  readonly options: SeriesFeedOptions;
  state: FeedState = "idle";
  /** Last back-fill error; cleared by the next good answer or live bucket. */
  private queryError: string | null = null;
  /** Why the feed is not live (subscribe refused), until it goes live again. */
  private liveError: string | null = null;
  /** Live publications received (for the debug hook). */
  received = 0;
  private sub: LiveSubscription | null = null;
  private readonly aborts = new Set<AbortController>();

  constructor(
    private readonly client: LiveClient,
    options: Partial<SeriesFeedOptions> & { series: string },
    private readonly onChange: () => void,
  ) {
    this.options = { ...seriesFeedDefaults, ...options };
    this.window = new SeriesWindow({ windowMs: this.options.windowMs, maxPoints: 4096 });
  }

  /** Back-fills the window and goes live. */
  start(): void {
    if (this.state !== "idle") return;
    this.goLive();
  }

  /** What the panel should show as wrong with this feed, or null. */
  get error(): string | null {
    return this.liveError ?? this.queryError;
  }

  /** Stops live delivery (the tab is hidden); the window is kept. */
  pause(): void {
    if (this.state !== "live") return;
    this.state = "paused";
    this.dropSubscription();
  }

  /** Goes live again after `pause`, back-filling what was missed. */
  resume(): void {
    if (this.state !== "paused") return;
    this.goLive();
  }

  /** Stops for good. */
  stop(): void {
    this.state = "stopped";
    this.dropSubscription();
    for (const a of this.aborts) a.abort();
    this.aborts.clear();
  }

  private goLive(): void {
    this.state = "live";
    void this.backfill(this.catchUpFrom());
    let sub: LiveSubscription;
    try {
      sub = this.client.subscribe(seriesTopic(this.options.series), this.onData, {
        mode: this.options.mode,
        maxRate: this.options.maxRate,
        snapshot: true,
      });
    } catch (err) {
      // E.g. the server's subscription limit: the panel keeps its back-filled history.
      this.liveError = `not live: ${(err as Error).message}`;
      this.onChange();
      return;
    }
    this.sub = sub;
    // Each confirmation (first subscribe, and every resubscribe after a reconnect or a gap)
    // re-queries from the newest bucket held: whatever the server published while this feed
    // was not subscribed is in the rollup rings, so the window never keeps a hole.
    sub.on("subscribed", () => {
      if (this.state === "live") void this.backfill(this.catchUpFrom());
    });
    sub.ready.catch((err: unknown) => {
      if (this.state !== "live" || this.sub !== sub) return;
      this.liveError = `subscribe failed: ${(err as Error)?.message ?? String(err)}`;
      this.onChange();
    });
  }

  /** From the newest bucket held (inclusive: its second may have grown), or the window start. */
  private catchUpFrom(): number {
    const start = Date.now() - this.options.windowMs;
    return Math.max(start, this.window.lastT);
  }

  private async backfill(from: number): Promise<void> {
    const to = Date.now();
    if (from >= to) return;
    const ac = new AbortController();
    this.aborts.add(ac);
    try {
      const res = await query(this.options.series, Math.floor(from), to, stepFor(this.options.windowMs), ac.signal);
      if (this.state === "stopped") return;
      const buckets = [];
      for (const row of res.points ?? []) {
        const b = rowToBucket(row);
        if (b) buckets.push(b);
      }
      const changed = this.window.mergeAll(buckets);
      const hadError = this.queryError !== null;
      this.queryError = null;
      if (changed > 0 || hadError) this.onChange();
    } catch (err) {
      if (ac.signal.aborted) return;
      this.queryError = (err as Error).message;
      this.onChange();
    } finally {
      this.aborts.delete(ac);
    }
  }

  private readonly onData = (data: unknown): void => {
    if (this.state !== "live" || !isForSeries(this.options.series, data)) return;
    const b = toBucket(data);
    if (!b) return;
    this.received++;
    const hadError = this.queryError !== null;
    this.queryError = null;
    if (this.window.merge(b) || hadError) this.onChange();
  };

  private dropSubscription(): void {
    const sub = this.sub;
    this.sub = null;
    this.liveError = null;
    if (sub) {
      try {
        sub.unsubscribe();
      } catch {
        // Unsubscribing while disconnected may throw in some SDK versions; the sub is gone anyway.
      }
    }
  }
}
