import { describe, expect, it } from "vitest";
import { benchDefaults } from "../src/bench-options.js";
import { DeliveryTracker } from "../src/load/delivery-tracker.js";
import { runTarget } from "../src/run/target-run.js";
import { reconnectStormPlan, stormHistory } from "../src/scenarios/reconnect-storm.js";
import { TARGETS } from "../src/targets/targets.js";

const unpinned = { serverCpus: "", loadCpus: "", inProcess: true, settleS: 0.2 };

describe("reconnect storm", () => {
  it("dashwire: 60 clients killed at once come back, resume from their offsets, and lose nothing", async () => {
    const o = { ...benchDefaults, users: 60, rate: 40, warmupS: 0.3, durationS: 2, drainS: 3 };
    const plan = reconnectStormPlan(o, { warmupS: o.warmupS, durationS: o.durationS, drainS: o.drainS });
    const run = await runTarget(TARGETS.dashwire, plan, {
      ...unpinned,
      serverEnv: { DASHWIRE_BENCH_HISTORY: String(stormHistory(o)) },
    });
    expect(run.error).toBeUndefined();
    const l = run.load!;
    expect(l.storm).toMatchObject({ clients: 60, reconnected: 60, failed: 0 });
    expect(l.storm!.recoveryS).toBeGreaterThan(0);
    // Every client resubscribed with `since` and got what it missed from history.
    expect(l.resume).toMatchObject({ resumes: 60, recovered: 60, notRecovered: 0 });
    expect(l.delivery.expected).toBeGreaterThanOrEqual(75 * 60);
    expect(l.delivery.lost).toBe(0);
    expect(l.delivery.duplicates).toBe(0);
    expect(l.deliveredPct).toBe(100);
    // The timeline saw the drop: a second with fewer clients than before, or the storm was too
    // quick for a tick to catch; either way all are back at the end.
    expect(l.timeline.at(-1)?.connected ?? 0).toBeLessThanOrEqual(61);
  });

  it("counts a replay that overlaps live deliveries once, as duplicates, whatever the order", () => {
    const t = new DeliveryTracker({ senders: 1, receivers: 2, exactSeqs: 100 });
    t.setWindow(0, 1e12);
    for (let seq = 0; seq < 10; seq++) t.noteSent(0, seq);
    // Receiver 0: 0..5 live, the link drops, a replay of 3..9 (3..5 a second time).
    for (const seq of [0, 1, 2, 3, 4, 5, 3, 4, 5, 6, 7, 8, 9]) t.record(0, 0, seq, seq, seq + 1);
    // Receiver 1: 0..3, then lost 4..6 for good, then 7..9.
    for (const seq of [0, 1, 2, 3, 7, 8, 9]) t.record(1, 0, seq, seq, seq + 1);
    const s = t.summary();
    expect(s.expected).toBe(20);
    expect(s.delivered).toBe(17);
    expect(s.lost).toBe(3);
    expect(s.duplicates).toBe(3);
    expect(t.pairCount(0, 0)).toBe(10);
    expect(t.pairCount(0, 1)).toBe(7);
    expect(() => new DeliveryTracker({ senders: 1000, receivers: 100_000, exactSeqs: 100_000 })).toThrow(RangeError);
  });
});
