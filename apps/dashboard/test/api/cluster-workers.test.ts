import type { ChildProcess } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Client, connect, type SubscribeResult } from "@dashwire/client/node";
import { CloseCode } from "@dashwire/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI_TEST_TIMEOUT_MS, type CliProcess, startCluster, workerPids } from "./cluster-cli.js";
import { sleep } from "./helpers.js";

/** One HTTP request on a fresh connection, so the cluster's round robin spreads them over workers. */
function request(
  method: string,
  url: string,
  body?: unknown,
): Promise<{ status: number; node: string; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent: false, headers: { "content-type": "application/json" } }, (res) => {
      let text = "";
      res.on("data", (c: Buffer) => (text += c.toString()));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          node: String(res.headers["x-dashwire-node"] ?? ""),
          body: text === "" ? undefined : JSON.parse(text),
        }),
      );
    });
    req.on("error", reject);
    // A connection handed to a worker as it is killed may never be answered.
    req.setTimeout(8000, () => req.destroy(new Error("request timed out")));
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

async function until<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error("timed out");
    await sleep(50);
  }
}

type QueryBody = { points: number[][] };

let dir: string;
let cluster: CliProcess;
let child: ChildProcess;
let base = "";

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "dashwire-workers-"));
  cluster = await startCluster(3, dir);
  ({ child, url: base } = cluster);
}, CLI_TEST_TIMEOUT_MS);

afterAll(async () => {
  cluster?.kill();
  await rm(dir, { recursive: true, force: true });
});

describe("dashwire start --workers 3 (cluster broker through the primary)", () => {
  it("spreads requests over the workers, all writing one store; every worker answers the same", async () => {
    const nodes = new Set<string>();
    const t0 = Math.floor(Date.now() / 1000) * 1000 - 1000;
    for (let i = 1; i <= 30; i++) {
      // Distinct ms in one second: 30 points (one ts twice would be one point).
      const res = await request("POST", `${base}/api/v1/metrics`, { name: "cw.a", value: i, ts: t0 + i });
      expect(res.status).toBe(200);
      nodes.add(res.node);
    }
    expect(nodes.size).toBe(3);
    const q = `${base}/api/v1/query?series=cw.a&from=${t0 - 5000}&to=${t0 + 60_000}`;
    // The points of all workers merged in the one database: every worker reads the same bucket.
    const expected = [t0, 30, 465, 1, 30, 30];
    const answers = await until(async () => {
      const all = await Promise.all(Array.from({ length: 9 }, () => request("GET", q)));
      const done = all.every((a) => JSON.stringify((a.body as QueryBody).points) === JSON.stringify([expected]));
      return done ? all : undefined;
    });
    expect(new Set(answers.map((a) => a.node)).size).toBe(3);
  });

  it("dashboards written through any worker are seen by every worker, from the shared database", async () => {
    const put = await request("PUT", `${base}/api/v1/dashboards/cw`, { title: "Cluster", panels: [] });
    expect(put.status).toBe(201);
    const gets = await Promise.all(Array.from({ length: 6 }, () => request("GET", `${base}/api/v1/dashboards/cw`)));
    expect(gets.map((g) => g.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(new Set(gets.map((g) => g.node)).size).toBe(3);
    expect(await readdir(dir)).toContain("dashwire.db");
    expect((await request("DELETE", `${base}/api/v1/dashboards/cw`)).status).toBe(204);
    const after = await Promise.all(Array.from({ length: 6 }, () => request("GET", `${base}/api/v1/dashboards/cw`)));
    expect(after.map((g) => g.status)).toEqual([404, 404, 404, 404, 404, 404]);
  });

  it("previews a series watched through one worker when the others write it: each write goes out before its second ends", async () => {
    const client = connect(`${base.replace("http", "ws")}/dashwire`);
    const got: Array<{ t: number; count: number; at: number }> = [];
    const sub = client.subscribe("metrics:cw.watched", (d) =>
      got.push({ ...(d as { t: number; count: number }), at: Date.now() }),
    );
    await sub.ready;
    try {
      // Three points early in a second, on fresh connections: the round robin puts them on the
      // three workers, two of them not the subscriber's. Each worker previews its write as soon
      // as it commits (the others told it the series is watched); a worker that did not know
      // would publish it only when the second closes. A round the machine made too slow (the
      // second ended first) is tried again.
      let previews = 0;
      for (let round = 0; round < 5 && previews < 3; round++) {
        await until(() => (Date.now() % 1000 < 150 ? true : undefined), 3000);
        const second = Math.floor(Date.now() / 1000) * 1000;
        const nodes = new Set<string>();
        for (let i = 1; i <= 3; i++) {
          const res = await request("POST", `${base}/api/v1/metrics`, { name: "cw.watched", value: i, ts: second + i });
          expect(res.status).toBe(200);
          nodes.add(res.node);
        }
        if (nodes.size < 3) continue;
        await sleep(Math.max(0, second + 1000 - Date.now()));
        previews = new Set(got.filter((g) => g.t === second && g.at < second + 1000).map((g) => g.count)).size;
      }
      expect(previews).toBe(3);
    } finally {
      client.close();
    }
  });

  it("kill a worker while points flow: clients reconnect and resume with no lost publication, no acknowledged point lost", async () => {
    const primary = child.pid as number;
    const before = workerPids(primary);
    expect(before).toHaveLength(3);
    const victim = before[0] as number;

    const clients: Client[] = [];
    const offsets: number[][] = [];
    const resumes: SubscribeResult[] = [];
    let disconnects = 0;
    for (let i = 0; i < 6; i++) {
      const client = connect(`${base.replace("http", "ws")}/dashwire`, {
        reconnect: { minDelayMs: 50, maxDelayMs: 200 },
      });
      clients.push(client);
      let was = "connecting";
      client.on("state", (state) => {
        if (was === "connected" && state !== "connected") disconnects++;
        was = state;
      });
      const got: number[] = [];
      offsets.push(got);
      const sub = client.subscribe("metrics:cw.live", (_d, pub) => got.push(pub.offset));
      let first = true;
      sub.on("subscribed", (r) => {
        if (!first) resumes.push(r);
        first = false;
      });
      await sub.ready;
    }

    // A producer: one point every 40 ms, each on a fresh connection (so on any worker), each at
    // its own ms (the point's identity), so the store's count says how many are kept.
    let producing = true;
    let accepted = 0;
    const failed: number[] = [];
    const start = Date.now();
    const producer = (async () => {
      let v = 0;
      while (producing) {
        const ts = Math.max(Date.now(), start + v + 1);
        const res = await request("POST", `${base}/api/v1/metrics`, { name: "cw.live", value: ++v, ts }).catch(
          () => undefined,
        );
        if (res?.status === 200) accepted++;
        else failed.push(res?.status ?? 0);
        await sleep(40);
      }
    })();
    // Points flow, every client gets publications, and a second is closed and stored, however
    // slowly a loaded machine lets them (each acknowledged point is fsynced).
    const flowing = (n: number, pubs: number[]) =>
      accepted >= n && offsets.every((got, i) => got.length >= (pubs[i] as number) + 2) ? true : undefined;
    const none = offsets.map(() => 0);
    await until(() => flowing(10, none), 30_000);
    let mid = 0;
    const beforeKill = await until(async () => {
      mid = Date.now();
      const q = (await request("GET", `${base}/api/v1/query?series=cw.live&from=${mid - 10_000}&to=${mid}`))
        .body as QueryBody;
      return q.points.length > 0 ? q : undefined;
    });
    const acceptedAtKill = accepted;
    const pubsAtKill = offsets.map((got) => got.length);
    process.kill(victim, "SIGKILL");
    // The clients of the dead worker come back and resume; points and seconds keep flowing.
    await until(() => (disconnects > 0 && resumes.length === disconnects ? true : undefined), 30_000);
    await until(() => flowing(acceptedAtKill + 10, pubsAtKill), 30_000);
    producing = false;
    await producer;

    // The primary restarted the dead worker; the seconds stored before the kill are unchanged.
    await until(() => (workerPids(primary).length === 3 ? true : undefined));
    const later = (await request("GET", `${base}/api/v1/query?series=cw.live&from=${mid - 10_000}&to=${mid}`))
      .body as QueryBody;
    // Nothing stored before the kill is lost (a second may still grow after it was first read:
    // a request acknowledged just after the boundary, on any worker, lands in its second).
    for (const [t, count] of beforeKill.points)
      expect(later.points.find((p) => p[0] === t)?.[1], `second ${t}`).toBeGreaterThanOrEqual(count as number);
    // Every acknowledged point is stored; a request cut by the kill may or may not be.
    const stored = async () => {
      const all = (await request("GET", `${base}/api/v1/query?series=cw.live&from=${start - 2000}&step=1000`))
        .body as QueryBody;
      return all.points.reduce((n, p) => n + (p[1] as number), 0);
    };
    // (The query counts closed seconds: the last one closes within a second.)
    await until(async () => ((await stored()) >= accepted ? true : undefined));
    expect(await stored()).toBeLessThanOrEqual(accepted + failed.length);

    // Every client: contiguous offsets (no loss, no duplicate) up to the same last one (the last
    // second's publication reaches them all).
    expect(resumes.every((r) => r.recovered)).toBe(true);
    await until(() => {
      const tops = offsets.map((got) => got.at(-1) as number);
      return tops.every((t) => t === Math.max(...tops)) ? true : undefined;
    });
    const last = Math.max(...offsets.flat());
    for (const got of offsets) {
      expect(got.length).toBeGreaterThan(10);
      expect(got).toEqual(Array.from({ length: got.length }, (_, i) => (got[0] as number) + i));
      expect(got.at(-1)).toBe(last);
    }
    for (const c of clients) c.close();
  });

  it("stops on SIGTERM: every worker closes its clients with 1001 and the primary exits 0", async () => {
    const client = connect(`${base.replace("http", "ws")}/dashwire`, { reconnect: false });
    await new Promise<void>((resolve) => client.on("connected", () => resolve()));
    const closed = new Promise<number>((resolve) =>
      client.on("state", (state, reason) => {
        if (state !== "connected") resolve(reason.code);
      }),
    );
    const pids = workerPids(child.pid as number);
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    expect(await closed, cluster.output()).toBe(CloseCode.GoingAway);
    expect(await exited, cluster.output()).toBe(0);
    expect(cluster.output()).toMatch(/SIGTERM, shutting down/);
    expect(cluster.output()).toMatch(/stopped/);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
    client.close();
  });
});
