/**
 * Which 1-second buckets this node publishes on `metrics:<id>`, with no leader: every node
 * publishes the seconds of the series it wrote, reading each bucket back from the store after
 * the second closed, so what it publishes is what the database holds after every node's merge.
 * When several nodes wrote one series in one second, each publishes it (same `t`, the later
 * read holds at least as many points: panels keep the bucket with the larger count). A write
 * that lands after its second was published (a slow request, a late point within
 * `MAX_LATE_SECONDS`) publishes that second again at the next tick, corrected.
 *
 * Series written by clients also have their open second previewed (`preview`, every 200 ms),
 * so a POSTed point shows before its second ends; a series someone watches (`watched`: a client
 * subscribed to its topic here lately) is previewed as soon as its write commits instead, at most
 * every `PROMPT_PREVIEW_GAP_MS` (a burst of writes is one read), so the point reaches a panel in
 * tens of milliseconds. Previews are read back from the store like closed seconds: what a panel
 * shows is what the database holds.
 */
import type { BucketTuple, Store } from "./store.js";

/** How far back a late write still re-publishes its second (s); older ones are only stored. */
export const MAX_LATE_SECONDS = 60;

/** Shortest time between two prompt previews, ms. */
export const PROMPT_PREVIEW_GAP_MS = 20;

/** Where buckets go (the app's publish, with its in-flight limit). */
export type BucketSink = (id: string, bucket: BucketTuple) => void;

/** Tracks written seconds and publishes them; one per node. */
export class LiveRollups {
  /** Second start (ms) → series written in it, for seconds not yet published. */
  private readonly pending = new Map<number, Set<string>>();
  /** Series written by clients in the open second, since the last preview. */
  private previewIds = new Set<string>();
  /** Watched series written in the open second, waiting for their prompt preview. */
  private promptIds = new Set<string>();
  private promptTimer: ReturnType<typeof setTimeout> | undefined;
  private lastPrompt = Number.NEGATIVE_INFINITY;
  private stopped = false;
  private ticking = false;

  constructor(
    private readonly store: Store,
    private readonly sink: BucketSink,
    private readonly now: () => number = Date.now,
    /** Whether someone watches series `id` (its open second is previewed at once). */
    private readonly watched: (id: string) => boolean = () => false,
  ) {}

  /** The writer's listener: records what was stored. */
  readonly stored = (bySecond: ReadonlyMap<number, ReadonlySet<string>>, preview: boolean): void => {
    const current = Math.floor(this.now() / 1000) * 1000;
    const oldest = current - MAX_LATE_SECONDS * 1000;
    for (const [second, ids] of bySecond) {
      if (second < oldest) continue;
      let set = this.pending.get(second);
      if (set === undefined) this.pending.set(second, (set = new Set()));
      for (const id of ids) set.add(id);
      if (preview && second === current)
        for (const id of ids) {
          this.previewIds.add(id);
          if (this.watched(id)) this.promptIds.add(id);
        }
    }
    if (this.promptIds.size > 0 && this.promptTimer === undefined && !this.stopped)
      this.promptTimer = setTimeout(
        this.prompt,
        Math.max(0, this.lastPrompt + PROMPT_PREVIEW_GAP_MS - performance.now()),
      );
  };

  /** Previews the watched series written since the last prompt preview. */
  private readonly prompt = (): void => {
    this.promptTimer = undefined;
    this.lastPrompt = performance.now();
    const ids = [...this.promptIds];
    this.promptIds = new Set();
    for (const id of ids) this.previewIds.delete(id);
    const current = Math.floor(this.now() / 1000) * 1000;
    this.store.cells(ids, current).then(
      (cells) => {
        for (const [id, bucket] of cells) this.sink(id, bucket);
      },
      // A failed read (database busy) leaves them to the next tick's preview or close.
      () => {
        for (const id of ids) this.previewIds.add(id);
      },
    );
  };

  /** Stops prompt previews (the app is closing). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.promptTimer);
    this.promptTimer = undefined;
  }

  /** Publishes every written second that has closed (call just after each second boundary). */
  async closeSeconds(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const current = Math.floor(this.now() / 1000) * 1000;
      const due = [...this.pending.keys()].filter((s) => s < current).sort((a, b) => a - b);
      for (const second of due) {
        const ids = this.pending.get(second) as Set<string>;
        this.pending.delete(second);
        if (second < current - MAX_LATE_SECONDS * 1000) continue;
        for (const [id, bucket] of await this.store.cells([...ids], second)) this.sink(id, bucket);
      }
    } finally {
      this.ticking = false;
    }
  }

  /** Publishes the open second of series written by clients since the last call. */
  async preview(): Promise<void> {
    if (this.previewIds.size === 0) return;
    const ids = [...this.previewIds];
    this.previewIds = new Set();
    const current = Math.floor(this.now() / 1000) * 1000;
    for (const [id, bucket] of await this.store.cells(ids, current)) this.sink(id, bucket);
  }

  /** Seconds waiting to be published (bounded by `MAX_LATE_SECONDS` + the open one). */
  get pendingSeconds(): number {
    return this.pending.size;
  }
}
