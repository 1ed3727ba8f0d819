import type { BenchOptions, IngestScenarioName, ScenarioName } from "../bench-options.js";
import type { LoadPlan } from "../load/load-plan.js";
import { runTarget, type TargetRun } from "../run/target-run.js";
import { multiNode } from "./multi-node.js";
import { basePlan, outcomeOf } from "./plan-parts.js";
import { reconnectStorm } from "./reconnect-storm.js";
import type { Scenario, ScenarioContext, TargetOutcome } from "./scenario.js";
import { slowConsumer } from "./slow-consumer.js";

/** The bar a capacity step must meet. */
export const CAPACITY_BAR = { minDeliveredPct: 99.9, maxP99Ms: 250 };

function allToAll(defaultUsers: number): Scenario {
  const users = (o: BenchOptions) => o.users || defaultUsers;
  const rate = (o: BenchOptions) => o.rate || 1;
  return {
    name: `seed-${defaultUsers}`,
    describe: (o) =>
      `${users(o)} users, ${rate(o)} update/s each, every update broadcast to every user ` +
      `(${(users(o) * users(o) * rate(o)).toLocaleString("en-US")} deliveries/s expected)`,
    estimateS: (o) => 4 + o.warmupS + o.durationS + o.drainS / 2,
    async run(target, ctx) {
      const plan = { ...basePlan(ctx), publishers: users(ctx.options), subscribers: users(ctx.options) };
      const run = await runTarget(
        target,
        { ...plan, ratePerPublisher: rate(ctx.options), publishersSubscribe: true },
        ctx.run,
        (p) => ctx.progress(`${users(ctx.options)} users`, p),
      );
      return outcomeOf(ctx, target, [run]);
    },
  };
}

const fanout: Scenario = {
  name: "fanout",
  describe: (o) =>
    `1 publisher at ${o.rate || 5} updates/s to ${o.subscribers.toLocaleString("en-US")} subscribers ` +
    `(${((o.rate || 5) * o.subscribers).toLocaleString("en-US")} deliveries/s expected)`,
  estimateS: (o) => 4 + o.subscribers / 2000 + o.warmupS + o.durationS + o.drainS / 2,
  async run(target, ctx) {
    const o = ctx.options;
    const plan: Partial<LoadPlan> = {
      ...basePlan(ctx),
      publishers: 1,
      subscribers: o.subscribers,
      publishersSubscribe: false,
      ratePerPublisher: o.rate || 5,
    };
    const run = await runTarget(target, plan, ctx.run, (p) => ctx.progress(`${o.subscribers} subscribers`, p));
    return outcomeOf(ctx, target, [run]);
  },
};

/** Idle connections held (`--connections`, 0: the default). */
const idleConnections = (o: BenchOptions) => o.connections || 10_000;

const idle: Scenario = {
  name: "idle",
  describe: (o) =>
    `${idleConnections(o).toLocaleString("en-US")} idle subscribed connections held for ${o.durationS} s`,
  estimateS: (o) => 4 + idleConnections(o) / 2000 + o.durationS,
  async run(target, ctx) {
    const o = ctx.options;
    const connections = idleConnections(o);
    const plan: Partial<LoadPlan> = {
      transport: ctx.transport,
      publishers: 0,
      subscribers: connections,
      publishersSubscribe: false,
      durationS: o.durationS,
    };
    const run = await runTarget(target, plan, ctx.run, (p) => ctx.progress(`${connections} connections`, p));
    return outcomeOf(ctx, target, [run]);
  },
};

/** Whether a run meets the capacity bar; returns the reason when it does not. */
export function capacityVerdict(run: TargetRun): string | undefined {
  if (!run.ok || !run.load) return run.error ?? "run failed";
  const l = run.load;
  if (l.connectFailed > 0) return `${l.connectFailed} connections failed`;
  if (l.deliveredPct < CAPACITY_BAR.minDeliveredPct)
    return `delivered ${l.deliveredPct.toFixed(2)} % < ${CAPACITY_BAR.minDeliveredPct} %`;
  if (l.delivery.latency.p99 > CAPACITY_BAR.maxP99Ms)
    return `p99 ${l.delivery.latency.p99} ms > ${CAPACITY_BAR.maxP99Ms} ms`;
  return undefined;
}

const capacity: Scenario = {
  name: "capacity",
  describe: (o) =>
    `all-to-all at ${o.rate || 1} update/s per user, users raised through ${o.capacitySteps.join(", ")} until ` +
    `delivered < ${CAPACITY_BAR.minDeliveredPct} % or p99 > ${CAPACITY_BAR.maxP99Ms} ms`,
  estimateS: (o) => o.capacitySteps.length * (4 + o.warmupS + o.durationS + o.drainS / 2),
  async run(target, ctx: ScenarioContext): Promise<TargetOutcome> {
    const o = ctx.options;
    const runs: TargetRun[] = [];
    let lastGood = 0;
    for (const n of o.capacitySteps) {
      const plan: Partial<LoadPlan> = {
        ...basePlan(ctx),
        publishers: n,
        subscribers: n,
        ratePerPublisher: o.rate || 1,
      };
      const run = await runTarget(target, plan, ctx.run, (p) => ctx.progress(`N=${n}`, p));
      runs.push(run);
      const failure = capacityVerdict(run);
      if (failure) {
        const bound = run.load?.clientBound ? " (load generator saturated: the server may do more)" : "";
        return {
          ...outcomeOf(ctx, target, runs),
          capacity: { lastGoodUsers: lastGood, failedAtUsers: n, reason: failure + bound },
        };
      }
      lastGood = n;
      if (run.load?.clientBound) {
        const reason = "load generator saturated before the server failed: a floor, not the limit";
        return { ...outcomeOf(ctx, target, runs), capacity: { lastGoodUsers: lastGood, reason } };
      }
    }
    return {
      ...outcomeOf(ctx, target, runs),
      capacity: { lastGoodUsers: lastGood, reason: "every step passed (raise --steps)" },
    };
  },
};

/** Every scenario by name. */
export const SCENARIOS: Record<Exclude<ScenarioName, "abuse" | "ui" | IngestScenarioName>, Scenario> = {
  "seed-100": allToAll(100),
  "seed-1000": allToAll(1000),
  fanout,
  idle,
  capacity,
  "slow-consumer": slowConsumer,
  "reconnect-storm": reconnectStorm,
  "multi-node": multiNode,
};
