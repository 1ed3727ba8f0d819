import type { BenchOptions } from "../bench-options.js";
import { loadPlanDefaults } from "../load/load-plan.js";
import { BENCH_REDIS_URL, deleteRedisKeys, redisServerPid, redisUnavailable } from "../metrics/redis-admin.js";
import { type ExternalProcess, runTarget, type TargetRun } from "../run/target-run.js";
import { basePlan, outcomeOf } from "./plan-parts.js";
import type { Scenario } from "./scenario.js";

const users = (o: BenchOptions) => o.users || 100;
const rate = (o: BenchOptions) => o.rate || 1;

/** One way a target runs in this scenario. */
interface Variant {
  name: string;
  nodes: number;
  /** Nodes are joined by (or a single node goes through) Redis. */
  broker: boolean;
}

/** The ways a target runs: alone, alone through its broker (the hop's cost), scaled out. */
export function variantsOf(scaleOut: { singleUsesBroker: boolean } | undefined, nodes: number): Variant[] {
  if (scaleOut === undefined) return [{ name: "1 node", nodes: 1, broker: false }];
  const out: Variant[] = scaleOut.singleUsesBroker
    ? [{ name: "1 node (Redis layer)", nodes: 1, broker: true }]
    : [
        { name: "1 node", nodes: 1, broker: false },
        { name: "1 node + Redis", nodes: 1, broker: true },
      ];
  if (nodes > 1) out.push({ name: `${nodes} nodes + Redis`, nodes, broker: true });
  return out;
}

let runs = 0;

/**
 * Multi-node (issue 6): the same all-to-all load on one node, on one node through Redis, and on
 * `--nodes` nodes joined by Redis with the clients split across them (client i on node i mod N),
 * each target with its own documented scale-out (dashwire: @dashwire/broker-redis; Socket.IO:
 * the Redis adapter; Channels: channels_redis across daphne processes; Flask-SocketIO: its
 * Redis message queue). Redis' own CPU is read from /proc beside the nodes'. Every run gets its
 * own key prefix, deleted afterwards (Redis is shared).
 */
export const multiNode: Scenario = {
  name: "multi-node",
  describe: (o) =>
    `all-to-all, ${users(o)} users at ${rate(o)} update/s (${(users(o) * users(o) * rate(o)).toLocaleString("en-US")} ` +
    `deliveries/s expected): 1 node, 1 node through Redis, ${o.nodes} nodes joined by Redis ` +
    "(each target's own scale-out), clients split across the nodes",
  estimateS: (o) => 3 * (5 + o.warmupS + o.durationS + o.drainS / 2),
  async run(target, ctx) {
    const o = ctx.options;
    const scaleOut = target.scaleOut;
    const plan = {
      ...basePlan(ctx),
      publishers: users(o),
      subscribers: users(o),
      ratePerPublisher: rate(o),
      publishersSubscribe: true,
    };
    const down = scaleOut ? await redisUnavailable() : undefined;
    const pid = scaleOut ? await redisServerPid() : undefined;
    const external: ExternalProcess[] = pid ? [{ name: "redis", pid }] : [];
    const out: TargetRun[] = [];
    for (const v of variantsOf(scaleOut, o.nodes)) {
      const runId = `dwbench-${process.pid}-${Date.now().toString(36)}-${runs++}`;
      const env = v.broker && scaleOut ? scaleOut.env(runId, BENCH_REDIS_URL) : {};
      if (v.broker && down) {
        out.push({
          target: target.name,
          label: target.label,
          variant: v.name,
          transport: ctx.transport,
          nodes: v.nodes,
          layout: "",
          ok: false,
          error: down,
          plan: { ...loadPlanDefaults, ...plan },
          series: [],
        });
        continue;
      }
      try {
        out.push(
          await runTarget(
            target,
            plan,
            {
              ...ctx.run,
              nodes: v.nodes,
              nodeCpus: o.nodeCpus,
              serverEnv: env,
              external: v.broker ? external : [],
              variant: v.name,
              // Nodes link to Redis and to each other before the load starts.
              settleS: Math.max(ctx.run.settleS ?? 1, v.broker ? 2 : 1),
            },
            (p) => ctx.progress(v.name, p),
          ),
        );
      } finally {
        for (const prefix of v.broker && scaleOut ? scaleOut.redisPrefixes(runId) : []) {
          await deleteRedisKeys(prefix).catch(() => 0);
        }
      }
    }
    return outcomeOf(ctx, target, out);
  },
};
