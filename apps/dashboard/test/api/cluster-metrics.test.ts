/**
 * `dashwire start --workers 2`: `/metrics` and the System dashboard give the whole machine's
 * figures whichever worker answers (issue 12, item 8: each scrape answered from the worker that
 * took the connection — counters jumped 24, 0, 24, 0 — and the dashboard showed "Connections 0"
 * beside "1 online"). Counters never go backwards across scrapes, even when a worker dies.
 */
import { mkdtemp, rm } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RawClient } from "../../../../packages/server/test/raw-client.js";
import { until } from "../../../../packages/server/test/until.js";
import { CLI_TEST_TIMEOUT_MS, type CliProcess, startCluster, workerPids } from "./cluster-cli.js";

/** A GET on a fresh connection, so the cluster's round robin spreads requests over the workers. */
function get(url: string): Promise<{ status: number; body: string; node: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, body, node: String(res.headers["x-dashwire-node"] ?? "") }),
      );
    });
    req.on("error", reject);
    req.setTimeout(8000, () => req.destroy(new Error("request timed out")));
  });
}

/** The samples of one scrape: `name{labels}` → value. */
function parse(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const space = line.lastIndexOf(" ");
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

async function scrape(base: string): Promise<Map<string, number>> {
  const res = await get(`${base}/metrics`);
  expect(res.status).toBe(200);
  return parse(res.body);
}

const COUNTERS = ["dashwire_connections_total", "dashwire_messages_out_total", "dashwire_frames_out_total"];

let dir: string;
let cluster: CliProcess;
let base = "";
const sockets: RawClient[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "dashwire-cluster-metrics-"));
  cluster = await startCluster(2, dir);
  base = cluster.url;
}, CLI_TEST_TIMEOUT_MS);

afterAll(async () => {
  for (const s of sockets) s.close();
  cluster?.kill();
  await rm(dir, { recursive: true, force: true });
});

describe("dashwire start --workers 2: cluster-wide figures", () => {
  it("every scrape shows the machine's total, whichever worker answers; the System series too", async () => {
    // Requests spread over both workers (round robin on fresh connections).
    const nodes = new Set<string>();
    for (let i = 0; i < 6; i++) nodes.add((await get(`${base}/api/v1/cluster`)).node);
    expect(nodes.size).toBe(2);

    for (let i = 0; i < 6; i++) sockets.push(await RawClient.connect(`${base.replace("http", "ws")}/dashwire`));
    let previous = new Map<string, number>();
    for (let i = 0; i < 8; i++) {
      const now = await scrape(base);
      expect(now.get("dashwire_connections"), `scrape ${i}`).toBe(6);
      expect(now.get("dashwire_processes")).toBe(3);
      for (const c of COUNTERS) expect(now.get(c), `${c}, scrape ${i}`).toBeGreaterThanOrEqual(previous.get(c) ?? 0);
      expect(now.get("process_resident_memory_bytes")).toBeGreaterThan(3 * 20 * 1_048_576); // three processes
      previous = now;
    }
    // Both workers hold connections: the per-process figures say so, and add up to the total.
    const perWorker = [...previous].filter(([k]) => k.startsWith('dashwire_process_connections{process="worker-'));
    expect(perWorker).toHaveLength(2);
    for (const [k, v] of perWorker) expect(v, k).toBeGreaterThan(0);
    expect(perWorker.reduce((sum, [, v]) => sum + v, 0)).toBe(6);

    // The System dashboard's series are the machine's too: written once a second by one worker.
    const latest = async (series: string) => {
      const res = await get(`${base}/api/v1/query?series=${series}&from=${Date.now() - 10_000}`);
      const points = (JSON.parse(res.body) as { points: number[][] }).points;
      return points.at(-1)?.[5];
    };
    await until(async () => (await latest("dashwire.connections")) === 6, 10_000, "System connections = 6");
    await until(async () => (await latest("dashwire.processes")) === 3, 10_000, "System processes = 3");
  }, 60_000);

  it("never lets a counter go backwards when a worker dies and restarts", async () => {
    const before = await scrape(base);
    const primary = cluster.child.pid as number;
    const pids = workerPids(primary);
    expect(pids).toHaveLength(2);
    process.kill(pids[0] as number, "SIGKILL");
    await until(
      () => workerPids(primary).filter((p) => !pids.includes(p)).length === 1,
      20_000,
      "the worker restarted",
    );
    await until(async () => (await get(`${base}/healthz`)).status === 200, 10_000, "serving again");
    for (let i = 0; i < 6; i++) {
      const now = await scrape(base);
      for (const c of COUNTERS) expect(now.get(c), `${c} after the restart`).toBeGreaterThanOrEqual(before.get(c) ?? 0);
    }
  }, 60_000);
});
