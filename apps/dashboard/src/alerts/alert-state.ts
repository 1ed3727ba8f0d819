/**
 * The state machine of a rule, pure: ok → pending (the condition holds) → firing (it held for
 * `forSec`) → resolved (it stopped holding) → ok (the next round, still not holding). A pending
 * rule whose condition stops before `forSec` goes back to ok; a rule with `forSec` 0 fires at
 * once. No data in the window is not a breach.
 */
import type { BucketTuple } from "../store/store.js";
import type { AlertStateName } from "../store/alert-store.js";
import type { AlertRule } from "./alert-rule-schema.js";

/** Where a rule stands. */
export interface RuleState {
  state: AlertStateName;
  /** When it entered `state` (ms). */
  since: number;
}

/** The state of a rule never evaluated. */
export function initialState(now: number): RuleState {
  return { state: "ok", since: now };
}

/** One value out of a window's 1-second buckets (`[t, count, sum, min, max, last]`, ascending); null when empty. */
export function reduceBuckets(buckets: readonly BucketTuple[], reduce: AlertRule["reduce"]): number | null {
  const newest = buckets.at(-1);
  if (newest === undefined) return null;
  if (reduce === "last") return newest[5];
  let count = 0;
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const b of buckets) {
    count += b[1];
    sum += b[2];
    if (b[3] < min) min = b[3];
    if (b[4] > max) max = b[4];
  }
  if (reduce === "min") return min;
  if (reduce === "max") return max;
  return count === 0 ? null : sum / count;
}

/** Whether `value` breaches the rule's threshold. */
export function breaches(rule: Pick<AlertRule, "op" | "threshold">, value: number | null): boolean {
  if (value === null) return false;
  return rule.op === "above" ? value > rule.threshold : value < rule.threshold;
}

/** The state after a round at `now` that saw `value`; `prev` itself when nothing changes. */
export function nextState(
  rule: Pick<AlertRule, "op" | "threshold" | "forSec">,
  prev: RuleState,
  value: number | null,
  now: number,
): RuleState {
  const to = (state: AlertStateName): RuleState => ({ state, since: now });
  if (breaches(rule, value)) {
    switch (prev.state) {
      case "ok":
      case "resolved":
        return to(rule.forSec === 0 ? "firing" : "pending");
      case "pending":
        return now - prev.since >= rule.forSec * 1000 ? to("firing") : prev;
      case "firing":
        return prev;
    }
  }
  switch (prev.state) {
    case "ok":
      return prev;
    case "pending":
    case "resolved":
      return to("ok");
    case "firing":
      return to("resolved");
  }
}

/** Transitions that notify (webhooks): the rule fired, or it resolved. */
export function notifies(to: AlertStateName): to is "firing" | "resolved" {
  return to === "firing" || to === "resolved";
}
