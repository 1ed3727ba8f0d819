/**
 * Back-fill reads of many series in few requests. Every feed asks for its own series
 * (`batchedQuery`, the shape of `GET /api/v1/query`); the asks made in one task (a panel
 * starting its feeds, a dashboard starting its panels, a time-range change, the open-bucket
 * reads that follow a back-fill) are sent together as `POST /api/v1/query` when the task ends,
 * one request per window and at most `BATCH_MAX_SERIES` series a request.
 *
 * Same answers as alone: asks share a request only when they read the same window (same step,
 * same `from`, `to` in the same bucket: the server serves a bucket once it ended, so the
 * answer's window is the same for each), and a request names at most `BATCH_MAX_SERIES` so each
 * series keeps the 5000 buckets a one-series query gets (the server shares 200,000 among the
 * series of a request; fewer per series could make it serve a coarser resolution).
 *
 * Bounded: asks wait at most one task, and a request names at most `BATCH_MAX_SERIES` series.
 */
import { type QueryAnswer, type QueryManyAnswer, queryMany } from "../api.js";

/** Most series one request names: 200,000 buckets an answer / 5000 a series (as alone). */
export const BATCH_MAX_SERIES = 40;

/** Sends one multi-series read (`POST /api/v1/query`). */
export type SendMany = (
  series: string[],
  from: number,
  to: number,
  step: number,
  signal: AbortSignal,
) => Promise<QueryManyAnswer>;

/** One feed's ask, waiting for its request. */
interface Ask {
  resolve: (a: QueryAnswer) => void;
  reject: (err: unknown) => void;
  signal: AbortSignal | undefined;
  /** Removes the abort listener. */
  release: () => void;
}

/** The asks of one window, by series (a series asked twice is read once). */
interface Group {
  from: number;
  to: number;
  step: number;
  asks: Map<string, Ask[]>;
}

/** The reason an aborted ask rejects with, as `fetch` would. */
function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("aborted", "AbortError");
}

/** Collects one-series reads made in the same task and sends them as multi-series requests. */
export class QueryBatcher {
  private readonly groups = new Map<string, Group>();
  private scheduled = false;
  /** Requests sent (for tests and the debug hook). */
  requests = 0;

  constructor(
    private readonly send: SendMany,
    /** Runs `fn` once the current task ends (default: a zero timeout). */
    private readonly later: (fn: () => void) => void = (fn) => setTimeout(fn, 0),
  ) {}

  /** Reads `series` over `[from, to)` at `step` ms, as `GET /api/v1/query` would answer it. */
  query(series: string, from: number, to: number, step: number, signal?: AbortSignal): Promise<QueryAnswer> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    const key = `${step}|${from}|${Math.floor(to / step)}`;
    let group = this.groups.get(key);
    if (group === undefined) {
      group = { from, to, step, asks: new Map() };
      this.groups.set(key, group);
    }
    group.to = Math.max(group.to, to);
    const asks = group.asks.get(series) ?? [];
    group.asks.set(series, asks);
    return new Promise<QueryAnswer>((resolve, reject) => {
      const ask: Ask = { resolve, reject, signal, release: () => {} };
      if (signal !== undefined) {
        // Before the request leaves, an aborted ask is dropped from it; after, it rejects at once.
        const onAbort = () => {
          const i = asks.indexOf(ask);
          if (i >= 0) asks.splice(i, 1);
          reject(abortReason(signal));
        };
        signal.addEventListener("abort", onAbort, { once: true });
        ask.release = () => signal.removeEventListener("abort", onAbort);
      }
      asks.push(ask);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.later(() => {
      this.scheduled = false;
      const groups = [...this.groups.values()];
      this.groups.clear();
      for (const g of groups) this.flush(g);
    });
  }

  /** Sends a group's series still asked for, `BATCH_MAX_SERIES` a request. */
  private flush(group: Group): void {
    const live = [...group.asks].filter(([, asks]) => asks.length > 0);
    for (let i = 0; i < live.length; i += BATCH_MAX_SERIES) {
      void this.sendChunk(group, new Map(live.slice(i, i + BATCH_MAX_SERIES)));
    }
  }

  private async sendChunk(group: Group, asks: Map<string, Ask[]>): Promise<void> {
    const ac = new AbortController();
    const all = [...asks.values()].flat();
    // The request is dropped only when every ask in it was aborted.
    const onAbort = () => {
      if (all.every((a) => a.signal?.aborted)) ac.abort();
    };
    // An ask aborted while the request travels is rejected at once (its own listener).
    for (const a of all) a.signal?.addEventListener("abort", onAbort, { once: true });
    this.requests++;
    try {
      const answer = await this.send([...asks.keys()], group.from, group.to, group.step, ac.signal);
      const bySeries = new Map(answer.results.map((r) => [r.series, r.points]));
      for (const [series, waiting] of asks) {
        const one: QueryAnswer = {
          series,
          step: answer.step,
          from: answer.from,
          to: answer.to,
          points: bySeries.get(series) ?? [],
        };
        for (const a of waiting) settle(a, () => a.resolve(one));
      }
    } catch (err) {
      for (const a of all) settle(a, () => a.reject(err));
    } finally {
      for (const a of all) {
        a.release();
        a.signal?.removeEventListener("abort", onAbort);
      }
    }
  }
}

/** Settles `a` with `fn` unless it was aborted (then its listener already rejected it). */
function settle(a: Ask, fn: () => void): void {
  if (!a.signal?.aborted) fn();
}

/** The page's batcher: every feed's back-fill goes through it. */
const pageBatcher = new QueryBatcher(queryMany);

/** Reads one series' window through the page's batcher (the shape of `GET /api/v1/query`). */
export function batchedQuery(
  series: string,
  from: number,
  to: number,
  step: number,
  signal?: AbortSignal,
): Promise<QueryAnswer> {
  return pageBatcher.query(series, from, to, step, signal);
}
