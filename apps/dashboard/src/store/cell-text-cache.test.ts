import { describe, expect, it } from "vitest";
import { CellTextCache } from "./cell-text-cache.js";

/** One cell a second with value = the second's index, for any sid; counts the rows read. */
function reader() {
  const reads = { rows: 0 };
  const read = (sid: number, from: number, to: number) => {
    const rows: number[][] = [];
    for (let t = from; t < to; t += 1000) rows.push([t, 1, sid + t / 1000, t / 1000, t / 1000, t / 1000]);
    reads.rows += rows.length;
    return rows;
  };
  return { read, reads };
}

describe("CellTextCache", () => {
  it("slices a window across minutes, limit included, as JSON of the rows", () => {
    const { read } = reader();
    const cache = new CellTextCache(read);
    cache.sync(1, 0, () => []);
    const text = cache.range(7, 58_000, 63_000, 100);
    expect(JSON.parse(text)).toEqual(read(7, 58_000, 63_000));
    expect(JSON.parse(cache.range(7, 58_000, 63_000, 3))).toEqual(read(7, 58_000, 61_000));
    expect(cache.range(7, 58_000, 63_000, 0)).toBe("[]");
    expect(JSON.parse(cache.range(7, 0, 60_000, 100))).toEqual(read(7, 0, 60_000));
  });

  it("reads a minute once, again only after a row in it changed or the series index did", () => {
    const { read, reads } = reader();
    const cache = new CellTextCache(read);
    cache.sync(1, 0, () => []);
    cache.range(1, 0, 120_000, 200);
    cache.range(1, 0, 120_000, 200);
    expect(reads.rows).toBe(120);
    cache.sync(2, 0, (after) => (after === 1 ? [[1, 61_000]] : []));
    cache.range(1, 0, 120_000, 200);
    expect(reads.rows).toBe(180);
    cache.sync(2, 1, () => []);
    cache.range(1, 0, 120_000, 200);
    expect(reads.rows).toBe(300);
  });

  it("holds at most its bound of bytes, dropping the minutes cached first", () => {
    const { read, reads } = reader();
    // A minute: its text and 16 bytes a cell.
    const oneMinute = JSON.stringify(read(0, 0, 60_000)).length + 16 * 60;
    const cache = new CellTextCache(read, oneMinute * 3);
    cache.sync(1, 0, () => []);
    for (let sid = 0; sid < 10; sid++) cache.range(sid, 0, 60_000, 100);
    reads.rows = 0;
    // The last three are kept; the first is read again.
    cache.range(9, 0, 60_000, 100);
    expect(reads.rows).toBe(0);
    cache.range(0, 0, 60_000, 100);
    expect(reads.rows).toBe(60);
  });
});
