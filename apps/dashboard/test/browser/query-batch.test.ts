/**
 * The UI's query batcher (`ui/src/live/query-batch.ts`) in Node, with a scripted sender: the
 * one-series reads made in one task leave as one multi-series request per window, each ask
 * gets its own series' answer, and aborts and failures reach exactly the asks they concern.
 */
import { describe, expect, it } from "vitest";
import type { QueryManyAnswer } from "../../ui/src/api.js";
import { BATCH_MAX_SERIES, QueryBatcher } from "../../ui/src/live/query-batch.js";

interface Sent {
  series: string[];
  from: number;
  to: number;
  step: number;
  signal: AbortSignal;
  answer: (a: QueryManyAnswer) => void;
  fail: (err: Error) => void;
}

/** A batcher whose requests the test answers, flushed when the test says so. */
function scripted(): { batcher: QueryBatcher; sent: Sent[]; flush: () => void } {
  const sent: Sent[] = [];
  let pending: (() => void) | null = null;
  const batcher = new QueryBatcher(
    (series, from, to, step, signal) =>
      new Promise<QueryManyAnswer>((answer, fail) => {
        sent.push({ series, from, to, step, signal, answer, fail });
        signal.addEventListener("abort", () => fail(new Error("request aborted")));
      }),
    (fn) => {
      pending = fn;
    },
  );
  const flush = () => {
    const fn = pending;
    pending = null;
    fn?.();
  };
  return { batcher, sent, flush };
}

/** The answer a server gives for `series`: one bucket each, its value the series' index. */
function answerFor(s: Sent): QueryManyAnswer {
  return {
    step: s.step,
    from: s.from,
    to: 60_000,
    results: s.series.map((series, i) => ({ series, points: [[s.from, 1, i, i, i, i]] })),
  };
}

describe("QueryBatcher", () => {
  it("sends the reads of one task as one request and gives each ask its own series", async () => {
    const { batcher, sent, flush } = scripted();
    const ids = Array.from({ length: 10 }, (_, i) => `cpu,host=h${i}`);
    const asks = ids.map((id, i) => batcher.query(id, 0, 59_000 + i, 1000));
    // A second ask of the same series is read once.
    const again = batcher.query("cpu,host=h3", 0, 59_500, 1000);
    expect(sent).toHaveLength(0);
    flush();
    expect(sent).toHaveLength(1);
    expect(sent[0]?.series).toEqual(ids);
    // The latest `to` of the window (all in the same bucket).
    expect(sent[0]?.to).toBe(59_500);
    sent[0]?.answer(answerFor(sent[0]));
    const answers = await Promise.all(asks);
    expect(answers.map((a) => a.series)).toEqual(ids);
    expect(answers.map((a) => a.points[0]?.[2])).toEqual(ids.map((_, i) => i));
    expect(answers[0]).toMatchObject({ step: 1000, from: 0, to: 60_000 });
    expect((await again).points).toEqual(answers[3]?.points);
    expect(batcher.requests).toBe(1);
  });

  it("sends different windows apart, and at most BATCH_MAX_SERIES series a request", async () => {
    const { batcher, sent, flush } = scripted();
    const many = Array.from({ length: BATCH_MAX_SERIES + 1 }, (_, i) => batcher.query(`m,i=${i}`, 0, 9000, 1000));
    const coarser = batcher.query("m,i=0", 0, 9000, 10_000);
    const later = batcher.query("m,i=0", 5000, 9000, 1000);
    const nextBucket = batcher.query("m,i=0", 0, 10_000, 1000);
    flush();
    expect(sent.map((s) => [s.series.length, s.step, s.from, s.to])).toEqual([
      [BATCH_MAX_SERIES, 1000, 0, 9000],
      [1, 1000, 0, 9000],
      [1, 10_000, 0, 9000],
      [1, 1000, 5000, 9000],
      [1, 1000, 0, 10_000],
    ]);
    for (const s of sent) s.answer(answerFor(s));
    await Promise.all([...many, coarser, later, nextBucket]);
  });

  it("drops an ask aborted before the request leaves, and the request when all its asks are aborted", async () => {
    const { batcher, sent, flush } = scripted();
    const a = new AbortController();
    const b = new AbortController();
    const gone = batcher.query("x,h=a", 0, 9000, 1000, a.signal);
    const kept = batcher.query("x,h=b", 0, 9000, 1000, b.signal);
    a.abort();
    await expect(gone).rejects.toMatchObject({ name: "AbortError" });
    flush();
    expect(sent[0]?.series).toEqual(["x,h=b"]);
    // Aborted while the request travels: rejected at once, and the request with it.
    b.abort();
    await expect(kept).rejects.toMatchObject({ name: "AbortError" });
    expect(sent[0]?.signal.aborted).toBe(true);
  });

  it("keeps a request some of whose asks are still waiting, and fails every ask of a failed one", async () => {
    const { batcher, sent, flush } = scripted();
    const a = new AbortController();
    const gone = batcher.query("y,h=a", 0, 9000, 1000, a.signal);
    const kept = batcher.query("y,h=b", 0, 9000, 1000);
    const also = batcher.query("y,h=c", 0, 9000, 1000);
    flush();
    a.abort();
    await expect(gone).rejects.toMatchObject({ name: "AbortError" });
    expect(sent[0]?.signal.aborted).toBe(false);
    sent[0]?.fail(new Error("HTTP 503"));
    await expect(kept).rejects.toThrow("HTTP 503");
    await expect(also).rejects.toThrow("HTTP 503");
  });
});
