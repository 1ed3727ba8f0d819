import { describe, expect, it } from "vitest";
import { BENCH_REDIS_URL, deleteRedisKeys, redisServerPid, redisUnavailable } from "../src/metrics/redis-admin.js";
import { runTarget } from "../src/run/target-run.js";
import { variantsOf } from "../src/scenarios/multi-node.js";
import { TARGETS } from "../src/targets/targets.js";

const down = await redisUnavailable();

describe("multi-node", () => {
  it("lists each target's runs: alone, alone through Redis, scaled out", () => {
    expect(variantsOf(TARGETS.dashwire.scaleOut, 2).map((v) => v.name)).toEqual([
      "1 node",
      "1 node + Redis",
      "2 nodes + Redis",
    ]);
    expect(variantsOf(TARGETS["django-channels"].scaleOut, 2).map((v) => v.name)).toEqual([
      "1 node (Redis layer)",
      "2 nodes + Redis",
    ]);
    expect(variantsOf(TARGETS.ws.scaleOut, 2).map((v) => v.name)).toEqual(["1 node"]);
  });

  it.skipIf(down !== undefined)(
    "dashwire: 2 nodes joined by Redis, clients split across them, deliver everything; Redis measured; keys cleaned",
    async () => {
      const runId = `dwbench-test-${process.pid}-${Date.now().toString(36)}`;
      const scaleOut = TARGETS.dashwire.scaleOut!;
      const pid = await redisServerPid();
      try {
        const run = await runTarget(
          TARGETS.dashwire,
          { publishers: 10, subscribers: 10, ratePerPublisher: 5, warmupS: 0.3, durationS: 1, drainS: 2 },
          {
            serverCpus: "",
            loadCpus: "",
            inProcess: true,
            settleS: 0.5,
            nodes: 2,
            serverEnv: scaleOut.env(runId, BENCH_REDIS_URL),
            external: pid ? [{ name: "redis", pid }] : [],
            variant: "2 nodes + Redis",
          },
        );
        expect(run.error).toBeUndefined();
        expect(run.nodes).toBe(2);
        expect(run.plan.urls).toHaveLength(2);
        expect(new Set(run.plan.urls).size).toBe(2);
        // Half the publishers sit on the other node: 100 % means every publication crossed Redis.
        expect(run.load!.connected).toBe(10);
        expect(run.load!.deliveredPct).toBe(100);
        expect(run.server!.processes).toBeGreaterThanOrEqual(2);
        if (pid) expect(run.external?.[0]).toMatchObject({ name: "redis" });
        expect(run.layout).toMatch(/node 1 .* node 2/);
      } finally {
        for (const prefix of scaleOut.redisPrefixes(runId)) await deleteRedisKeys(prefix);
      }
      expect(await deleteRedisKeys(`${runId}:`)).toBe(0);
    },
  );
});
