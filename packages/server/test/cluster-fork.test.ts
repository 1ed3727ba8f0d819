import type { Worker } from "node:cluster";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type Client, connect } from "@dashwire/client/node";
import { CloseCode } from "@dashwire/protocol";
import { ClusterBrokerHost, ClusterSupervisor } from "@dashwire/server/cluster";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const serverSrc = pathToFileURL(fileURLToPath(new URL("../src/index.ts", import.meta.url))).href;
const clusterSrc = pathToFileURL(fileURLToPath(new URL("../src/cluster/index.ts", import.meta.url))).href;

// The worker: a dashwire server on the shared port with the cluster broker, as `dashwire start
// --workers N` runs it. Written to a temp file because cluster workers run a script of their own.
const workerScript = `
import { createServer } from ${JSON.stringify(serverSrc)};
import { ClusterBroker, onShutdownRequest } from ${JSON.stringify(clusterSrc)};
const server = createServer({ logLevel: "silent", broker: new ClusterBroker() });
server.topic("feed", { clientPublish: true, history: { size: 1000 } });
server.on("whoami", () => process.pid);
const { port } = await server.listen(Number(process.env.TEST_PORT), "127.0.0.1");
process.send({ k: "ready", port, pid: process.pid });
onShutdownRequest(async () => {
  await server.close();
  process.exit(0);
});
`;

let dir: string;
let supervisor: ClusterSupervisor;
const ready: Array<{ index: number; port: number; pid: number }> = [];
const clients: Client[] = [];

function waitFor(check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const poll = () => {
      if (check()) resolve();
      else if (Date.now() > end) reject(new Error("timed out"));
      else setTimeout(poll, 10);
    };
    poll();
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "dashwire-cluster-"));
  const exec = join(dir, "worker.mjs");
  await writeFile(exec, workerScript);
  supervisor = new ClusterSupervisor({
    workers: 3,
    exec,
    args: [],
    execArgv: ["--conditions=source", "--import", "tsx"],
    env: { TEST_PORT: "0" },
    host: new ClusterBrokerHost(),
    restart: { minDelayMs: 50, maxDelayMs: 5000, factor: 2 },
  });
  supervisor.on("message", (index, _w: Worker, m) => {
    const msg = m as { k?: string; port: number; pid: number };
    if (msg.k === "ready") ready.push({ index, port: msg.port, pid: msg.pid });
  });
  supervisor.start();
  await waitFor(() => ready.length === 3, 30_000);
});

afterAll(async () => {
  for (const c of clients) c.close();
  await supervisor?.shutdown();
  await rm(dir, { recursive: true, force: true });
});

describe("node:cluster workers with the cluster broker", () => {
  it("share one port, exchange publications through the primary, restart a dead worker, stop cleanly", async () => {
    const port = ready[0]!.port;
    expect(ready.map((r) => r.port)).toEqual([port, port, port]);

    // Round robin spreads connections over the workers.
    const pids = new Set<number>();
    const received: number[][] = [];
    const offsets: number[][] = [];
    for (let i = 0; i < 6; i++) {
      const client = connect(`ws://127.0.0.1:${port}/dashwire`, { reconnect: false });
      clients.push(client);
      pids.add((await client.emit("whoami", null)) as number);
      const got: number[] = [];
      const offs: number[] = [];
      received.push(got);
      offsets.push(offs);
      const sub = client.subscribe("feed", (data, pub) => {
        got.push(data as number);
        offs.push(pub.offset);
      });
      await sub.ready;
    }
    expect(pids.size).toBe(3);

    // Publishers on two different workers; every subscriber sees all, once, with the same offsets.
    for (let i = 0; i < 50; i++) await clients[i % 2]!.publish("feed", i);
    await waitFor(() => received.every((r) => r.length === 50));
    for (const r of received) expect(r).toEqual(Array.from({ length: 50 }, (_, i) => i));
    for (const o of offsets) expect(o).toEqual(offsets[0]);

    // A worker that dies is replaced in its slot.
    const victim = supervisor.workers[1]!;
    victim.process.kill("SIGKILL");
    await waitFor(() => ready.filter((r) => r.index === 1).length === 2);
    expect(supervisor.workers[1]?.process.pid).not.toBe(victim.process.pid);

    // Shutdown: clients are told "going away" (1001), every worker exits 0.
    const codes = clients
      .filter((c) => c.state === "connected")
      .map(
        (c) =>
          new Promise<number>((resolve) =>
            c.on("state", (state, reason) => {
              if (state !== "connected") resolve(reason.code);
            }),
          ),
      );
    expect(await supervisor.shutdown()).toBe(true);
    expect(new Set(await Promise.all(codes))).toEqual(new Set([CloseCode.GoingAway]));
  });
});
