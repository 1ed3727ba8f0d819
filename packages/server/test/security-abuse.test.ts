import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, expect, it } from "vitest";
import { sleep, startServer, type TestServer } from "./fuzz/harness.js";
import { RawClient } from "./raw-client.js";

/**
 * Abuse on loopback. A well-behaved client measures its round trip (an echo event with ack) while,
 * in turn: nobody else, a publish flood, a connection loop, 100 MB frames, and all three at once.
 * The abusers run as separate processes from other loopback addresses (127.0.0.2-4), as they would
 * from other machines; the server and the measuring client share this process. A phase lasts
 * PHASE_MS and until the server's limit answered each of its abusers ("limited"), however slowly
 * a loaded machine lets them abuse. The assertions are on what the limits did and on memory; the
 * latency figures are printed, and their target (p99 within 2x of quiet) is measured with the
 * server alone on its core: `npm run bench -- abuse` (BENCHMARKS.md).
 */

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const ABUSER = fileURLToPath(new URL("../../../bench/src/abuse/abuser.ts", import.meta.url));
const PHASE_MS = 2500;
/** Each abuser's own address: three attackers, each limited on its own. */
const ADDRESSES: Record<string, string> = { flood: "127.0.0.2", connections: "127.0.0.3", bigframe: "127.0.0.4" };

type Counts = Record<string, number>;

interface Abuser {
  /** Resolves once the server's limit answered this abuser. */
  limited: Promise<void>;
  stop(): Promise<Counts>;
}

const children: ChildProcess[] = [];
let t: TestServer | undefined;
/** Figures of the abuse run, by phase ("quiet" first). */
const phases: { phase: string; n: number; p50: number; p99: number; max: number; rssMaxMB: number }[] = [];

afterAll(async () => {
  for (const c of children) c.kill("SIGKILL");
  await t?.server.close();
});

/** Starts one abuser process; resolves once it is abusing. */
function abuser(mode: string, url: string, localAddress: string): Promise<Abuser> {
  const child = spawn(process.execPath, ["--import", "tsx", ABUSER, mode, url, localAddress, "15000"], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  let out = "";
  const exited = new Promise<Counts>((resolve) => {
    child.on("exit", () => {
      const last = out.trim().split("\n").at(-1) ?? "{}";
      resolve(last.startsWith("{") ? (JSON.parse(last) as Counts) : {});
    });
  });
  let limit = () => {};
  const limited = new Promise<void>((resolve) => (limit = resolve));
  return new Promise((resolve, reject) => {
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("\nlimited\n")) limit();
      if (out.startsWith("ready"))
        resolve({
          limited,
          stop() {
            child.kill("SIGTERM");
            return exited;
          },
        });
    });
    child.on("error", reject);
  });
}

/** Round trips of the well-behaved client, one echo every 5 ms, until `done()`. */
async function roundTrips(c: RawClient, done: () => boolean, firstId: number): Promise<number[]> {
  const samples: number[] = [];
  for (let id = firstId; !done(); id++) {
    const start = performance.now();
    const reply = await c.request({ t: "evt", event: "echo", data: id }, id);
    samples.push(performance.now() - start);
    expect(reply.data).toBe(id);
    await sleep(5);
  }
  return samples;
}

function pct(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const MB = 1024 * 1024;

it("serves a well-behaved client, answers each abuser with its limit, keeps memory bounded", async () => {
  // 20 new connections a second per address (burst 40): a connection loop passes that even from
  // a process a loaded machine starves.
  t = await startServer({ limits: { connectionsPerIp: 64, connectionsPerIpPerSecond: 20 } });
  t.server.topic("flood:*", { clientPublish: true });
  t.server.on("echo", (d: unknown) => d);
  const good = await RawClient.connect(t.url);
  const warm = performance.now() + 300;
  await roundTrips(good, () => performance.now() >= warm, 1); // warm-up

  let rssMax = 0;
  const sampler = setInterval(() => {
    rssMax = Math.max(rssMax, process.memoryUsage().rss);
  }, 20);
  const counts: Record<string, Counts> = {};
  let nextId = 1000;
  const rssBase = process.memoryUsage().rss;

  const phase = async (name: string, modes: string[]) => {
    const running = await Promise.all(modes.map((m) => abuser(m, t!.url, ADDRESSES[m] as string)));
    rssMax = process.memoryUsage().rss;
    let limited = false;
    void Promise.all(running.map((a) => a.limited)).then(() => {
      limited = true;
    });
    const end = performance.now() + PHASE_MS;
    const samples = await roundTrips(good, () => limited && performance.now() >= end, nextId);
    nextId += samples.length + 1;
    const results = await Promise.all(running.map((a) => a.stop()));
    modes.forEach((m, i) => {
      counts[`${name}/${m}`] = results[i] as Counts;
    });
    phases.push({
      phase: name,
      n: samples.length,
      p50: +pct(samples, 50).toFixed(2),
      p99: +pct(samples, 99).toFixed(2),
      max: +Math.max(...samples).toFixed(2),
      rssMaxMB: Math.round(rssMax / MB),
    });
  };

  try {
    await phase("quiet", []);
    await phase("flood", ["flood"]);
    await phase("connections", ["connections"]);
    await phase("bigframe", ["bigframe"]);
    await phase("all", ["flood", "connections", "bigframe"]);
    await sleep(200);
  } finally {
    clearInterval(sampler);
  }
  const rssAfter = process.memoryUsage().rss;
  console.log(
    `abuse figures (node ${process.version}, rss at start ${Math.round(rssBase / MB)} MB, after ${Math.round(rssAfter / MB)} MB)`,
  );
  console.table(phases);
  console.log(JSON.stringify(counts));

  // The well-behaved client was never refused or closed.
  expect(good.closeCode).toBeUndefined();
  expect(good.messages.some((m) => m.t === "err" || (m.t === "ack" && m.error !== undefined))).toBe(false);

  // Each limit answered its abuser (every phase ran until it did).
  const flood = counts["flood/flood"] as Counts;
  expect(flood.close4003).toBeGreaterThanOrEqual(1);
  const big = counts["bigframe/bigframe"] as Counts;
  expect(big.close1009).toBeGreaterThanOrEqual(1);
  // The server stops reading at the frame header: each attempt gets far less than 100 MB in.
  expect((big.bytesWritten ?? 0) / (big.attempts ?? 1)).toBeLessThan(20 * MB);

  // The connection loop past 20/s is refused before the handshake (HTTP 429), not upgraded:
  // handshakes stay within the burst (40) plus 20 for each second the loop ran.
  const loop = counts["connections/connections"] as Counts;
  expect(loop.http429).toBeGreaterThan(0);
  expect(loop.handshakes).toBeLessThanOrEqual(40 + Math.ceil((20 * (loop.ms ?? 0)) / 1000));
  expect(loop.close4503 ?? 0).toBe(0);

  // The well-behaved client was answered in every phase, every reply its own (roundTrips checks).
  for (const p of phases) expect(p.n, p.phase).toBeGreaterThan(0);

  // Memory: the whole test process (server + measuring client) stays within 200 MB of its start.
  for (const p of phases) expect(p.rssMaxMB * MB - rssBase, p.phase).toBeLessThan(200 * MB);
  // A guard against a hang, not a speed target: about 15 s on a quiet machine, but each of the
  // seven abuser processes loads its sources through tsx, which took 10 s and more apiece on this
  // 2-core machine with every helper's suite running.
}, 240_000);
