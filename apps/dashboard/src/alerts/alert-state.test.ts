import { describe, expect, it } from "vitest";
import type { BucketTuple } from "../store/store.js";
import { breaches, initialState, nextState, type RuleState, reduceBuckets } from "./alert-state.js";

const above = { op: "above" as const, threshold: 80, forSec: 5 };

/** Runs rounds every `stepMs` from `start` over `values`, returning the state names. */
function run(rule: typeof above, values: Array<number | null>, stepMs = 1000, start = 10_000): string[] {
  let s: RuleState = initialState(start);
  return values.map((v, i) => {
    s = nextState(rule, s, v, start + i * stepMs);
    return s.state;
  });
}

describe("the alert state machine", () => {
  it("is pending while the condition holds for less than forSec, then fires", () => {
    expect(run(above, [90, 90, 90, 90, 90, 90, 90])).toEqual([
      "pending",
      "pending",
      "pending",
      "pending",
      "pending",
      "firing", // 5 s after it became pending
      "firing",
    ]);
  });

  it("recovers: firing → resolved → ok, and a pending rule that recovers goes back to ok", () => {
    expect(run(above, [90, 90, 90, 90, 90, 90, 50, 50, 50])).toEqual([
      ...Array(5).fill("pending"),
      "firing",
      "resolved",
      "ok",
      "ok",
    ]);
    expect(run(above, [90, 90, 70, 90])).toEqual(["pending", "pending", "ok", "pending"]);
  });

  it("counts pending time from its start, whatever the round period", () => {
    // Rounds every 2 s: pending at 0, 2, 4; fires at the first round 5 s or more later (6 s).
    expect(run(above, [90, 90, 90, 90], 2000)).toEqual(["pending", "pending", "pending", "firing"]);
    // The start of pending is kept: a stored state read back by another node goes on from it.
    const s = nextState(above, { state: "pending", since: 1000 }, 85, 6000);
    expect(s).toEqual({ state: "firing", since: 6000 });
  });

  it("fires at once with forSec 0; a resolved rule breaching again is pending again", () => {
    expect(run({ ...above, forSec: 0 }, [90, 50, 90])).toEqual(["firing", "resolved", "firing"]);
    expect(run({ ...above, forSec: 2 }, [90, 90, 90, 50, 90])).toEqual([
      "pending",
      "pending",
      "firing",
      "resolved",
      "pending",
    ]);
  });

  it("no data is not a breach; below compares the other way; equal is not a breach", () => {
    expect(run({ ...above, forSec: 0 }, [90, null])).toEqual(["firing", "resolved"]);
    expect(breaches({ op: "below", threshold: 10 }, 5)).toBe(true);
    expect(breaches({ op: "below", threshold: 10 }, 10)).toBe(false);
    expect(breaches(above, 80)).toBe(false);
    expect(breaches(above, null)).toBe(false);
  });

  it("keeps the same object when nothing changes (no transition)", () => {
    const s: RuleState = { state: "firing", since: 5 };
    expect(nextState(above, s, 99, 100)).toBe(s);
  });
});

describe("reduceBuckets", () => {
  const b: BucketTuple[] = [
    [0, 2, 10, 4, 6, 6],
    [1000, 1, 30, 30, 30, 30],
    [2000, 3, 6, 1, 3, 2],
  ];
  it("reduces a window to last, mean, min or max; an empty window to null", () => {
    expect(reduceBuckets(b, "last")).toBe(2);
    expect(reduceBuckets(b, "mean")).toBeCloseTo(46 / 6);
    expect(reduceBuckets(b, "min")).toBe(1);
    expect(reduceBuckets(b, "max")).toBe(30);
    expect(reduceBuckets([], "mean")).toBeNull();
  });
});
