import { describe, expect, it } from "vitest";
import { type RawBucket, SeriesStore, type StoreCursor } from "./series-store.js";

const T0 = 1_700_000_000_000;

function clockAt(t: number) {
  const c = { t, now: () => c.t };
  return c;
}

/** Every bucket of every ring of every series, for comparing two stores. */
function dump(store: SeriesStore): unknown[] {
  const out: unknown[] = [];
  for (const s of store.list("", 1000))
    for (const r of s.rings) out.push([s.id, r.resolutionMs, r.range(T0 - 7 * 86_400_000, T0 + 86_400_000, 100_000)]);
  return out;
}

describe("SeriesStore replication", () => {
  it("a replica applying the leader's collected changes answers like the leader, late points included", () => {
    const c = clockAt(T0 + 200);
    const leader = new SeriesStore({ now: c.now });
    const replica = new SeriesStore({ now: c.now });
    leader.trackChanges(true);
    const ship = () => {
      leader.collectChanges((s, ring, n, fields) => expect(replica.applyBucket(s.id, ring, n, fields)).toBe(true));
      replica.advanceClosedUntil(leader.closedUntilMs);
    };
    for (let sec = 0; sec < 25; sec++) {
      c.t = T0 + sec * 1000 + 100;
      leader.add("cpu", { host: "a" }, sec, c.t);
      leader.add("cpu", { host: "a" }, sec * 2, c.t + 500);
      if (sec === 20) leader.add("cpu", { host: "a" }, -5, T0 + 3000); // late: a closed second
      c.t = T0 + (sec + 1) * 1000 + 5;
      leader.closeSeconds(() => {});
      ship();
    }
    expect(replica.closedUntilMs).toBe(leader.closedUntilMs);
    // Closed buckets are identical in every ring; open ones (the current minute) come later.
    const closed = (store: SeriesStore) =>
      store
        .get("cpu,host=a")!
        .rings.map((r) => r.range(T0, store.closedUntilMs - (store.closedUntilMs % r.resolutionMs), 1000));
    expect(closed(replica)).toEqual(closed(leader));
    expect(replica.get("cpu,host=a")!.rings[0]!.get(T0 + 3000)).toEqual([T0 + 3000, 3, 4, -5, 6, 6]);
    // Nothing left to send until new points arrive; the open minute stays recorded.
    let more = 0;
    leader.collectChanges(() => more++);
    expect(more).toBe(0);
  });

  it("a replica that becomes leader rebuilds its open 10 s and 1 min buckets from its 1 s buckets", () => {
    const c = clockAt(T0 + 100);
    const leader = new SeriesStore({ now: c.now });
    const replica = new SeriesStore({ now: c.now });
    leader.trackChanges(true);
    for (let sec = 0; sec < 25; sec++) {
      c.t = T0 + sec * 1000 + 100;
      leader.add("q", undefined, sec % 7, c.t);
      c.t = T0 + (sec + 1) * 1000 + 5;
      leader.closeSeconds(() => {});
      leader.collectChanges((s, ring, n, fields) => replica.applyBucket(s.id, ring, n, fields));
      replica.advanceClosedUntil(leader.closedUntilMs);
    }
    const openMinute = Math.floor(T0 / 60_000) * 60_000;
    const tenS = Math.floor((T0 + 24_000) / 10_000) * 10_000;
    expect(replica.get("q")!.rings[2]!.get(openMinute)).toBeUndefined(); // never sent: still open
    replica.trackChanges(true);
    replica.rebuildOpenBuckets();
    expect(replica.get("q")!.rings[2]!.get(openMinute)).toEqual(leader.get("q")!.rings[2]!.get(openMinute));
    expect(replica.get("q")!.rings[1]!.get(tenS)).toEqual(leader.get("q")!.rings[1]!.get(tenS));
  });

  it("stops recording when no longer leading", () => {
    const c = clockAt(T0);
    const store = new SeriesStore({ now: c.now });
    store.trackChanges(true);
    store.trackChanges(false);
    store.add("x", undefined, 1, T0);
    c.t = T0 + 120_000;
    store.closeSeconds(() => {});
    let n = 0;
    store.collectChanges(() => n++);
    expect(n).toBe(0);
  });

  it("copies a whole store page by page (a new replica)", () => {
    const c = clockAt(T0 + 3_600_000);
    const leader = new SeriesStore({ now: c.now });
    for (let i = 0; i < 5; i++)
      for (let t = T0; t < T0 + 3_600_000; t += 7000) leader.add(`m${i}`, { k: "v" }, (t / 1000) % 97, t);
    const replica = new SeriesStore({ now: c.now });
    let cursor: StoreCursor | undefined;
    let pages = 0;
    do {
      const page: { buckets: RawBucket[]; next?: StoreCursor } = leader.exportPage(cursor, 300);
      expect(page.buckets.length).toBeLessThanOrEqual(300);
      for (const [id, ring, n, ...fields] of page.buckets) replica.applyBucket(id, ring, n, fields);
      cursor = page.next;
      pages++;
    } while (cursor !== undefined);
    expect(pages).toBeGreaterThan(5);
    expect(dump(replica)).toEqual(dump(leader));
  });

  it("a replica refuses what the leader could not have sent: unknown ids, rings, and series past the limit", () => {
    const replica = new SeriesStore({ maxSeries: 1, now: () => T0 });
    const fields = [1, 2, 2, 2, 2, T0];
    expect(replica.applyBucket("a", 0, T0 / 1000, fields)).toBe(true);
    expect(replica.applyBucket("b", 0, T0 / 1000, fields)).toBe(false);
    expect(replica.applyBucket("a", 7, T0 / 1000, fields)).toBe(false);
    expect(replica.applyBucket("bad id!", 0, T0 / 1000, fields)).toBe(false);
    expect(replica.applyBucket("a", 0, T0 / 1000, [1, 2])).toBe(false);
  });
});
