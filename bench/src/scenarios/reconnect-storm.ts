import type { BenchOptions } from "../bench-options.js";
import type { LoadPlan } from "../load/load-plan.js";
import { runTarget } from "../run/target-run.js";
import { HISTORY_TOPIC } from "../targets/dashwire-app.js";
import { basePlan, outcomeOf } from "./plan-parts.js";
import type { Scenario } from "./scenario.js";

const subscribers = (o: BenchOptions) => o.users || 1000;
const rate = (o: BenchOptions) => o.rate || 20;
/** Seconds into the window when every subscriber's socket is killed. */
const stormAt = (o: BenchOptions) => Math.min(5, Math.round((o.durationS / 3) * 10) / 10);

/** The plan: one publisher, every subscriber drops and comes back at once. */
export function reconnectStormPlan(o: BenchOptions, base: Partial<LoadPlan>): Partial<LoadPlan> {
  return {
    ...base,
    publishers: 1,
    subscribers: subscribers(o),
    publishersSubscribe: false,
    ratePerPublisher: rate(o),
    topic: HISTORY_TOPIC,
    exact: true,
    resume: true,
    disruption: { kind: "storm", atS: stormAt(o), concurrency: subscribers(o) },
  };
}

/** dashwire's history ring: two minutes of publications (the window within which nothing may be lost). */
export const stormHistory = (o: BenchOptions) => Math.ceil(rate(o) * 120);

/**
 * Reconnect storm (issue 5): N subscribers of a topic with history; every one of them loses its
 * connection at once (killed client side, no close handshake) and reconnects at once while
 * publications keep flowing. dashwire clients resume with `sub` + `since` (their last offset);
 * peers reconnect as their clients do. Time to full recovery, messages lost per client (exact,
 * by sequence number), server CPU and peak memory.
 */
export const reconnectStorm: Scenario = {
  name: "reconnect-storm",
  describe: (o) =>
    `${subscribers(o).toLocaleString("en-US")} subscribers, 1 publisher at ${rate(o)}/s on a topic with history ` +
    `(dashwire: ${stormHistory(o).toLocaleString("en-US")} publications); ${stormAt(o)} s into the window every ` +
    "subscriber's socket is killed client side and all reconnect at once (dashwire: resume from the last offset)",
  estimateS: (o) => 6 + subscribers(o) / 1000 + o.warmupS + o.durationS + o.drainS,
  async run(target, ctx) {
    const o = ctx.options;
    const run = await runTarget(
      target,
      reconnectStormPlan(o, basePlan(ctx)),
      { ...ctx.run, serverEnv: { DASHWIRE_BENCH_HISTORY: String(stormHistory(o)) } },
      (p) => ctx.progress(`${subscribers(o)} clients`, p),
    );
    return outcomeOf(ctx, target, [run]);
  },
};
