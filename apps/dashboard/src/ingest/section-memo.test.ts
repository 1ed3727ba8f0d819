import { afterEach, describe, expect, it } from "vitest";
import { parseLineProtocol } from "./line-protocol.js";
import { memo, SECTION_MEMO_MAX, SectionMemo, type Section } from "./section-memo.js";

const saved = { ...SECTION_MEMO_MAX };
afterEach(() => Object.assign(SECTION_MEMO_MAX, saved));

describe("line protocol: the spellings memo shared by bodies", () => {
  it("parses a series once for every body that repeats it", () => {
    const first = parseLineProtocol("memo1,host=a v=1,w=2 1000000").points;
    const before = memo.size.entries;
    const second = parseLineProtocol("memo1,host=a v=3,w=4 2000000\nmemo1,host=a w=5 3000000").points;
    // The second body found the spelling and both field names: nothing new was memoized, and
    // its points share the first body's tags object and series ids.
    expect(memo.size.entries).toBe(before);
    expect(second[0]?.tags).toBe(first[0]?.tags);
    expect(second.map((p) => [p.id, p.name, p.value, p.ts])).toEqual([
      ["memo1.v,host=a", "memo1.v", 3, 2],
      ["memo1.w,host=a", "memo1.w", 4, 2],
      ["memo1.w,host=a", "memo1.w", 5, 3],
    ]);
  });

  it("starts over when full, and parses the same", () => {
    SECTION_MEMO_MAX.entries = 10;
    const body = Array.from({ length: 40 }, (_, i) => `memo2,s=${i} v=${i} ${i}000000`).join("\n");
    for (let round = 0; round < 2; round++) {
      const r = parseLineProtocol(body);
      expect(r.rejected).toEqual([]);
      expect(r.points.map((p) => [p.id, p.value])).toEqual(Array.from({ length: 40 }, (_, i) => [`memo2.v,s=${i}`, i]));
      expect(memo.size.entries).toBeLessThanOrEqual(10);
    }
    SECTION_MEMO_MAX.entries = saved.entries;
    SECTION_MEMO_MAX.chars = 200;
    parseLineProtocol(`memo3,big=${"x".repeat(150)} v=1\nmemo3,big=${"y".repeat(150)} v=1`);
    expect(memo.size.chars).toBeLessThanOrEqual(200);
  });

  it("memoizes at most 8 spellings under one hash", () => {
    const m = new SectionMemo();
    const sec = (text: string): Section => ({
      text,
      collision: undefined,
      mname: text,
      tags: undefined,
      tagsSize: 0,
      fields: new Map(),
      last: undefined,
    });
    const texts = Array.from({ length: 10 }, (_, i) => `m${i}`);
    for (const t of texts) m.add(7, sec(t));
    const found = texts.filter((t) => m.find(7, t, 0, t.length) !== undefined);
    expect(found).toEqual(texts.slice(0, 8));
    expect(m.find(7, "zz", 0, 2)).toBeUndefined();
  });

  it("does not memoize a refused spelling", () => {
    const before = memo.size.entries;
    const r = parseLineProtocol("memo4,host= v=1\nmemo4,host= v=2");
    expect(r.rejected.map((x) => x.line)).toEqual([1, 2]);
    expect(memo.size.entries).toBe(before);
  });
});
