/**
 * The fault test of issue 13: three nodes (`dashwire start` processes) on one PostgreSQL and a
 * PRIVATE redis-server started here. During steady ingest to all three, Redis is killed for 4 s,
 * then one node is killed with SIGKILL: every acknowledged point is returned by every surviving
 * node. No node leads, so nothing waits for an election.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { canConnect, freePort } from "../../../../scripts/test-services.js";
import { afterAll, describe, expect, it } from "vitest";
import { until } from "../../../../packages/server/test/until.js";
import { dropSchema, freshSchemaUrl } from "../../src/store/pg-test-schema.js";
import { getJson, post, type QueryBody, sleep } from "../api/helpers.js";

const runner = fileURLToPath(new URL("../api/fixtures/run-cli.ts", import.meta.url));
const pgUrl = process.env.DASHWIRE_TEST_PG_URL;
const hasRedis = (await import("node:child_process")).spawnSync("sh", ["-c", "command -v redis-server"]).status === 0;
if (pgUrl === undefined || !hasRedis)
  console.log("fault test skipped: it needs PostgreSQL (DASHWIRE_TEST_PG_URL) and redis-server");

const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
});

function startRedis(port: number): ChildProcess {
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    {
      stdio: "ignore",
    },
  );
  children.push(child);
  return child;
}

async function startNode(broker: string, store: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      runner,
      "start",
      "--workers",
      "1",
      "--port",
      "0",
      "--no-demo",
      "--broker",
      broker,
      "--store",
      store,
    ],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, DASHWIRE_LOG_LEVEL: "silent" } },
  );
  children.push(child);
  let out = "";
  child.stdout?.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr?.on("data", (c: Buffer) => (out += c.toString()));
  let url = "";
  await until(
    () => {
      url = /listening on (http:\/\/\S+)/.exec(out)?.[1] ?? "";
      return url !== "";
    },
    40_000,
    `a node listening (${out})`,
  );
  return { child, url };
}

describe.skipIf(pgUrl === undefined || !hasRedis)("3 nodes on PostgreSQL + Redis", () => {
  it("Redis down 4 s, then a node killed: every acknowledged point is on every surviving node", async () => {
    const { url: store, schema } = freshSchemaUrl(pgUrl as string);
    try {
      const redisPort = await freePort();
      let redis = startRedis(redisPort);
      const broker = `redis://127.0.0.1:${redisPort}`;
      await until(() => canConnect(redisPort), 10_000, "redis up");
      const nodes = [];
      for (let i = 0; i < 3; i++) nodes.push(await startNode(broker, store));

      // Steady ingest: one producer per node, 5 points every 50 ms, each point at its own ms.
      const start = Date.now() - 60_000;
      let next = 0;
      let acked = 0;
      let cut = 0;
      let producing = true;
      const producers = nodes.map(async (node, n) => {
        while (producing) {
          const points = Array.from({ length: 5 }, () => ({ name: "fault.v", value: 1, ts: start + next++ }));
          try {
            const res = await post(`${node.url}/api/v1/metrics`, points);
            if (res.status === 200) acked += points.length;
            else cut += points.length;
          } catch {
            cut += points.length;
            if (n === 2) return; // the killed node
          }
          await sleep(50);
        }
      });
      await sleep(1500);
      redis.kill("SIGKILL");
      const ackedAtRedisKill = acked;
      await sleep(4000);
      const ackedWhileRedisDown = acked - ackedAtRedisKill;
      redis = startRedis(redisPort);
      await sleep(1500);
      (nodes[2] as { child: ChildProcess }).child.kill("SIGKILL");
      await sleep(1500);
      producing = false;
      await Promise.all(producers);
      expect(ackedWhileRedisDown).toBeGreaterThan(0);

      for (const node of nodes.slice(0, 2)) {
        const q = await getJson<QueryBody>(`${node.url}/api/v1/query?series=fault.v&from=${start - 1000}&step=1000`);
        const stored = q.body.points.reduce((s, p) => s + p[1], 0);
        expect(stored).toBeGreaterThanOrEqual(acked);
        expect(stored).toBeLessThanOrEqual(acked + cut);
      }
      expect(acked).toBeGreaterThan(200);
    } finally {
      for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
      await dropSchema(pgUrl as string, schema);
    }
  }, 120_000);
});
