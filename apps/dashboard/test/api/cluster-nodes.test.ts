import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NatsBroker } from "@dashwire/broker-nats";
import { RedisBroker } from "@dashwire/broker-redis";
import type { Broker } from "@dashwire/server";
import { afterAll, describe, expect, it } from "vitest";
import { deleteStreams } from "../../../../packages/broker-nats/test/test-streams.js";
import { createDashboardApp, type DashboardApp } from "../../src/app.js";
import { getJson, post, type QueryBody, sleep } from "./helpers.js";

const REDIS = process.env.DASHWIRE_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const NATS = process.env.DASHWIRE_TEST_NATS_URL ?? "nats://127.0.0.1:4222";
const run = `${process.pid}_${Date.now()}`;
const natsStream = `DWTEST_DASH${run}`;

/** Machines sharing one broker: each node its own broker client and its own data dir. */
const engines: Array<[string, () => Broker]> = [
  ["redis", () => new RedisBroker({ connection: REDIS, prefix: `dw-dash-${run}:` })],
  ["nats", () => new NatsBroker({ connection: NATS, prefix: `dwtest.d${run}`, stream: natsStream, storage: "memory" })],
];

afterAll(() => deleteStreams(NATS, [natsStream]).catch(() => {}));

async function until<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 8000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error("timed out");
    await sleep(25);
  }
}

describe.each(engines)("dashboard nodes on %s", (_name, broker) => {
  const apps: DashboardApp[] = [];
  const dirs: string[] = [];

  async function startNode(): Promise<DashboardApp> {
    const dataDir = await mkdtemp(join(tmpdir(), "dashwire-node-"));
    dirs.push(dataDir);
    const app = await createDashboardApp(
      { port: 0, demo: false, logLevel: "silent", dataDir },
      { broker: broker(), heartbeat: { heartbeatMs: 100, timeoutMs: 500 }, rpcTimeoutMs: 2000 },
    );
    apps.push(app);
    return app;
  }

  const leaderOf = (app: DashboardApp) => app.node.leader;
  const query = (app: DashboardApp, series: string, from: number) =>
    getJson<QueryBody>(`${app.url}/api/v1/query?series=${series}&from=${from}&to=${from + 120_000}`);

  afterAll(async () => {
    for (const app of apps) await app.close().catch(() => {});
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it("elects one leader (the oldest node); points sent to any node are rolled up once; queries agree", async () => {
    const [a, b, c] = [await startNode(), await startNode(), await startNode()];
    const nodes = [a, b, c];
    await until(() =>
      nodes.every((n) => leaderOf(n) === leaderOf(a) && leaderOf(a) !== undefined) ? true : undefined,
    );
    expect(nodes.filter((n) => n.node.isLeader)).toEqual([a]);

    const t0 = Date.now();
    for (let i = 0; i < 12; i++) {
      const res = await post(`${nodes[i % 3]!.url}/api/v1/metrics`, {
        name: "mn.cpu",
        tags: { host: "h1" },
        value: i,
        ts: t0,
      });
      expect(res.body).toEqual({ accepted: 1 });
    }
    const bucket = [Math.floor(t0 / 1000) * 1000, 12, 66, 0, 11, 11];
    for (const n of nodes)
      await until(async () => {
        const { body } = await query(n, "mn.cpu,host=h1", t0 - 5000);
        return JSON.stringify(body.points) === JSON.stringify([bucket]) ? true : undefined;
      });
    // The same list of series everywhere.
    const lists = await Promise.all(
      nodes.map((n) => getJson<{ series: { id: string }[] }>(`${n.url}/api/v1/series?match=mn.`)),
    );
    for (const l of lists) expect(l.body.series.map((s) => s.id)).toEqual(["mn.cpu,host=h1"]);
  });

  it("a dashboard written on a follower is on every node and in every node's file", async () => {
    const [a, b, c] = apps as [DashboardApp, DashboardApp, DashboardApp];
    const res = await fetch(`${c.url}/api/v1/dashboards/ops`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "Ops", panels: [] }),
    });
    expect(res.status).toBe(201);
    for (const n of [a, b, c])
      expect((await getJson<{ title: string }>(`${n.url}/api/v1/dashboards/ops`)).body.title).toBe("Ops");
    // A conflicting create is refused by the leader, and the follower says so.
    const dup = await post(`${b.url}/api/v1/dashboards`, { id: "ops", title: "Again", panels: [] });
    expect(dup.status).toBe(409);
    await until(async () => {
      const files = await Promise.all(
        dirs.slice(0, 3).map((d) => readFile(join(d, "dashboards.json"), "utf8").catch(() => "")),
      );
      return files.every((f) => f.includes('"ops"')) ? true : undefined;
    });
  });

  it("when the leader stops, the next oldest leads from its replica; a new node copies the store", async () => {
    const [a, b, c] = apps as [DashboardApp, DashboardApp, DashboardApp];
    const t0 = Date.now() - 60_000;
    const before = (await query(b, "mn.cpu,host=h1", t0)).body.points;
    expect(before).toHaveLength(1);
    await a.close();
    await until(() => (b.node.isLeader && leaderOf(c) === leaderOf(b) ? true : undefined));
    expect((await query(b, "mn.cpu,host=h1", t0)).body.points).toEqual(before);
    // Ingest keeps working through the follower; the new leader closes the second.
    const t1 = Date.now();
    expect((await post(`${c.url}/api/v1/metrics`, { name: "mn.after", value: 7, ts: t1 })).status).toBe(200);
    await until(async () => ((await query(c, "mn.after", t1 - 5000)).body.points.length === 1 ? true : undefined));
    // A node that joins now gets everything closed so far, dashboards included.
    const d = await startNode();
    await until(async () => {
      const [old, now] = [await query(d, "mn.cpu,host=h1", t0), await query(d, "mn.after", t1 - 5000)];
      return old.body.points.length === 1 && now.body.points.length === 1 ? true : undefined;
    });
    expect((await query(d, "mn.cpu,host=h1", t0)).body.points).toEqual(before);
    expect((await getJson<{ title: string }>(`${d.url}/api/v1/dashboards/ops`)).status).toBe(200);
    expect(leaderOf(d)).toBe(leaderOf(b));
  });
});
