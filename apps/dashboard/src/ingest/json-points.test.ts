import { describe, expect, it } from "vitest";
import { ApiError } from "../errors.js";
import { makeTags } from "../series/series-id.js";
import { parseJsonPoints } from "./json-points.js";

describe("JSON points", () => {
  it("accepts one point, an array, or {points}", () => {
    const one = parseJsonPoints({ name: "cpu", value: 0.5, tags: { host: "a" }, ts: 1700000000000.7 });
    expect(one.points).toEqual([
      { name: "cpu", tags: makeTags([["host", "a"]]), value: 0.5, ts: 1700000000000, origin: 0 },
    ]);
    expect(
      parseJsonPoints([
        { name: "a", value: 1 },
        { name: "b", value: true },
      ]).points.map((p) => p.value),
    ).toEqual([1, 1]);
    expect(parseJsonPoints({ points: [{ name: "a", value: 2 }] }).points).toHaveLength(1);
  });

  it("rejects bad points by index, naming the field, and keeps the rest", () => {
    const r = parseJsonPoints([
      { name: "ok", value: 1 },
      { name: "bad", value: "1" },
      { value: 1 },
      { name: "cpu\nload", value: 1 },
      { name: "t", value: 1, tags: { host: 3 } },
      { name: "u", value: 1, timestamp: 5 },
      { name: "ok2", value: 2 },
    ]);
    expect(r.points.map((p) => p.name)).toEqual(["ok", "ok2"]);
    expect(r.rejected.map((x) => x.index)).toEqual([1, 2, 3, 4, 5]);
    expect(r.rejected[0]?.error).toMatch(/^value: /);
    expect(r.rejected[1]?.error).toMatch(/^name: /);
    expect(r.rejected[2]?.error).toMatch(/name must not contain control characters/);
    expect(r.rejected[3]?.error).toMatch(/^tags\.host: /);
    expect(r.rejected[4]?.error).toMatch(/timestamp/);
  });

  it("keeps names and tags as written, __proto__ included (issue 12 item 7)", () => {
    const r = parseJsonPoints(
      JSON.parse('[{"name":"温度","value":1,"tags":{"__proto__":"x","host":"web 1"}},{"name":"湿度","value":2}]'),
    );
    expect(r.rejected).toEqual([]);
    expect(r.points.map((p) => [p.name, Object.entries(p.tags ?? {})])).toEqual([
      [
        "温度",
        [
          ["__proto__", "x"],
          ["host", "web 1"],
        ],
      ],
      ["湿度", []],
    ]);
  });

  it("refuses bodies that are not points at all", () => {
    expect(() => parseJsonPoints(42)).toThrow(ApiError);
    expect(() => parseJsonPoints({ points: 1 })).toThrow(/points: expected an array/);
  });
});
