import { describe, expect, it } from "vitest";
import { benchDefaults } from "../src/bench-options.js";
import { runTarget } from "../src/run/target-run.js";
import { slowConsumerHistory, slowConsumerPlan } from "../src/scenarios/slow-consumer.js";
import { TARGETS } from "../src/targets/targets.js";

const unpinned = { serverCpus: "", loadCpus: "", inProcess: true, settleS: 0.2 };

describe("slow consumer", () => {
  it("dashwire: the staller overflows its queue, gets gap notices, recovers from history; the others get everything", async () => {
    // 3 subscribers; 1000 publications/s of 10 KB: the stalled one misses ~20 MB in 2 s, more
    // than its kernel socket buffers and its 1 MB server queue hold.
    const o = { ...benchDefaults, durationS: 0, users: 3, rate: 1000, payloadBytes: 10_000, stallS: 2 };
    // The drain ends as soon as every client has every publication of the window (and every
    // resume its answer); its 20 s are only a guard. 3 s were not enough on this 2-core machine
    // with every helper's suite running: the fast clients lagged too, and were still catching up.
    const plan = slowConsumerPlan(o, { warmupS: 0.3, durationS: 0, drainS: 20 }, true, 0.5, 1);
    const run = await runTarget(TARGETS.dashwire, plan, {
      ...unpinned,
      serverEnv: { DASHWIRE_BENCH_HISTORY: String(slowConsumerHistory(o)) },
    });
    expect(run.error).toBeUndefined();
    const l = run.load!;
    // The two others, counted without the staller.
    expect(l.delivery.expected).toBe(l.delivery.sentInWindow * 2);
    // (With what the others' resumes got: a lost publication is either past the history or late.)
    expect(l.deliveredPct, JSON.stringify({ delivery: l.delivery, resume: l.resume })).toBe(100);
    const s = l.staller!;
    expect(s.stalled).toBe(true);
    expect(s.resume.gaps).toBeGreaterThan(0);
    expect(s.resume.gapLargest).toBeGreaterThan(0);
    expect(s.resume.recovered).toBe(s.resume.resumes);
    expect(s.resume.notRecovered).toBe(0);
    // Exact count by sequence number: after resuming it has every message of the window, once.
    expect(s.delivery.expected).toBe(l.delivery.sentInWindow);
    expect(s.delivery.lost).toBe(0);
    expect(s.delivery.duplicates).toBe(0);
    expect(s.heldOver).toBeGreaterThan(1000);
    expect(s.disconnects).toBe(0);
  }, 60_000);
});
