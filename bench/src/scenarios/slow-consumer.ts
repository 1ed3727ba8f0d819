import type { BenchOptions } from "../bench-options.js";
import type { LoadPlan } from "../load/load-plan.js";
import { runTarget } from "../run/target-run.js";
import { HISTORY_TOPIC } from "../targets/dashwire-app.js";
import { basePlan, outcomeOf } from "./plan-parts.js";
import type { Scenario } from "./scenario.js";

/** Publications per second one publisher connection sends at most (dashwire's per-connection limit is 1000/s). */
const RATE_PER_PUBLISHER = 500;
/** Seconds into the window when the staller stops reading. */
const STALL_AT_S = 3;
/** Seconds the window goes on after the staller reads again. */
const AFTER_S = 5;

const subscribers = (o: BenchOptions) => o.users || 10;
const rate = (o: BenchOptions) => o.rate || 500;
const payload = (o: BenchOptions) => o.payloadBytes || 8192;
/** The window holds the whole stall and a few seconds after it. */
const window = (o: BenchOptions, atS = STALL_AT_S, afterS = AFTER_S) => Math.max(o.durationS, atS + o.stallS + afterS);

/**
 * The plan of both runs: they differ only in whether the staller really stalls. The window
 * holds `atS` seconds before the stall, the stall, and `afterS` seconds after it.
 */
export function slowConsumerPlan(
  o: BenchOptions,
  base: Partial<LoadPlan>,
  active: boolean,
  atS = STALL_AT_S,
  afterS = AFTER_S,
): Partial<LoadPlan> {
  const publishers = Math.ceil(rate(o) / RATE_PER_PUBLISHER);
  return {
    ...base,
    durationS: window(o, atS, afterS),
    publishers,
    subscribers: subscribers(o),
    publishersSubscribe: false,
    ratePerPublisher: rate(o) / publishers,
    payloadBytes: payload(o),
    topic: HISTORY_TOPIC,
    exact: true,
    resume: true,
    disruption: { kind: "stall", atS, forS: o.stallS, active },
  };
}

/**
 * dashwire's history ring for the run: everything the staller can miss (the whole stall) and
 * 5 s more. It is in dashwire's RSS in both runs (the baseline fills it too).
 */
export const slowConsumerHistory = (o: BenchOptions) => Math.ceil(rate(o) * (o.stallS + 5));

/**
 * Slow consumer (issue 5): N subscribers receive a steady stream; one stops reading its socket
 * for a while (its TCP socket is paused: the kernel buffers fill, then the server's), then reads
 * again. Run twice per target, without and with the stall, so the others' delivery and latency
 * can be compared, with the server's memory and what the staller got back.
 */
export const slowConsumer: Scenario = {
  name: "slow-consumer",
  describe: (o) =>
    `${subscribers(o)} subscribers, ${rate(o)} publications/s of ${payload(o).toLocaleString("en-US")} bytes ` +
    `(${(subscribers(o) * rate(o)).toLocaleString("en-US")} deliveries/s); 1 subscriber stops reading its socket ` +
    `${STALL_AT_S} s into the ${window(o)} s window for ${o.stallS} s, against the same run without the stall`,
  estimateS: (o) => 2 * (4 + o.warmupS + window(o) + o.drainS / 2),
  async run(target, ctx) {
    const o = ctx.options;
    const env = { DASHWIRE_BENCH_HISTORY: String(slowConsumerHistory(o)) };
    const runs = [];
    for (const active of [false, true]) {
      const variant = active ? `1 stalled for ${o.stallS} s` : "baseline (nobody stalls)";
      const run = await runTarget(
        target,
        slowConsumerPlan(o, basePlan(ctx), active),
        { ...ctx.run, serverEnv: env, variant },
        (p) => ctx.progress(active ? "stalled" : "baseline", p),
      );
      runs.push(run);
    }
    return outcomeOf(ctx, target, runs);
  },
};
