/**
 * The `abuse` scenario (issue 8): how much a well-behaved client feels a publish flood, a
 * connection loop and 100 MB frames. The dashwire server runs on the server CPUs with the
 * measuring client in its process (see abuse-server.ts for why), which sends an `echo` event
 * every 5 ms and times the ack. The abusers run on the load CPUs (their CPU is not the server's,
 * as if on other machines), from other loopback addresses (127.0.0.2-4). Phases: quiet, each
 * abuser alone, all three.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { BenchOptions } from "../bench-options.js";
import { CLOCK_TICKS, readProcStat } from "../metrics/proc-sampler.js";
import { freePort } from "../targets/server-process.js";
import { stopChild, trackChild } from "../util/child-registry.js";

/** Built entry points (the same path from src/ under tests and from dist/). */
const built = (file: string) => fileURLToPath(new URL(`../../dist/abuse/${file}`, import.meta.url));
const SERVER = built("abuse-server.js");
const ABUSER = built("abuser.js");

/** One phase's figures. */
export interface AbusePhase {
  phase: string;
  /** Round trips measured. */
  samples: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** p99 over the quiet phase's p99. */
  p99VsQuiet: number;
  serverCpuPct: number;
  serverRssMaxMB: number;
  /** What the abusers counted (connections, closes by code, bytes). */
  abusers: Record<string, Record<string, number>>;
}

/**
 * Rounds of all phases: each phase's samples are pooled over the rounds, so that a hiccup of the
 * machine (this VM has some, even with nothing running) lands on any phase, not on one.
 */
export const ABUSE_ROUNDS = 3;

/** Each abuser's own source address: three attackers, each limited on its own. */
const ABUSER_ADDRESSES: Record<string, string> = {
  flood: "127.0.0.2",
  connections: "127.0.0.3",
  bigframe: "127.0.0.4",
};

/** The phases in order: name and the abusers running during it. */
export const ABUSE_PHASES: readonly { phase: string; abusers: readonly string[] }[] = [
  { phase: "quiet", abusers: [] },
  { phase: "flood", abusers: ["flood"] },
  { phase: "connections", abusers: ["connections"] },
  { phase: "bigframe", abusers: ["bigframe"] },
  { phase: "all", abusers: ["flood", "connections", "bigframe"] },
];

/** Starts one abuser process (pinned to the load CPUs); resolves once it is abusing. */
function startAbuser(
  mode: string,
  url: string,
  localAddress: string,
  cpus: string,
): Promise<{ child: ChildProcess; counts: Promise<Record<string, number>> }> {
  const command = [process.execPath, ABUSER, mode, url, localAddress, "120000"];
  const pinned = cpus ? ["taskset", "-c", cpus, ...command] : command;
  const child = spawn(pinned[0] as string, pinned.slice(1), { stdio: ["ignore", "pipe", "inherit"], detached: true });
  trackChild(child);
  let out = "";
  const counts = new Promise<Record<string, number>>((resolve) => {
    child.on("exit", () => {
      const last = out.trim().split("\n").at(-1) ?? "{}";
      resolve(last.startsWith("{") ? (JSON.parse(last) as Record<string, number>) : {});
    });
  });
  return new Promise((resolve, reject) => {
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.startsWith("ready")) resolve({ child, counts });
    });
    child.on("error", reject);
    child.on("exit", (code) => reject(new Error(`abuser ${mode} exited (${code}) before it started`)));
  });
}

/** The abuse server process: measures round trips on request. */
class AbuseServer {
  private lines: string[] = [];
  private wake: (() => void) | undefined;

  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
  ) {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
      this.lines.push(line);
      this.wake?.();
    });
  }

  static async start(cpus: string): Promise<AbuseServer> {
    const port = await freePort();
    const command = [process.execPath, SERVER, String(port), "127.0.0.1"];
    const argv = cpus ? ["taskset", "-c", cpus, ...command] : command;
    const child = spawn(argv[0] as string, argv.slice(1), { stdio: ["pipe", "pipe", "inherit"], detached: true });
    trackChild(child);
    const server = new AbuseServer(child, `ws://127.0.0.1:${port}/dashwire`);
    await server.line((l) => l.includes("listening"), 30_000);
    return server;
  }

  private async line(match: (line: string) => boolean, timeoutMs: number): Promise<string> {
    const end = performance.now() + timeoutMs;
    for (;;) {
      const at = this.lines.findIndex(match);
      if (at >= 0) return this.lines.splice(0, at + 1).at(-1) as string;
      if (this.child.exitCode !== null) throw new Error(`abuse server exited (${this.child.exitCode})`);
      const left = end - performance.now();
      if (left <= 0) throw new Error("abuse server did not answer");
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 500));
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Round trips of the well-behaved client over `ms`. */
  async measure(ms: number): Promise<number[]> {
    this.child.stdin?.write(`measure ${ms}\n`);
    const reply = JSON.parse(await this.line((l) => l.startsWith("{"), ms + 30_000)) as {
      samples?: number[];
      error?: string;
    };
    if (reply.samples === undefined) throw new Error(`measuring failed: ${reply.error}`);
    return reply.samples;
  }

  stop(): Promise<void> {
    return stopChild(this.child);
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const round = (x: number, digits = 2) => Number(x.toFixed(digits));

/** Runs every phase for `o.durationS` seconds in each round; returns the pooled figures. */
export async function runAbuse(
  o: BenchOptions,
  progress: (fraction: number, label: string) => void,
  { rounds = ABUSE_ROUNDS, settleMs = 1000 } = {},
): Promise<AbusePhase[]> {
  const server = await AbuseServer.start(o.serverCpus);
  const pid = server.child.pid as number;
  const steps = rounds * ABUSE_PHASES.length;
  const pooled = ABUSE_PHASES.map(() => ({
    samples: [] as number[],
    cpuS: 0,
    elapsedS: 0,
    rssMax: 0,
    abusers: {} as Record<string, Record<string, number>>,
  }));
  try {
    for (let round = 0; round < rounds; round++) {
      for (const [index, { phase, abusers }] of ABUSE_PHASES.entries()) {
        const step = round * ABUSE_PHASES.length + index;
        const label = `${phase} (round ${round + 1}/${rounds})`;
        progress(step / steps, label);
        const running = await Promise.all(
          abusers.map((mode) => startAbuser(mode, server.url, ABUSER_ADDRESSES[mode] as string, o.loadCpus)),
        );
        const into = pooled[index] as (typeof pooled)[number];
        const before = readProcStat(pid);
        const t0 = performance.now();
        const sampler = setInterval(() => {
          into.rssMax = Math.max(into.rssMax, readProcStat(pid)?.rssBytes ?? 0);
          progress((step + (performance.now() - t0) / (o.durationS * 1000)) / steps, label);
        }, 100);
        const samples = await server.measure(o.durationS * 1000).finally(() => clearInterval(sampler));
        const after = readProcStat(pid);
        into.samples.push(...samples);
        into.cpuS += ((after?.ticks ?? 0) - (before?.ticks ?? 0)) / CLOCK_TICKS;
        into.elapsedS += (performance.now() - t0) / 1000;
        for (const [i, a] of running.entries()) {
          const done = a.counts;
          await stopChild(a.child);
          const mode = abusers[i] as string;
          const total = (into.abusers[mode] ??= {});
          for (const [k, v] of Object.entries(await done)) total[k] = (total[k] ?? 0) + v;
        }
        // Let the server settle (closing handshakes, timers) before the next phase.
        await sleep(settleMs);
      }
    }
  } finally {
    await server.stop();
  }
  const quietP99 = percentile(
    [...(pooled[0]?.samples ?? [])].sort((a, b) => a - b),
    99,
  );
  return ABUSE_PHASES.map(({ phase }, index) => {
    const p = pooled[index] as (typeof pooled)[number];
    const sorted = [...p.samples].sort((a, b) => a - b);
    const p99 = percentile(sorted, 99);
    return {
      phase,
      samples: sorted.length,
      p50Ms: round(percentile(sorted, 50)),
      p99Ms: round(p99),
      maxMs: round(sorted.at(-1) ?? Number.NaN),
      p99VsQuiet: round(p99 / quietP99),
      serverCpuPct: round((p.cpuS / p.elapsedS) * 100, 1),
      serverRssMaxMB: Math.round(p.rssMax / 1024 / 1024),
      abusers: p.abusers,
    };
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The Markdown table of an abuse run. */
export function abuseTable(phases: readonly AbusePhase[]): string {
  const rows = phases.map(
    (p) =>
      `| ${p.phase} | ${p.samples} | ${p.p50Ms} | ${p.p99Ms} | ${p.maxMs} | ${p.p99VsQuiet}× | ${p.serverCpuPct} % | ${p.serverRssMaxMB} MB |`,
  );
  return [
    "| phase | round trips | p50 ms | p99 ms | max ms | p99 vs quiet | server CPU | server RSS max |",
    "|---|---|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}

/** Writes `abuse.json` and `abuse.md` to `dir`. */
export function writeAbuseReport(dir: string, meta: Record<string, unknown>, phases: readonly AbusePhase[]): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/abuse.json`, `${JSON.stringify({ ...meta, phases }, null, 2)}\n`);
  writeFileSync(`${dir}/abuse.md`, `${abuseTable(phases)}\n`);
}
