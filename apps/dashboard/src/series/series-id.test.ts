import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkSeries, formatSeriesId, makeTags, parseSeriesId, seriesLimits } from "./series-id.js";

describe("series ids", () => {
  it("sorts tags by key", () => {
    expect(formatSeriesId("cpu.usage", { region: "eu", host: "a" })).toBe("cpu.usage,host=a,region=eu");
    expect(formatSeriesId("cpu.usage", undefined)).toBe("cpu.usage");
    expect(formatSeriesId("cpu.usage", {})).toBe("cpu.usage");
  });

  it("parses canonical ids and refuses others", () => {
    expect(parseSeriesId("cpu.usage,host=a,region=eu")).toEqual({
      id: "cpu.usage,host=a,region=eu",
      name: "cpu.usage",
      tags: makeTags([
        ["host", "a"],
        ["region", "eu"],
      ]),
    });
    expect(parseSeriesId("cpu.usage,region=eu,host=a")).toBeUndefined(); // not sorted
    expect(parseSeriesId("cpu,host")).toBeUndefined();
    expect(parseSeriesId("cpu,host=a,host=b")).toBeUndefined();
    expect(parseSeriesId("cpu,host=a=b")).toBeUndefined(); // "=" in a value must be escaped
    expect(parseSeriesId("cpu\\")).toBeUndefined(); // dangling escape
    expect(parseSeriesId("c\\pu")).toBeUndefined(); // needless escape: not canonical
    expect(parseSeriesId("")).toBeUndefined();
    expect(parseSeriesId("x".repeat(seriesLimits.maxIdBytes + 1))).toBeUndefined();
  });

  it("keeps Unicode and punctuation as written, escaping only \\ , = in the id", () => {
    expect(formatSeriesId("温度", undefined)).toBe("温度");
    expect(formatSeriesId("cpu load", { "ta=g": "va l,ue", "b\\s": "x" })).toBe("cpu load,b\\\\s=x,ta\\=g=va l\\,ue");
    const key = parseSeriesId("cpu load,b\\\\s=x,ta\\=g=va l\\,ue");
    expect(key?.name).toBe("cpu load");
    expect({ ...key?.tags }).toEqual({ "b\\s": "x", "ta=g": "va l,ue" });
  });

  it("gives distinct inputs distinct ids (the old charset merged them all into _)", () => {
    const ids = [
      formatSeriesId("温度", undefined),
      formatSeriesId("湿度", undefined),
      formatSeriesId("__", undefined),
      formatSeriesId("m", { host: "web 1" }),
      formatSeriesId("m", { host: "web_1" }),
      formatSeriesId("m", { host: "web\\ 1" }),
      formatSeriesId("m", { "host,x": "1" }),
      formatSeriesId("m,host", { x: "1" }),
    ];
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("round-trips any valid name and tags (property)", () => {
    const part = fc
      .string({ minLength: 1, maxLength: 12, unit: "grapheme" })
      .filter((s) => checkSeries(s, undefined) === undefined);
    fc.assert(
      fc.property(part, fc.dictionary(part, part, { maxKeys: 5 }), (name, raw) => {
        const tags = makeTags(Object.entries(raw));
        const id = formatSeriesId(name, tags);
        const back = parseSeriesId(id);
        expect(back?.name).toBe(name);
        expect({ ...back?.tags }).toEqual({ ...tags });
      }),
    );
  });

  it("treats __proto__ and constructor as ordinary tag keys", () => {
    const id = formatSeriesId(
      "m",
      makeTags([
        ["__proto__", "a"],
        ["constructor", "b"],
      ]),
    );
    expect(id).toBe("m,__proto__=a,constructor=b");
    const key = parseSeriesId(id);
    expect(Object.entries(key?.tags ?? {})).toEqual([
      ["__proto__", "a"],
      ["constructor", "b"],
    ]);
    expect(parseSeriesId("m,toString=x")?.tags.toString).toBe("x");
  });

  it("explains what is wrong, bounding every part in UTF-8 bytes", () => {
    expect(checkSeries("cpu", { host: "a" })).toBeUndefined();
    expect(checkSeries("cpu load", undefined)).toBeUndefined();
    expect(checkSeries("", undefined)).toMatch(/name must not be empty/);
    expect(checkSeries("a\nb", undefined)).toMatch(/control characters/);
    expect(checkSeries("a\u007f", undefined)).toMatch(/control characters/);
    expect(checkSeries("a\ud800", undefined)).toMatch(/lone surrogate/);
    expect(checkSeries("cpu", { "h\tst": "a" })).toMatch(/tag key "h\\tst" must not contain control/);
    expect(checkSeries("cpu", { host: "" })).toMatch(/tag "host" value must not be empty/);
    const many = Object.fromEntries(Array.from({ length: seriesLimits.maxTags + 1 }, (_, i) => [`k${i}`, "v"]));
    expect(checkSeries("cpu", many)).toMatch(/at most 32 tags/);
    // 86 three-byte characters: 258 bytes but only 86 characters.
    const cjk = "温".repeat(86);
    expect(Buffer.byteLength(cjk)).toBe(258);
    expect(checkSeries(cjk, undefined)).toMatch(/at most 256 bytes/);
    expect(checkSeries("温".repeat(85), undefined)).toBeUndefined();
    expect(Buffer.byteLength("😀")).toBe(4);
    expect(checkSeries("😀".repeat(64), undefined)).toBeUndefined();
    expect(checkSeries("😀".repeat(65), undefined)).toMatch(/at most 256 bytes/);
    // The whole id is bounded too (escapes included).
    const wide = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, ",".repeat(200)]));
    expect(checkSeries("cpu", wide)).toMatch(/series id must be at most 2048 bytes/);
  });
});
