/**
 * The contract every `Store` engine passes (run by `sqlite-store.test.ts` and
 * `pg-store.test.ts`): idempotent writes at every resolution, exact rollups after replacements,
 * the series limit and its release, listing and deleting series, retention, dashboards with
 * versions, and two stores on one database (two workers or two machines) seeing one state; then
 * the leases, alerts and annotations contracts.
 */
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { ApiErrorCode } from "../errors.js";
import { alertStoreContract } from "./alert-store-contract.js";
import { annotationStoreContract } from "./annotation-store-contract.js";
import { leaseContract } from "./lease-contract.js";
import type { BucketTuple, SeriesPoint, Store } from "./store.js";
import type { StoreFixture } from "./store-fixture.js";

export type { StoreFixture } from "./store-fixture.js";

/** Runs the contract suite for an engine. */
export function storeContract(name: string, create: () => Promise<StoreFixture>): void {
  describe(`Store contract: ${name}`, () => {
    let fixtures: StoreFixture[] = [];
    const open = async () => {
      const f = await create();
      fixtures.push(f);
      return f;
    };
    afterEach(async () => {
      for (const f of fixtures) await f.cleanup();
      fixtures = [];
    });
    // Two minutes ago, on a minute boundary: every resolution's bucket starts here.
    const base = Math.floor(Date.now() / 60_000) * 60_000 - 120_000;
    const pt = (id: string, ts: number, value: number): SeriesPoint => {
      const [name, ...tags] = id.split(",");
      return {
        id,
        name: name as string,
        tags: tags.length === 0 ? undefined : Object.fromEntries(tags.map((t) => t.split("=") as [string, string])),
        value,
        ts,
      };
    };
    const all = (s: Store, id: string, res: number) => s.query(id, res, base - 600_000, base + 600_000, 10_000);

    it("rolls points up at every resolution", async () => {
      const { store } = await open();
      await store.write(
        [pt("c.a,h=1", base + 10, 1), pt("c.a,h=1", base + 500, 5), pt("c.a,h=1", base + 1200, 3)],
        100,
      );
      await store.write([pt("c.a,h=1", base + 15_000, 10)], 100);
      expect(await all(store, "c.a,h=1", 0)).toEqual([
        [base, 2, 6, 1, 5, 5],
        [base + 1000, 1, 3, 3, 3, 3],
        [base + 15_000, 1, 10, 10, 10, 10],
      ]);
      expect(await all(store, "c.a,h=1", 1)).toEqual([
        [base, 3, 9, 1, 5, 3],
        [base + 10_000, 1, 10, 10, 10, 10],
      ]);
      expect(await all(store, "c.a,h=1", 2)).toEqual([[base, 4, 19, 1, 10, 10]]);
      expect(await store.query("c.a,h=1", 0, base + 1000, base + 2000, 10)).toEqual([[base + 1000, 1, 3, 3, 3, 3]]);
      expect(await store.query("c.a,h=1", 0, base, base + 60_000, 1)).toHaveLength(1);
      expect(await all(store, "c.unknown", 0)).toEqual([]);
    });

    it("a retried batch changes nothing, at any resolution", async () => {
      const { store } = await open();
      const batch = [0, 300, 1700, 9000, 61_000].map((d, i) => pt("c.retry", base + d, i + 1));
      await store.write(batch, 100);
      const before = await Promise.all([0, 1, 2].map((r) => all(store, "c.retry", r)));
      await store.write(batch, 100);
      await store.write(batch.slice(1, 3), 100);
      expect(await Promise.all([0, 1, 2].map((r) => all(store, "c.retry", r)))).toEqual(before);
      expect(before[2]).toEqual([
        [base, 4, 10, 1, 4, 4],
        [base + 60_000, 1, 5, 5, 5, 5],
      ]);
    });

    it("points appended in several writes, then all sent again, count once; a replacement sees them all", async () => {
      const { store } = await open();
      const pts = [10, 20, 30, 40, 50].map((d, i) => pt("c.seg", base + d, i + 1));
      for (const p of pts) await store.write([p], 100);
      await store.write([pt("c.seg", base + 60, 6), pt("c.seg", base + 70, 7)], 100);
      const once = await Promise.all([0, 1, 2].map((r) => all(store, "c.seg", r)));
      expect(once[0]).toEqual([[base, 7, 28, 1, 7, 7]]);
      await store.write(pts, 100);
      expect(await Promise.all([0, 1, 2].map((r) => all(store, "c.seg", r)))).toEqual(once);
      // Replacing the first point (in the cell's first segment) and the last (an appended one).
      await store.write([pt("c.seg", base + 10, 100), pt("c.seg", base + 70, 0)], 100);
      await store.write([pt("c.seg", base + 80, 8)], 100);
      for (const r of [0, 1, 2]) expect(await all(store, "c.seg", r)).toEqual([[base, 8, 128, 0, 100, 8]]);
    });

    it("a point written again with another value replaces it (min and max recomputed)", async () => {
      const { store } = await open();
      await store.write([pt("c.rep", base + 100, 1), pt("c.rep", base + 200, 7), pt("c.rep", base + 3000, 4)], 100);
      await store.write([pt("c.rep", base + 100, 5)], 100);
      expect(await all(store, "c.rep", 0)).toEqual([
        [base, 2, 12, 5, 7, 7],
        [base + 3000, 1, 4, 4, 4, 4],
      ]);
      for (const r of [1, 2]) expect(await all(store, "c.rep", r)).toEqual([[base, 3, 16, 4, 7, 4]]);
      // Within one batch the later of two points with one ts wins.
      await store.write([pt("c.rep", base + 200, 0), pt("c.rep", base + 200, 2)], 100);
      expect((await all(store, "c.rep", 2))[0]).toEqual([base, 3, 11, 2, 5, 4]);
    });

    it("merges late points into their place", async () => {
      const { store } = await open();
      await store.write([pt("c.late", base + 900, 9)], 100);
      await store.write([pt("c.late", base + 100, 1), pt("c.late", base + 950, 2)], 100);
      expect(await all(store, "c.late", 0)).toEqual([[base, 3, 12, 1, 9, 2]]);
      expect(await all(store, "c.late", 2)).toEqual([[base, 3, 12, 1, 9, 2]]);
    });

    it("refuses new series past the limit, keeps existing ones, and frees slots on delete", async () => {
      const { store } = await open();
      expect(await store.write([pt("c.l1", base, 1), pt("c.l2", base, 1)], 2)).toEqual([]);
      const refused = await store.write([pt("c.l3", base, 1), pt("c.l1", base + 1, 2), pt("c.l3", base + 2, 1)], 2);
      expect(refused.map((r) => [r.index, r.code])).toEqual([
        [0, ApiErrorCode.LimitReached],
        [2, ApiErrorCode.LimitReached],
      ]);
      expect(refused[0]?.error).toMatch(/series limit reached \(2\)/);
      expect((await all(store, "c.l1", 0))[0]?.[1]).toBe(2);
      expect(await store.seriesCount()).toBe(2);
      expect(await store.deleteSeries({ exact: "c.l2" })).toBe(1);
      expect(await store.seriesCount()).toBe(1);
      expect(await store.write([pt("c.l3", base, 1)], 2)).toEqual([]);
      expect(await all(store, "c.l2", 0)).toEqual([]);
    });

    it("lists and deletes series by exact id or prefix", async () => {
      const { store } = await open();
      const ids = ["m.b,h=2", "m.a,h=1", "m.a,h=10", "n.x", "m.a"];
      await store.write(
        ids.map((id, i) => pt(id, base + i, i)),
        100,
      );
      expect((await store.listSeries({ prefix: "m.a" }, 10)).map((s) => s.id)).toEqual(["m.a", "m.a,h=1", "m.a,h=10"]);
      expect(await store.listSeries({ exact: "m.a,h=1" }, 10)).toEqual([
        { id: "m.a,h=1", name: "m.a", tags: { h: "1" } },
      ]);
      expect((await store.listSeries({ prefix: "" }, 2)).map((s) => s.id)).toEqual(["m.a", "m.a,h=1"]);
      expect(await store.deleteSeries({ prefix: "m.a," })).toBe(2);
      expect((await store.listSeries({ prefix: "" }, 10)).map((s) => s.id)).toEqual(["m.a", "m.b,h=2", "n.x"]);
      for (const r of [0, 1, 2]) expect(await all(store, "m.a,h=1", r)).toEqual([]);
      await store.write([pt("m.a,h=1", base + 5, 42)], 100);
      expect(await all(store, "m.a,h=1", 2)).toEqual([[base, 1, 42, 42, 42, 42]]);
    });

    it("reads the 1-second cells of a second for live publication", async () => {
      const { store } = await open();
      await store.write([pt("c.x", base + 10, 1), pt("c.y", base + 20, 2), pt("c.x", base + 30, 3)], 100);
      const cells = await store.cells(["c.x", "c.y", "c.none"], base);
      expect(new Map(cells)).toEqual(
        new Map<string, BucketTuple>([
          ["c.x", [base, 2, 4, 1, 3, 3]],
          ["c.y", [base, 1, 2, 2, 2, 2]],
        ]),
      );
    });

    it("prunes each resolution at its retention and forgets series left empty", async () => {
      const { store } = await open();
      const [fine, mid, coarse] = store.resolutions;
      await store.write([pt("c.old", base, 1), pt("c.keep", base, 1)], 100);
      const afterFine = base + (fine?.retentionMs ?? 0) + (coarse?.ms ?? 0) + 1000;
      await store.prune(afterFine);
      expect(await all(store, "c.old", 0)).toEqual([]);
      expect(await all(store, "c.old", 1)).toHaveLength(1);
      await store.prune(base + (mid?.retentionMs ?? 0) + 10_000);
      expect(await all(store, "c.old", 1)).toEqual([]);
      expect(await all(store, "c.old", 2)).toHaveLength(1);
      const later = base + (coarse?.retentionMs ?? 0) + 2 * (coarse?.ms ?? 0);
      await store.write([pt("c.keep", later - 1000, 1)], 100);
      const pruned = await store.prune(later);
      expect(pruned.series).toBe(1);
      expect((await store.listSeries({ prefix: "c." }, 10)).map((s) => s.id)).toEqual(["c.keep"]);
      expect(await store.seriesCount()).toBe(1);
    });

    it("two stores on one database share one state", async () => {
      const f = await open();
      const peer = await f.peer();
      try {
        await Promise.all([
          f.store.write([pt("c.shared", base + 1, 1), pt("c.shared", base + 2, 2)], 100),
          peer.write([pt("c.shared", base + 3, 3), pt("c.other", base, 1)], 100),
        ]);
        for (const s of [f.store, peer]) expect(await all(s, "c.shared", 2)).toEqual([[base, 3, 6, 1, 3, 3]]);
        // A delete on one is seen by the other's next write (its cached id is dropped).
        expect(await peer.deleteSeries({ exact: "c.shared" })).toBe(1);
        await f.store.write([pt("c.shared", base + 9, 9)], 100);
        expect(await all(peer, "c.shared", 0)).toEqual([[base, 1, 9, 9, 9, 9]]);
        expect(await f.store.seriesCount()).toBe(2);
        const [a, b] = await Promise.all([
          f.store.putDashboard("d", "{}", { kind: "absent" }, 10),
          peer.putDashboard("d", "{}", { kind: "absent" }, 10),
        ]);
        expect([a?.ok, b?.ok].sort()).toEqual([false, true]);
      } finally {
        await peer.close();
      }
    });

    it("answers queryText as query, after its reads, a replacement, a peer's write and a delete", async () => {
      const f = await open();
      const peer = await f.peer();
      const texts = (s: Store, res: number) =>
        s.queryText(["c.t,h=1", "c.t,h=2", "c.none"], res, base - 600_000, base + 600_000, 10_000);
      const expectSame = async (s: Store) => {
        for (const res of store.resolutions.keys()) {
          const want = [
            JSON.stringify(await all(s, "c.t,h=1", res)),
            JSON.stringify(await all(s, "c.t,h=2", res)),
            "[]",
          ];
          expect(await texts(s, res), `resolution ${res}`).toEqual(want);
        }
      };
      const { store } = f;
      try {
        await store.write([pt("c.t,h=1", base + 10, 1), pt("c.t,h=1", base + 70_500, 2), pt("c.t,h=2", base, 5)], 100);
        await expectSame(store);
        expect(JSON.parse((await texts(store, 0))[0] as string)).toEqual([
          [base, 1, 1, 1, 1, 1],
          [base + 70_000, 1, 2, 2, 2, 2],
        ]);
        // A replaced value and a late point in minutes already read, by this store and by a peer.
        await store.write([pt("c.t,h=1", base + 10, 7)], 100);
        await expectSame(store);
        await peer.write([pt("c.t,h=1", base + 70_900, 3), pt("c.t,h=2", base, 6)], 100);
        await expectSame(store);
        expect(JSON.parse((await texts(store, 0))[1] as string)).toEqual([[base, 1, 6, 6, 6, 6]]);
        // The limit holds: the first cell only.
        expect(await store.queryText(["c.t,h=1"], 0, base, base + 600_000, 1)).toEqual([
          JSON.stringify([[base, 1, 7, 7, 7, 7]]),
        ]);
        // Deleted by the peer, then written again: only the new point.
        await peer.deleteSeries({ exact: "c.t,h=1" });
        await peer.write([pt("c.t,h=1", base + 20, 4)], 100);
        await expectSame(store);
        expect(JSON.parse((await texts(store, 0))[0] as string)).toEqual([[base, 1, 4, 4, 4, 4]]);
        // The newest series deleted and another one made (SQLite may give it the same number),
        // written in another minute: none of the deleted one's cells.
        await peer.deleteSeries({ exact: "c.t,h=1" });
        await store.write([pt("c.t,h=3", base + 70_000, 8)], 100);
        expect(await store.queryText(["c.t,h=3"], 0, base - 600_000, base + 600_000, 10)).toEqual([
          JSON.stringify([[base + 70_000, 1, 8, 8, 8, 8]]),
        ]);
        // In the order asked, a series asked twice answered twice, an unknown one empty.
        const h3 = JSON.stringify([[base + 70_000, 1, 8, 8, 8, 8]]);
        expect(await store.queryText(["c.t,h=3", "c.none", "c.t,h=3"], 0, base, base + 600_000, 10)).toEqual([
          h3,
          "[]",
          h3,
        ]);
        // The window holds.
        expect(await store.queryText(["c.t,h=3", "c.t,h=2"], 0, base + 1, base + 70_000, 5)).toEqual(["[]", "[]"]);
        expect(await store.queryText(["c.t,h=1"], 0, base, base + 600_000, 0)).toEqual(["[]"]);
      } finally {
        await peer.close();
      }
    });

    it("keeps dashboards with a version every write changes", async () => {
      const { store } = await open();
      const created = await store.putDashboard("a", '{"v":1}', { kind: "absent" }, 2);
      expect(created).toMatchObject({ ok: true, created: true });
      const v1 = created.ok ? created.version : 0;
      expect(await store.putDashboard("a", "{}", { kind: "absent" }, 2)).toEqual({
        ok: false,
        reason: "conflict",
        version: v1,
      });
      const updated = await store.putDashboard("a", '{"v":2}', { kind: "version", version: v1 }, 2);
      expect(updated).toMatchObject({ ok: true, created: false });
      const v2 = updated.ok ? updated.version : 0;
      expect(v2).not.toBe(v1);
      expect(await store.putDashboard("a", "{}", { kind: "version", version: v1 }, 2)).toMatchObject({
        ok: false,
        reason: "conflict",
      });
      expect(await store.getDashboard("a")).toEqual({ id: "a", body: '{"v":2}', version: v2 });
      await store.putDashboard("b", "{}", { kind: "any" }, 2);
      expect(await store.putDashboard("c", "{}", { kind: "any" }, 2)).toMatchObject({ ok: false, reason: "limit" });
      expect(await store.deleteDashboard("a", { kind: "version", version: v1 })).toMatchObject({ ok: false });
      expect(await store.deleteDashboard("a", { kind: "version", version: v2 })).toMatchObject({ ok: true });
      expect((await store.listDashboards()).map((d) => d.id)).toEqual(["b"]);
      // A re-created id never gets a version a stale client could still hold.
      const again = await store.putDashboard("a", "{}", { kind: "absent" }, 2);
      expect(again.ok && again.version !== v1 && again.version !== v2).toBe(true);
    });
    // Random batches over a few series and seconds, some sent again, some with other values,
    // reads in between (the SQLite store folds its rows into the rollups on a read): every
    // resolution must equal the rollups of "the last value written for each series and ts".
    it("equals a model of last-write-wins points under random writes, retries and reads (property)", async () => {
      const { store } = await open();
      let run = 0;
      // 30 timestamps over 3 seconds, so batches often meet on one.
      const ts = fc.oneof(
        fc.nat(29).map((k) => k * 100),
        fc.nat(2999),
      );
      const point = fc.record({ s: fc.nat(2), d: ts, v: fc.integer({ min: -20, max: 20 }) });
      const op = fc.oneof(
        fc.record({ kind: fc.constant("write" as const), batch: fc.array(point, { minLength: 1, maxLength: 12 }) }),
        fc.record({ kind: fc.constant("retry" as const), which: fc.nat(), shift: fc.constantFrom(0, 0, 1, 7) }),
        fc.record({ kind: fc.constant("read" as const) }),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 14 }), async (ops) => {
          const prefix = `p${run++}.`;
          const model = new Map<string, Map<number, number>>();
          const sent: Array<Array<{ s: number; d: number; v: number }>> = [];
          const check = async () => {
            const ids = [0, 1, 2].map((s) => `${prefix}${s}`);
            // The 1-second cells first, as the live previews read them: before any read of
            // ranges (the SQLite store folds then; it reads cells with nothing folded).
            for (let t = base; t < base + 3000; t += 1000)
              expect(
                (await store.cells(ids, t)).sort((a, b) => (a[0] < b[0] ? -1 : 1)),
                `cells at ${t}`,
              ).toEqual(
                ids.flatMap((id) => {
                  const cell = rollups(model.get(id), base, 1000).find((b) => b[0] === t);
                  return cell === undefined ? [] : [[id, cell]];
                }),
              );
            for (const [r, res] of store.resolutions.entries())
              for (let s = 0; s < 3; s++) {
                const id = `${prefix}${s}`;
                expect(await all(store, id, r), `${id} at ${res.ms} ms`).toEqual(rollups(model.get(id), base, res.ms));
              }
            const texts = await store.queryText(ids, 0, base - 600_000, base + 600_000, 10_000);
            expect(texts.map((t) => JSON.parse(t))).toEqual(ids.map((id) => rollups(model.get(id), base, 1000)));
          };
          for (const o of ops) {
            if (o.kind === "read") {
              await check();
              continue;
            }
            // A retry sends an earlier batch again, the same (shift 0) or with other values.
            const again = o.kind === "retry" ? sent[o.which % Math.max(1, sent.length)] : undefined;
            const batch = o.kind === "write" ? o.batch : again?.map((p) => ({ ...p, v: p.v + o.shift }));
            if (batch === undefined) continue;
            sent.push(batch);
            await store.write(
              batch.map((p) => pt(`${prefix}${p.s}`, base + p.d, p.v)),
              100,
            );
            for (const p of batch) {
              const id = `${prefix}${p.s}`;
              if (!model.has(id)) model.set(id, new Map());
              model.get(id)?.set(base + p.d, p.v);
            }
          }
          await check();
        }),
        { numRuns: 25 },
      );
    });
    leaseContract(open);
    alertStoreContract(open);
    annotationStoreContract(open);
  });
}

/** `[t, count, sum, min, max, last]` of the points `ts → value` in buckets of `ms`, ascending. */
function rollups(points: ReadonlyMap<number, number> | undefined, from: number, ms: number): BucketTuple[] {
  const out = new Map<number, BucketTuple & { lastTs?: number }>();
  for (const [ts, v] of [...(points ?? [])].sort((a, b) => a[0] - b[0])) {
    const t = Math.floor(ts / ms) * ms;
    const b = out.get(t);
    if (b === undefined) out.set(t, [t, 1, v, v, v, v]);
    else {
      b[1]++;
      b[2] += v;
      b[3] = Math.min(b[3], v);
      b[4] = Math.max(b[4], v);
      b[5] = v;
    }
  }
  return [...out.values()].filter((b) => b[0] >= from - ms).sort((a, b) => a[0] - b[0]);
}
