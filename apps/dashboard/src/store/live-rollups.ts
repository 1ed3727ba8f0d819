/**
 * Which 1-second buckets this node publishes on `metrics:<id>`, with no leader: every node
 * publishes the seconds of the series it wrote, reading each bucket back from the store after
 * the second closed, so what it publishes is what the database holds after every node's merge.
 * When several nodes wrote one series in one second, each publishes it (same `t`, the later
 * read holds at least as many points: panels keep the bucket with the larger count). A write
 * that lands after its second was published (a slow request, a late point within
 * `MAX_LATE_SECONDS`) publishes that second again at the next tick, corrected.
 *
 * Series written by clients that someone watches (`watched`: a client subscribed to its topic
 * lately, on this node or another) also have their open second previewed as soon as the write
 * commits: read back with a small write (`readBack`), else read at most every
 * `PROMPT_PREVIEW_GAP_MS` (a burst of writes is one read), so a POSTed point reaches a panel in
 * tens of milliseconds instead of after its second. So is a watched series' write that commits
 * after its second closed (a point sent in the last milliseconds of a second): it used to wait
 * for the next tick, up to a second, and 1-2 % of a client's points are sent that late. A
 * series nobody watches is not previewed (every 200 ms, until this was known across nodes: a
 * fifth of the serving thread's work under 100,000 points/s over 1,000 series, and most of the
 * topics' history); a prompt read that failed is retried by `preview` (every 200 ms). Previews
 * are read back from the store like closed seconds: what a panel shows is what the database holds.
 *
 * A closed second whose bucket is the same as its last preview is not published again: every
 * subscriber has it already, and under `latest` conflation (`maxRate`) a needless publication
 * just after a second boundary took the leading edge, so a point POSTed right after it waited
 * for the next conflation window (up to 100 ms at maxRate 10). A preview counts as sent once
 * the sink confirms the broker took it; a skipped or failed one leaves the close to publish.
 */
import type { BucketTuple, SeriesPoint, Store } from "./store.js";

/** How far back a late write still re-publishes its second (s); older ones are only stored. */
export const MAX_LATE_SECONDS = 60;

/** Shortest time between two prompt previews, ms. */
export const PROMPT_PREVIEW_GAP_MS = 20;

/** Most points of a write whose watched series are read back with it (`LiveRollups.readBack`). */
export const READ_BACK_POINTS = 100;

/** Series whose last read-back time is remembered; past it the times are forgotten (all at once). */
const READ_BACK_REMEMBERED = 10_000;

/**
 * Where buckets go (the app's publish, with its in-flight limit): resolves true once the broker
 * took the bucket, false when it was skipped or failed (never rejects).
 */
export type BucketSink = (id: string, bucket: BucketTuple) => Promise<boolean>;

/** True when two buckets hold the same rollup. */
function sameBucket(a: BucketTuple, b: BucketTuple): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return a.length === b.length;
}

/** Tracks written seconds and publishes them; one per node. */
export class LiveRollups {
  /** Second start (ms) → series written in it, for seconds not yet published. */
  private readonly pending = new Map<number, Set<string>>();
  /** Watched series of the open second whose prompt read failed, for the next `preview`. */
  private previewIds = new Set<string>();
  /** Watched series written by clients, by second (the open one or a closed one), waiting for their prompt read. */
  private promptIds = new Map<number, Set<string>>();
  private promptTimer: ReturnType<typeof setTimeout> | undefined;
  /** Series read back with a write → when (ms), for `readBack`'s gap. */
  private readonly readBackAt = new Map<string, number>();
  private lastPrompt = Number.NEGATIVE_INFINITY;
  private stopped = false;
  private ticking = false;
  /**
   * Open second (ms) → series → the last preview the broker took, to skip republishing it
   * unchanged when the second closes. Emptied as seconds close (bounded by the series written
   * in the open second or two).
   */
  private readonly previewed = new Map<number, Map<string, BucketTuple>>();

  constructor(
    private readonly store: Store,
    private readonly sink: BucketSink,
    private readonly now: () => number = Date.now,
    /** Whether someone watches series `id` (its open second is previewed at once). */
    private readonly watched: (id: string) => boolean = () => false,
  ) {}

  /**
   * The writer's pick of series to read back with a client's write (`Store.writeAndRead`): the
   * watched ones, when the write is small (at most `READ_BACK_POINTS` points), each at most
   * every `PROMPT_PREVIEW_GAP_MS`. Their cells come with the write's answer and are published at
   * once, without the prompt read, which waited behind whatever the store did meanwhile (other
   * clients' bodies, a fold). Larger writes (an agent's batch) and a series written more often go
   * through the prompt read, which reads a burst of them once.
   */
  readonly readBack = (points: readonly SeriesPoint[]): string[] => {
    if (points.length > READ_BACK_POINTS) return [];
    const now = this.now();
    const ids = new Set<string>();
    for (const p of points) {
      if (ids.has(p.id) || !this.watched(p.id)) continue;
      // Read back with a write at most every PROMPT_PREVIEW_GAP_MS: a series written more often
      // goes to the prompt read, which takes a burst once (one publication, not one a write).
      if (now - (this.readBackAt.get(p.id) ?? Number.NEGATIVE_INFINITY) < PROMPT_PREVIEW_GAP_MS) continue;
      ids.add(p.id);
    }
    if (this.readBackAt.size + ids.size > READ_BACK_REMEMBERED) this.readBackAt.clear();
    for (const id of ids) this.readBackAt.set(id, now);
    return [...ids];
  };

  /** The writer's listener: records what was stored, and publishes the cells read back with it. */
  readonly stored = (
    bySecond: ReadonlyMap<number, ReadonlySet<string>>,
    preview: boolean,
    cells: ReadonlyArray<readonly [string, BucketTuple]> = [],
  ): void => {
    const current = Math.floor(this.now() / 1000) * 1000;
    const oldest = current - MAX_LATE_SECONDS * 1000;
    // Second → series → its cell read back with the write (none for most writes).
    const readBack = new Map<number, Map<string, BucketTuple>>();
    for (const [id, bucket] of cells) {
      let byId = readBack.get(bucket[0]);
      if (byId === undefined) readBack.set(bucket[0], (byId = new Map()));
      byId.set(id, bucket);
    }
    for (const [second, ids] of bySecond) {
      if (second < oldest) continue;
      let set = this.pending.get(second);
      if (set === undefined) this.pending.set(second, (set = new Set()));
      for (const id of ids) set.add(id);
      if (!preview || second > current) continue;
      const readBackOf = readBack.get(second);
      for (const id of ids) {
        const bucket = readBackOf?.get(id);
        if (bucket !== undefined) {
          this.sendPreview(second, id, bucket);
          continue;
        }
        // Nobody would see another series' preview: it is published when its second closes.
        if (!this.watched(id)) continue;
        let prompt = this.promptIds.get(second);
        if (prompt === undefined) this.promptIds.set(second, (prompt = new Set()));
        prompt.add(id);
      }
    }
    if (this.promptIds.size > 0 && this.promptTimer === undefined && !this.stopped)
      this.promptTimer = setTimeout(
        this.prompt,
        Math.max(0, this.lastPrompt + PROMPT_PREVIEW_GAP_MS - performance.now()),
      );
  };

  /** Publishes the seconds of the watched series written since the last prompt read. */
  private readonly prompt = (): void => {
    this.promptTimer = undefined;
    this.lastPrompt = performance.now();
    const bySecond = this.promptIds;
    this.promptIds = new Map();
    const current = Math.floor(this.now() / 1000) * 1000;
    for (const [second, set] of bySecond) {
      const ids = [...set];
      this.store.cells(ids, second).then(
        (cells) => {
          for (const [id, bucket] of cells) this.sendPreview(second, id, bucket);
        },
        // A failed read (database busy) leaves them to the next tick's preview or close.
        () => {
          if (second === current) for (const id of ids) this.previewIds.add(id);
        },
      );
    }
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
        const sent = this.previewed.get(second);
        this.previewed.delete(second);
        for (const [id, bucket] of await this.store.cells([...ids], second)) {
          const last = sent?.get(id);
          if (last === undefined || !sameBucket(last, bucket)) void this.sink(id, bucket);
        }
      }
      // Previews of seconds closed without a pending entry (a late confirmation): nothing to skip.
      for (const second of this.previewed.keys()) if (second < current) this.previewed.delete(second);
    } finally {
      this.ticking = false;
    }
  }

  /** Publishes the open second of the series whose prompt read failed since the last call. */
  async preview(): Promise<void> {
    if (this.previewIds.size === 0) return;
    const ids = [...this.previewIds];
    this.previewIds = new Set();
    const current = Math.floor(this.now() / 1000) * 1000;
    for (const [id, bucket] of await this.store.cells(ids, current)) this.sendPreview(current, id, bucket);
  }

  /** Publishes `second` (open, or closed and written late) and, once the broker took it, remembers it for the close. */
  private sendPreview(second: number, id: string, bucket: BucketTuple): void {
    void this.sink(id, bucket).then((sent) => {
      if (!sent) return;
      let m = this.previewed.get(second);
      if (m === undefined) {
        // A closed second is looked up only by a close still to come (a late write's); with
        // none, it closed meanwhile and its close published it again anyway.
        if (second < Math.floor(this.now() / 1000) * 1000 && !this.pending.has(second)) return;
        this.previewed.set(second, (m = new Map()));
      }
      m.set(id, bucket);
    });
  }

  /** Seconds waiting to be published (bounded by `MAX_LATE_SECONDS` + the open one). */
  get pendingSeconds(): number {
    return this.pending.size;
  }
}
