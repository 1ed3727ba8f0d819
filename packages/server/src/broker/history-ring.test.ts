import { describe, expect, it } from "vitest";
import type { Publication } from "./broker.js";
import { HistoryRing } from "./history-ring.js";

const pub = (offset: number, extra: Partial<Publication> = {}): Publication => ({
  topic: "t",
  epoch: "e1",
  offset,
  data: `{"v":${offset}}`,
  time: 1000 + offset,
  ...extra,
});

describe("HistoryRing", () => {
  it("gives back the newest `capacity` publications as they were pushed, fields and all", () => {
    const ring = new HistoryRing(3);
    const pushed = [pub(1), pub(2, { key: "k" }), pub(3, { urgent: true }), pub(4, { key: "k2" }), pub(5)];
    for (const p of pushed) ring.push(p);
    expect(ring.toArray()).toEqual(pushed.slice(2));
    // Optional fields stay absent when they were (not present as undefined).
    expect(Object.keys(ring.toArray()[2] as Publication).sort()).toEqual(["data", "epoch", "offset", "time", "topic"]);
    // An overwritten urgent entry does not leave its flag to the next one in its slot.
    ring.push(pub(6));
    expect(ring.toArray().map((p) => p.urgent)).toEqual([undefined, undefined, undefined]);
  });

  it("skips entries older than minTime, in toArray and oldestOffset", () => {
    const ring = new HistoryRing(4);
    for (let o = 1; o <= 4; o++) ring.push(pub(o));
    expect(ring.toArray(1003).map((p) => p.offset)).toEqual([3, 4]);
    expect(ring.oldestOffset(1003)).toBe(3);
    expect(ring.oldestOffset(2000)).toBeUndefined();
    expect(new HistoryRing(0).toArray()).toEqual([]);
  });
});
