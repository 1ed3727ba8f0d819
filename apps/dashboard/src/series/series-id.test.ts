import { describe, expect, it } from "vitest";
import { checkSeries, formatSeriesId, parseSeriesId, sanitizeSeriesPart, seriesLimits } from "./series-id.js";

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
      tags: { host: "a", region: "eu" },
    });
    expect(parseSeriesId("cpu.usage,region=eu,host=a")).toBeUndefined(); // not sorted
    expect(parseSeriesId("cpu usage")).toBeUndefined();
    expect(parseSeriesId("cpu,host")).toBeUndefined();
    expect(parseSeriesId("cpu,host=a,host=b")).toBeUndefined();
    expect(parseSeriesId("")).toBeUndefined();
    expect(parseSeriesId("x".repeat(seriesLimits.maxIdLength + 1))).toBeUndefined();
  });

  it("explains what is wrong", () => {
    expect(checkSeries("cpu", { host: "a" })).toBeUndefined();
    expect(checkSeries("", undefined)).toMatch(/name must not be empty/);
    expect(checkSeries("cpu load", undefined)).toMatch(/name may only contain/);
    expect(checkSeries("cpu", { "h st": "a" })).toMatch(/tag key/);
    expect(checkSeries("cpu", { host: "a b" })).toMatch(/tag host value/);
    expect(checkSeries("cpu", { host: "" })).toMatch(/tag host value/);
    const many = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, "v"]));
    expect(checkSeries("cpu", many)).toMatch(/at most 16 tags/);
  });

  it("keeps every id inside the topic charset", () => {
    expect(sanitizeSeriesPart('Ethernet 2,x=y"')).toBe("Ethernet_2_x_y_");
    const id = formatSeriesId("a-b_c.d:e/f@g", { k: "v/1" });
    expect(/^[A-Za-z0-9_\-:.@/=+#~,]+$/.test(`metrics:${id}`)).toBe(true);
  });
});
