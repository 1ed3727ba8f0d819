/**
 * Runs Debian's `wrk` with `bench/wrk/ingest.lua` (the load generator the peer figures were taken
 * with), pinned with taskset, and reads the one `WRK_RESULT` line its `done()` prints.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { readProcStat } from "../metrics/proc-sampler.js";
import { CLOCK_TICKS } from "../metrics/proc-sampler.js";
import { findExecutable } from "../util/executable.js";
import { trackChild } from "../util/child-registry.js";
import type { IngestWorkload } from "./ingest-workload.js";

/** The Lua script (the same path from src/ under tests and from dist/). */
export const INGEST_LUA = fileURLToPath(new URL("../../wrk/ingest.lua", import.meta.url));

/** One wrk invocation. */
export interface WrkRun {
  /** `http://host:port` */
  url: string;
  /** Path and query of the write request. */
  path: string;
  workload: IngestWorkload;
  /** First timestamp (ms since the epoch); see `nextBase` for the next run's. */
  base: number;
  /** Bodies per thread before it stops (0: until `durationS` ends). */
  limit: number;
  threads: number;
  connections: number;
  /** Seconds wrk runs at most. */
  durationS: number;
  /** CPU list for taskset (empty: unpinned). */
  cpus: string;
}

/** What wrk and the script counted, latencies in ms. */
export interface WrkResult {
  /** Seconds wrk ran. */
  durationS: number;
  /** Requests answered (any status). */
  requests: number;
  /** Bodies generated (answered, in flight at the end, or lost with a connection). */
  sent: number;
  /** 2xx answers: acknowledged bodies. */
  ok: number;
  /** Answers with any other status, by status. */
  statuses: Record<string, number>;
  errors: { connect: number; read: number; write: number; timeout: number };
  /** Bodies whose timestamps ran past the clock (+4 s): the run outpaced its timestamp space. */
  ahead: number;
  /** Highest body (block) number sent; -1 when none. */
  lastBlock: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** wrk's own CPU, % of one core over the run. */
  cpuPct: number;
}

/** Why wrk cannot run here, or undefined when it can. */
export function wrkMissing(): string | undefined {
  return findExecutable("wrk") ? undefined : "wrk not installed (apt-get install wrk; bench/peers/install.sh --ingest)";
}

interface RawResult {
  durationUs: number;
  requests: number;
  sent: number;
  ok: number;
  bad: number;
  statuses: Record<string, number>;
  errors: { connect: number; read: number; write: number; timeout: number; status: number };
  ahead: number;
  lastBlock: number;
  latencyUs: { p50: number; p90: number; p99: number; max: number; mean: number };
}

/** Reads the `WRK_RESULT` line out of wrk's output (throws when there is none). */
export function parseWrkOutput(stdout: string, cpuPct = 0): WrkResult {
  const line = stdout.split("\n").find((l) => l.startsWith("WRK_RESULT "));
  if (line === undefined) throw new Error(`wrk printed no result:\n${stdout.slice(-2000)}`);
  const raw = JSON.parse(line.slice("WRK_RESULT ".length)) as RawResult;
  const ms = (us: number) => Math.round(us) / 1000;
  return {
    durationS: raw.durationUs / 1e6,
    requests: raw.requests,
    sent: raw.sent,
    ok: raw.ok,
    statuses: raw.statuses,
    errors: {
      connect: raw.errors.connect,
      read: raw.errors.read,
      write: raw.errors.write,
      timeout: raw.errors.timeout,
    },
    ahead: raw.ahead,
    lastBlock: raw.lastBlock,
    latencyMs: {
      p50: ms(raw.latencyUs.p50),
      p90: ms(raw.latencyUs.p90),
      p99: ms(raw.latencyUs.p99),
      max: ms(raw.latencyUs.max),
      mean: ms(raw.latencyUs.mean),
    },
    cpuPct,
  };
}

/** CPU ticks of this process's reaped children (wrk's, once it has exited and been waited for). */
function reapedChildTicks(): number {
  return readProcStat(process.pid)?.childTicks ?? 0;
}

/** Runs wrk once; resolves with its result when it exits. */
export async function runWrk(o: WrkRun): Promise<WrkResult> {
  const wrk = findExecutable("wrk");
  if (wrk === undefined) throw new Error(wrkMissing());
  const w = o.workload;
  const args = [
    `-t${o.threads}`,
    `-c${Math.max(o.connections, o.threads)}`,
    `-d${Math.max(1, Math.ceil(o.durationS))}s`,
    // A slow answer is still an answer: wrk counts it, the store may be fsyncing.
    "--timeout",
    "60s",
    "-s",
    INGEST_LUA,
    o.url,
    "--",
    String(o.base),
    String(w.strideMs),
    String(w.series),
    String(w.lines),
    o.path,
    String(o.limit),
    String(o.threads),
  ];
  const [cmd, argv] = o.cpus ? ["taskset", ["-c", o.cpus, wrk, ...args]] : [wrk, args];
  const ticksBefore = reapedChildTicks();
  const started = performance.now();
  const child = spawn(cmd as string, argv as string[], { stdio: ["ignore", "pipe", "pipe"], detached: true });
  trackChild(child);
  let out = "";
  let err = "";
  let interrupted = false;
  child.stdout?.on("data", (d: Buffer) => {
    out += d.toString("utf8");
    // wrk sleeps out -d even when every thread is done; SIGINT ends its wait and it reports.
    if (o.limit > 0 && !interrupted && out.split("WRK_THREAD_DONE").length - 1 >= o.threads) {
      interrupted = true;
      child.kill("SIGINT");
    }
  });
  child.stderr?.on("data", (d: Buffer) => {
    err = (err + d.toString("utf8")).slice(-4000);
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (c) => resolve(c));
  });
  const elapsedS = (performance.now() - started) / 1000;
  const cpuPct = (100 * (reapedChildTicks() - ticksBefore)) / CLOCK_TICKS / elapsedS;
  if (code !== 0) throw new Error(`wrk exited with ${code}: ${err.trim() || out.slice(-2000)}`);
  return parseWrkOutput(out, Math.round(cpuPct * 10) / 10);
}
