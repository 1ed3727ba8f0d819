/**
 * Live rollups over a real SQLite store: closed seconds are published after they end; the open
 * second of a watched series is previewed as soon as its write commits (no 200 ms tick needed),
 * read back from the store (so it is what the database holds), and a burst of writes is one read.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { until } from "../../../../packages/server/test/until.js";
import { WatchedTopics } from "../series/watched-topics.js";
import { LiveRollups, PROMPT_PREVIEW_GAP_MS, READ_BACK_POINTS } from "./live-rollups.js";
import { MetricsWriter } from "./metrics-writer.js";
import { SqliteStore } from "./sqlite-store.js";
import type { BucketTuple } from "./store.js";

let dir: string;
let store: SqliteStore;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "dashwire-live-"));
  store = new SqliteStore({ dataDir: dir });
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

/** Waits for the start of a second, so a test's writes and previews fall in one. */
async function earlyInASecond(): Promise<void> {
  await until(() => Date.now() % 1000 < 300, 2000);
}

function setup(
  watched: (id: string) => boolean,
  now: () => number = Date.now,
  takes = (_id: string) => true,
  readBack = false,
) {
  const published: [string, BucketTuple][] = [];
  let reads = 0;
  const counting = new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === "cells") reads++;
      const v = Reflect.get(target, prop, receiver);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  const sink = (id: string, b: BucketTuple) => {
    published.push([id, b]);
    return Promise.resolve(takes(id));
  };
  const live = new LiveRollups(counting, sink, now, watched);
  const writer = new MetricsWriter(
    store,
    { maxSeries: 100, futureSkewMs: 5000, now: Date.now },
    live.stored,
    readBack ? live.readBack : undefined,
  );
  return { live, writer, published, reads: () => reads };
}

describe("LiveRollups", () => {
  it("previews a watched series' open second as soon as it is written, read from the store", async () => {
    const { live, writer, published } = setup((id) => id === "w,k=v");
    await earlyInASecond();
    const now = Date.now();
    await writer.write(
      [
        { name: "w", tags: { k: "v" }, value: 3, ts: now },
        { name: "u", tags: { k: "v" }, value: 4, ts: now },
      ],
      true,
    );
    // No preview() call: the watched one arrives by itself; the other is not previewed at all
    // (nobody would see it), only published when its second closes.
    await until(() => published.length > 0, 1000);
    expect(published.map(([id]) => id)).toEqual(["w,k=v"]);
    expect(published[0]?.[1].slice(1)).toEqual([1, 3, 3, 3, 3]);
    await live.preview();
    expect(published.map(([id]) => id)).toEqual(["w,k=v"]);
    live.stop();
  });

  it("reads a burst of writes once, at most every PROMPT_PREVIEW_GAP_MS", async () => {
    const { live, writer, published, reads } = setup(() => true);
    await earlyInASecond();
    const base = Date.now();
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => writer.write([{ name: "b", tags: {}, value: i, ts: base + (i % 3) }], true)),
    );
    await until(() => published.length > 0, 1000);
    await new Promise((r) => setTimeout(r, PROMPT_PREVIEW_GAP_MS * 3));
    // Ten writes, far fewer reads; the last preview is the second as stored: 10 points over 3
    // timestamps are 3 points, `last` the newest timestamp's (written last by i = 8).
    expect(reads()).toBeLessThanOrEqual(3);
    expect(published.at(-1)?.[1].slice(1)).toEqual([3, 7 + 8 + 9, 7, 9, 8]);
    live.stop();
  });

  it("does not publish a closed second again when its last preview went out unchanged", async () => {
    // The rollups' clock is the test's: the second closes when the test says so.
    const second = Math.floor(Date.now() / 1000) * 1000;
    let clock = second + 100;
    // "skipped" stands for a preview the publisher could not send (in-flight limit, broker error).
    const { live, writer, published } = setup(
      () => true,
      () => clock,
      (id) => id !== "skipped",
    );
    const point = (name: string, value: number, ts = second + 100) => ({ name, tags: {}, value, ts });
    await writer.write([point("same", 1), point("later", 2), point("skipped", 3)], true);
    await until(() => published.length === 3, 1000);
    // Written after its preview, by a writer that does not preview (a feed): the close has news.
    await writer.write([point("later", 5, second + 200)], false);
    published.length = 0;
    clock = second + 1005;
    await live.closeSeconds();
    // A subscriber holds `same` as it is stored; `later` grew to 2 points; `skipped` never went out.
    expect(published.map(([id]) => id).sort()).toEqual(["later", "skipped"]);
    expect(published.find(([id]) => id === "later")?.[1].slice(1)).toEqual([2, 7, 2, 5, 5]);
    live.stop();
  });

  it("publishes a watched series' write that lands after its second closed at once, and its close does not repeat it", async () => {
    const second = Math.floor(Date.now() / 1000) * 1000 - 1000;
    // The second closed and its close ran before the write committed (sent at .990, late).
    let clock = second + 1010;
    const { live, writer, published } = setup(
      (id) => id === "late",
      () => clock,
    );
    await live.closeSeconds();
    await writer.write([{ name: "late", tags: {}, value: 7, ts: second + 990 }], true);
    await writer.write([{ name: "other", tags: {}, value: 8, ts: second + 990 }], true);
    // No tick: the watched one is published by itself; the other waits for the next close.
    await until(() => published.length > 0, 1000);
    expect(published).toEqual([["late", [second, 1, 7, 7, 7, 7]]]);
    clock = second + 2005;
    await live.closeSeconds();
    expect(published.map(([id]) => id)).toEqual(["late", "other"]);
    live.stop();
  });
});

describe("LiveRollups with read-back writes", () => {
  /** `setup` with the writer reading watched series back with small writes. */
  const readingBack = (watched: (id: string) => boolean) => setup(watched, Date.now, () => true, true);

  it("publishes the cells a small write of watched series read back, without a read of its own", async () => {
    const { live, writer, published, reads } = readingBack((id) => id !== "u");
    await earlyInASecond();
    const now = Date.now();
    await writer.write([{ name: "w", tags: {}, value: 1, ts: now - 1 }], true);
    // Published before write() resolved: the cells came with the write's answer.
    expect(published).toEqual([["w", [Math.floor(now / 1000) * 1000, 1, 1, 1, 1, 1]]]);
    await new Promise((r) => setTimeout(r, PROMPT_PREVIEW_GAP_MS + 5));
    await writer.write(
      [
        { name: "w", tags: {}, value: 3, ts: now },
        { name: "u", tags: {}, value: 4, ts: now },
      ],
      true,
    );
    // What the database holds after both writes; the unwatched one waits for the tick.
    expect(published.map(([id, b]) => [id, b.slice(1)])).toEqual([
      ["w", [1, 1, 1, 1, 1]],
      ["w", [2, 4, 1, 3, 3]],
    ]);
    await new Promise((r) => setTimeout(r, PROMPT_PREVIEW_GAP_MS * 3));
    await live.preview();
    expect(reads()).toBe(0);
    expect(published.map(([id]) => id)).toEqual(["w", "w"]);
    live.stop();
  });

  it("reads a series back at most every PROMPT_PREVIEW_GAP_MS: writes in between go to the prompt read", async () => {
    await earlyInASecond();
    const now = Date.now();
    // The rollups' clock stands still: however slowly the machine writes, the three are within the gap.
    const { live, writer, published, reads } = setup(
      () => true,
      () => now,
      () => true,
      true,
    );
    await writer.write([{ name: "often", tags: {}, value: 1, ts: now }], true);
    await Promise.all([
      writer.write([{ name: "often", tags: {}, value: 2, ts: now + 1 }], true),
      writer.write([{ name: "often", tags: {}, value: 3, ts: now + 2 }], true),
    ]);
    // The first came with its write; the next two are one prompt read, one publication.
    expect(published.map(([, b]) => b[1])).toEqual([1]);
    await until(() => published.length === 2, 1000);
    await new Promise((r) => setTimeout(r, PROMPT_PREVIEW_GAP_MS * 3));
    expect([reads(), published.map(([, b]) => b[1])]).toEqual([1, [1, 3]]);
    live.stop();
  });

  it("leaves writes of more than READ_BACK_POINTS points to the prompt read", async () => {
    const { live, writer, published, reads } = readingBack(() => true);
    await earlyInASecond();
    const now = Date.now();
    const points = Array.from({ length: READ_BACK_POINTS + 1 }, (_, i) => ({
      name: `big${i}`,
      tags: {},
      value: i,
      ts: now,
    }));
    await writer.write(points, true);
    expect(published).toEqual([]);
    await until(() => published.length > 0, 1000);
    expect(reads()).toBe(1);
    live.stop();
  });

  it("leaves out a point the store refused, and a write not from a client", async () => {
    const { live, writer, published } = readingBack(() => true);
    await earlyInASecond();
    const now = Date.now();
    await writer.write([{ name: "feed", tags: {}, value: 1, ts: now }], false);
    expect(published).toEqual([]);
    const many = new MetricsWriter(
      store,
      { maxSeries: 1, futureSkewMs: 5000, now: Date.now },
      live.stored,
      live.readBack,
    );
    const refused = await many.write([{ name: "over", tags: {}, value: 2, ts: now }], true);
    expect(refused.map((r) => r.index)).toEqual([0]);
    expect(published).toEqual([]);
    live.stop();
  });
});

describe("WatchedTopics", () => {
  it("remembers subscribed topics for the TTL, the newest when full", () => {
    let now = 0;
    const w = new WatchedTopics({ ttlMs: 1000, maxTopics: 2, now: () => now });
    const hook = w.noting((a) => a.topic !== "refused");
    const access = (topic: string) => ({ topic, params: {}, client: {} as never });
    expect(hook(access("a"))).toBe(true);
    expect(hook(access("refused"))).toBe(false);
    expect([w.has("a"), w.has("refused")]).toEqual([true, false]);
    now = 500;
    w.add("b");
    w.add("c"); // a is forgotten: the map holds 2
    expect([w.has("a"), w.has("b"), w.has("c"), w.size]).toEqual([false, true, true, 2]);
    now = 1600;
    expect([w.has("b"), w.has("c")]).toEqual([false, false]);
  });
});
