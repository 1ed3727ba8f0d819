/**
 * The annotations contract (run by `store-contract.ts` on every engine): a retried add changes
 * nothing, range queries with dashboard and tag filters, deletes, the count bound and pruning.
 */
import { expect, it } from "vitest";
import type { StoredAnnotation } from "./annotation-store.js";
import type { StoreFixture } from "./store-fixture.js";

const note = (id: string, time: number, more: Partial<StoredAnnotation> = {}): StoredAnnotation => ({
  id,
  time,
  timeEnd: time,
  text: `note ${id}`,
  tags: [],
  createdAt: 1,
  ...more,
});

/** Registers the annotations tests. */
export function annotationStoreContract(open: () => Promise<StoreFixture>): void {
  it("annotations: an add with a stored id returns the stored one and changes nothing", async () => {
    const { store, peer } = await open();
    const a = note("deploy-1", 5000, { tags: ["deploy", "api"], dashboard: "ops", panel: "cpu", text: "v1.2 ✓" });
    expect(await store.annotations.add(a, 10)).toEqual({ created: true, annotation: a });
    expect(await store.annotations.add({ ...a, text: "other" }, 10)).toEqual({ created: false, annotation: a });
    const other = await peer();
    try {
      expect(await other.annotations.query({ from: 0, to: 10_000, limit: 10 })).toEqual([a]);
    } finally {
      await other.close();
    }
  });

  it("annotations: queries return what overlaps the range, in the dashboard's scope, with every tag", async () => {
    const { store } = await open();
    const notes = [
      note("i1", 1000, { tags: ["deploy"] }),
      note("r1", 2000, { timeEnd: 9000, tags: ["incident", "db"] }),
      note("i2", 5000, { dashboard: "ops", tags: ["deploy", "api"] }),
      note("i3", 6000, { dashboard: "lab", tags: ["deployment"] }),
      note("i4", 12_000),
    ];
    for (const n of notes) await store.annotations.add(n, 100);
    const ids = async (q: Partial<Parameters<typeof store.annotations.query>[0]>) =>
      (await store.annotations.query({ from: 0, to: 100_000, limit: 100, ...q })).map((a) => a.id);
    expect(await ids({})).toEqual(["i1", "r1", "i2", "i3", "i4"]);
    // [7000, 10000): only the range that spans it; an instant at `to` is outside, at `from` inside.
    expect(await ids({ from: 7000, to: 10_000 })).toEqual(["r1"]);
    expect(await ids({ from: 5000, to: 6000 })).toEqual(["r1", "i2"]);
    expect(await ids({ dashboard: "ops" })).toEqual(["i1", "r1", "i2", "i4"]);
    expect(await ids({ tags: ["deploy"] })).toEqual(["i1", "i2"]);
    expect(await ids({ tags: ["deploy", "api"] })).toEqual(["i2"]);
    expect(await ids({ tags: ["dep"] })).toEqual([]);
    expect(await ids({ limit: 2 })).toEqual(["i1", "r1"]);
    expect(await store.annotations.delete("i2")).toBe(true);
    expect(await store.annotations.delete("i2")).toBe(false);
    expect(await ids({ dashboard: "ops" })).toEqual(["i1", "r1", "i4"]);
  });

  it("annotations: past the limit the oldest by time go; prune drops those ended before a time", async () => {
    const { store } = await open();
    for (const [id, t] of [
      ["b", 2000],
      ["a", 1000],
      ["c", 3000],
    ] as const)
      await store.annotations.add(note(id, t), 2);
    const ids = async () => (await store.annotations.query({ from: 0, to: 100_000, limit: 100 })).map((a) => a.id);
    expect(await ids()).toEqual(["b", "c"]);
    await store.annotations.add(note("long", 500, { timeEnd: 50_000 }), 10);
    expect(await store.annotations.prune(10_000)).toBe(2);
    expect(await ids()).toEqual(["long"]);
  });
}
