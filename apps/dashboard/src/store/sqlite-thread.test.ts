import { describe, expect, it } from "vitest";
import { packCells, SeriesPacker, SeriesTable, unpackCells } from "./sqlite-thread.js";
import type { BucketTuple, SeriesPoint } from "./store.js";

const point = (n: number, value: number): SeriesPoint => ({
  id: `p.s${n},host=h${n}`,
  name: `p.s${n}`,
  tags: n % 2 === 0 ? undefined : { host: `h${n}` },
  value,
  ts: 1_000 + value,
});

/** Packs and unpacks like the two threads, through a structured clone. */
function roundTrip(packer: SeriesPacker, table: SeriesTable, points: SeriesPoint[]) {
  const packed = structuredClone(packer.pack(points));
  return { packed, out: table.unpack(packed) };
}

describe("the series table between the serving thread and the store thread", () => {
  it("sends a series' text once, then its index only", () => {
    const packer = new SeriesPacker();
    const table = new SeriesTable();
    const a = [point(1, 1), point(2, 2), point(1, 3)];
    const first = roundTrip(packer, table, a);
    expect(first.out).toEqual(a);
    expect(first.packed.fresh).toEqual(["p.s1,host=h1", "p.s1", '{"host":"h1"}', "p.s2,host=h2", "p.s2", ""]);
    const b = [point(2, 4), point(3, 5), point(1, 6)];
    const second = roundTrip(packer, table, b);
    expect(second.out).toEqual(b);
    expect(second.packed.fresh).toEqual(["p.s3,host=h3", "p.s3", '{"host":"h3"}']);
    expect([...second.packed.which]).toEqual([1, 2, 0]);
  });

  it("starts both tables over past its bound", () => {
    const packer = new SeriesPacker(4);
    const table = new SeriesTable();
    for (let round = 0; round < 5; round++) {
      const points = [point(round, round), point(round + 10, round), point(round + 20, round)];
      const { packed, out } = roundTrip(packer, table, points);
      expect(out).toEqual(points);
      expect(packed.which.every((k) => k < 4)).toBe(true);
    }
  });
});

describe("the answer to cells between the threads", () => {
  it("keeps each cell with its id, leaves out those with none, and keeps repeated ids", () => {
    const ids = ["a", "b", "c", "a", "d"];
    const cell = (v: number): BucketTuple => [1000, v, v, v, v, v];
    const found: Array<[string, BucketTuple]> = [
      ["a", cell(1)],
      ["c", cell(3)],
      ["a", cell(1)],
      ["d", cell(-0.5)],
    ];
    const packed = structuredClone(packCells(ids, found));
    expect(packed).toBeInstanceOf(Float64Array);
    expect(unpackCells(ids, packed)).toEqual(found);
    expect(unpackCells(["x"], packCells(["x"], []))).toEqual([]);
  });
});
