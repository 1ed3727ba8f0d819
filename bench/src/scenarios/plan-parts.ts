import type { BenchOptions } from "../bench-options.js";
import type { LoadPlan } from "../load/load-plan.js";
import type { TargetRun } from "../run/target-run.js";
import type { ScenarioContext, TargetOutcome } from "./scenario.js";

/** The window of a plan from the options. */
export const windowPlan = (o: BenchOptions): Partial<LoadPlan> => ({
  warmupS: o.warmupS,
  durationS: o.durationS,
  drainS: o.drainS,
});

/** What every scenario's plan takes from its context: the window, the transport, the payload. */
export const basePlan = (ctx: ScenarioContext): Partial<LoadPlan> => ({
  ...windowPlan(ctx.options),
  transport: ctx.transport,
  codec: ctx.options.codec,
  ...(ctx.options.payloadBytes > 0 ? { payloadBytes: ctx.options.payloadBytes } : {}),
});

/** An outcome of one target made of `runs`. */
export const outcomeOf = (
  ctx: ScenarioContext,
  target: { name: string; label: string },
  runs: TargetRun[],
): TargetOutcome => ({
  target: target.name,
  label: target.label,
  transport: ctx.transport,
  runs,
});
