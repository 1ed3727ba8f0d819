import { isForSeries, seriesTopic } from "../../../src/series/series-topic.js";
import { STORE_MAX_STEP } from "../time/resolution.js";
import { taskNow } from "../time/task-now.js";
import type { PanelSpan } from "../time/time-range.js";
import { BucketRollup } from "./bucket-rollup.js";
import type { LiveClient, LiveSubscription } from "./live-client.js";
import { batchedQuery } from "./query-batch.js";
import { bucketsOf, queryRange } from "./range-query.js";
import { type Bucket, SeriesWindow, toBucket } from "./series-window.js";

/** Options of a `SeriesFeed`. */
export interface SeriesFeedOptions {
  /** Series id (`name,k=v`). */
  series: string;
  /** What it shows: the last `spanMs`, live, or a fixed `[from, to]`, read once. */
  span: PanelSpan;
  /** Bucket width wanted, ms (`stepFor`); the store may serve a coarser one. */
  step: number;
  /** Live delivery mode: "stream" for charts (every bucket), "latest" for stat/gauge/table. */
  mode: "stream" | "latest";
  /** Flushes per second at most (the server caps it too). */
  maxRate: number;
}

/** Defaults of `SeriesFeedOptions` (all but `series`): the last five minutes at 1 s, live. */
export const seriesFeedDefaults: Omit<SeriesFeedOptions, "series"> = {
  span: { live: true, spanMs: 300_000 },
  step: 1000,
  mode: "stream",
  maxRate: 2,
};

/** Most buckets a feed holds, whatever its span (14 days of minutes). */
export const MAX_FEED_POINTS = 20_160;

/** Where a feed is in its life: `static` shows a past range (no subscription). */
export type FeedState = "idle" | "live" | "paused" | "static" | "stopped";

/** Width of the span a feed shows, ms. */
function spanMsOf(span: PanelSpan): number {
  return span.live ? span.spanMs : span.to - span.from;
}

/**
 * One series feeding one panel: back-fills its span from `/api/v1/query`, holds a live
 * subscription to the series' topic (`seriesTopic`, shared with the server), and merges both into
 * a bounded `SeriesWindow`. A past span (`span.live` false) is read once and never subscribed.
 *
 * No gap: the subscription is opened together with the first back-fill, and each time the server
 * confirms it (first subscribe, resubscribe after a reconnect) a short back-fill from the newest
 * bucket held covers anything published while not subscribed. No duplicate: the window keeps
 * each bucket time once. `pause` (tab hidden) drops the subscription; `resume` subscribes again
 * and back-fills the missed span the same way.
 *
 * Buckets wider than a second: the store serves closed buckets only, and live publications are
 * per second, so the open bucket is rolled up in the page (`BucketRollup`) from the seconds (and
 * closed minutes) a back-fill reads for it and the live seconds after them.
 */
export class SeriesFeed {
  readonly window: SeriesWindow;
  readonly options: SeriesFeedOptions;
  state: FeedState = "idle";
  /** Bucket width held, ms: the one asked for, or the coarser one the store served. */
  step: number;
  /** Last back-fill error; cleared by the next good answer or live bucket. */
  private queryError: string | null = null;
  /** Why the feed is not live (subscribe refused or unanswered), until the server confirms it. */
  private liveError: string | null = null;
  /** Live publications received (for the debug hook). */
  received = 0;
  /** The server confirmed the subscription (and has not dropped it since): live data flows. */
  subscribed = false;
  private sub: LiveSubscription | null = null;
  private rollup: BucketRollup | null = null;
  private readonly aborts = new Set<AbortController>();

  constructor(
    private readonly client: LiveClient,
    options: Partial<SeriesFeedOptions> & { series: string },
    private readonly onChange: () => void,
  ) {
    this.options = { ...seriesFeedDefaults, ...options };
    this.step = this.options.step;
    const spanMs = spanMsOf(this.options.span);
    const maxPoints = Math.min(MAX_FEED_POINTS, Math.max(4096, Math.ceil(spanMs / this.step) + 2));
    // A live window keeps its open bucket besides the span.
    this.window = new SeriesWindow({ windowMs: spanMs + (this.options.span.live ? this.step : 0), maxPoints });
    this.rollup = this.step > 1000 ? new BucketRollup(this.step) : null;
  }

  /** Back-fills the window and goes live (or reads the past span once). */
  start(): void {
    if (this.state !== "idle") return;
    const span = this.options.span;
    if (span.live) {
      this.goLive();
      return;
    }
    this.state = "static";
    void this.backfill(span.from, span.to);
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
    void this.backfill(this.catchUpFrom(), taskNow());
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
      if (this.state !== "live" || this.sub !== sub) return;
      this.subscribed = true;
      if (this.liveError !== null) {
        this.liveError = null;
        this.onChange();
      }
      void this.backfill(this.catchUpFrom(), taskNow());
    });
    // A refusal the SDK retries, or a subscribe left unanswered (Timeout): shown on the panel
    // until the server confirms, never a silent "live" that gets nothing.
    sub.on("error", (err) => {
      if (this.state !== "live" || this.sub !== sub) return;
      this.liveError = `not live: ${err.message} (code ${err.code})`;
      this.onChange();
    });
    sub.ready.catch((err: unknown) => {
      if (this.state !== "live" || this.sub !== sub) return;
      this.liveError = `subscribe failed: ${(err as Error)?.message ?? String(err)}`;
      this.onChange();
    });
  }

  /** From the newest bucket held (inclusive: it may have grown), or the span's start. */
  private catchUpFrom(): number {
    const span = this.options.span;
    const start = taskNow() - (span.live ? span.spanMs : 0);
    return Math.max(Math.floor(start / this.step) * this.step, this.window.lastT);
  }

  /** Uses `step` from now on (the store served a coarser one): what was held at the old one goes. */
  private adopt(step: number): void {
    if (step === this.step) return;
    this.step = step;
    this.window.clear();
    this.rollup = step > 1000 ? new BucketRollup(step) : null;
  }

  private async backfill(from: number, to: number): Promise<void> {
    if (from >= to) return;
    const ac = new AbortController();
    this.aborts.add(ac);
    try {
      const res = await queryRange(this.options.series, from, to, this.step, ac.signal);
      if (this.state === "stopped") return;
      this.adopt(res.step);
      let changed = this.window.mergeAll(res.buckets);
      if (this.state === "live" && this.rollup !== null) changed += await this.fillOpen(ac.signal);
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

  /**
   * Reads the parts of the open bucket (closed minutes, then seconds) into the rollup, so the
   * open bucket counts what came before the live seconds. Returns how many merges changed the window.
   */
  private async fillOpen(signal: AbortSignal): Promise<number> {
    const step = this.step;
    const now = Date.now();
    const start = Math.floor(now / step) * step;
    let secondsFrom = start;
    let changed = 0;
    if (step > STORE_MAX_STEP && now - start >= STORE_MAX_STEP) {
      const minutes = await batchedQuery(this.options.series, start, now, STORE_MAX_STEP, signal);
      if (minutes.step === STORE_MAX_STEP) {
        changed += this.mergeParts(bucketsOf(minutes.points), STORE_MAX_STEP, step);
        secondsFrom = Math.max(start, minutes.to);
      }
    }
    if (now - secondsFrom < 1000) return changed;
    const seconds = await batchedQuery(this.options.series, secondsFrom, now, 1000, signal);
    if (seconds.step === 1000) changed += this.mergeParts(bucketsOf(seconds.points), 1000, step);
    return changed;
  }

  /** Adds parts `width` wide to the rollup of `step` (unless the step changed meanwhile). */
  private mergeParts(parts: Bucket[], width: number, step: number): number {
    let changed = 0;
    if (this.step !== step || this.rollup === null || this.state === "stopped") return 0;
    for (const p of parts) {
      const b = this.rollup.add(p, width);
      if (b !== null && this.window.merge(b)) changed++;
    }
    return changed;
  }

  private readonly onData = (data: unknown): void => {
    if (this.state !== "live" || !isForSeries(this.options.series, data)) return;
    const live = toBucket(data);
    if (!live) return;
    this.received++;
    const b = this.rollup === null ? live : this.rollup.add(live);
    const hadError = this.queryError !== null;
    this.queryError = null;
    if ((b !== null && this.window.merge(b)) || hadError) this.onChange();
  };

  private dropSubscription(): void {
    const sub = this.sub;
    this.sub = null;
    this.subscribed = false;
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
