import { describe, expect, it } from "vitest";
import { parseStatsdLine, type StatsdSample } from "./statsd-lines.js";

const sample = (line: string) => parseStatsdLine(line) as StatsdSample;

describe("parseStatsdLine", () => {
  it("reads each type, the sample rate and DogStatsD tags", () => {
    expect(sample("hits:2|c|@0.5")).toMatchObject({ name: "hits", kind: "counter", values: [2], rate: 0.5 });
    expect(sample("temp:-3|g")).toMatchObject({ kind: "gauge", values: [-3], deltas: [true] });
    expect(sample("temp:3|g")).toMatchObject({ kind: "gauge", values: [3], deltas: [false] });
    for (const t of ["ms", "h", "d"]) expect(sample(`lat:12.5|${t}`)).toMatchObject({ kind: "timer", values: [12.5] });
    expect(sample("users:alice|s")).toMatchObject({ kind: "set", members: ["alice"] });
    const tagged = sample("req:1|c|#route:/a,env:prod,canary|c:abc123|T1700000000");
    expect({ ...tagged.tags }).toEqual({ route: "/a", env: "prod", canary: "true" });
    expect(sample("lat:1:2:3|ms").values).toEqual([1, 2, 3]);
  });

  it("ignores events and service checks", () => {
    expect(parseStatsdLine("_e{5,4}:title|text")).toBeNull();
    expect(parseStatsdLine("_sc|redis.can_connect|0")).toBeNull();
  });

  it("refuses what is malformed or over the series limits", () => {
    const tags = Array.from({ length: 40 }, (_, i) => `t${i}:v`).join(",");
    for (const [line, why] of [
      ["nocolon|c", /expected/],
      ["novalue", /expected/],
      ["a:1|x", /unknown type/],
      ["a:1|c|@0", /sample rate/],
      ["a:1|c|@1.5", /sample rate/],
      ["a:abc|c", /invalid value/],
      ["a:|c", /invalid value/],
      ["a:1|ms:2", /unknown type/],
      ["a:|s", /empty set member/],
      [`a:1|c|#${tags}`, /at most 32 tags/],
      ["a:1|c|#k:1,k:2", /given twice/],
      [`${"n".repeat(251)}:1|ms`, /at most 256 bytes/],
      [":1|c", /must not be empty/],
    ] as const)
      expect(parseStatsdLine(line), line).toMatch(why);
    // The timer's longest suffix counts: 250 bytes + ".count" fits a counter, not a timer.
    expect(typeof parseStatsdLine(`${"n".repeat(251)}:1|c`)).toBe("object");
  });
});
