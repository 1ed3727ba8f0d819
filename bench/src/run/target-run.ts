import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { TransportName } from "../load/links/link.js";
import { LoadGenerator, type LoadPhase, type LoadResult, type LoadTick } from "../load/load-generator.js";
import { type LoadPlan, loadPlanDefaults } from "../load/load-plan.js";
import type { WorkerCommand, WorkerMessage } from "../load/worker.js";
import { type ServerProcess, startServer } from "../targets/server-process.js";
import type { TargetDefinition } from "../targets/target-definition.js";
import { stopChild, trackChild } from "../util/child-registry.js";
import { idleCpuPct, type ServerSample, ServerMeter, type ServerUsage, sampleTrees } from "./server-meter.js";

export type { ServerSample, ServerUsage } from "./server-meter.js";

/** A process the target depends on but did not start (Redis): measured apart. */
export interface ExternalProcess {
  name: string;
  pid: number;
}

/** Options of `runTarget`. */
export interface TargetRunOptions {
  /** CPUs for the server (`taskset -c`); empty: unpinned. */
  serverCpus: string;
  /** CPUs per node when there are several (node i takes entry i; missing: `serverCpus`). */
  nodeCpus: string[];
  /** CPUs for the load generator; empty: unpinned. */
  loadCpus: string;
  host: string;
  /** Run the load generator inside this process (tests) instead of a pinned worker process. */
  inProcess: boolean;
  /** Seconds to let a fresh server settle before its baseline memory is read. */
  settleS: number;
  /** Server processes (nodes) to start; clients are spread over them. */
  nodes: number;
  /** Environment for every node (scale-out settings, history size). */
  serverEnv: Record<string, string>;
  /** Processes to measure beside the server (Redis). */
  external: ExternalProcess[];
  /** Names this run in reports when a target runs several ways ("2 nodes + Redis"). */
  variant: string;
}

/** Defaults of `TargetRunOptions`. */
export const targetRunDefaults: TargetRunOptions = {
  serverCpus: "0",
  nodeCpus: [],
  loadCpus: "1",
  host: "127.0.0.1",
  inProcess: false,
  settleS: 1,
  nodes: 1,
  serverEnv: {},
  external: [],
  variant: "",
};

/** One second of a run: load generator and server side by side. */
export interface RunSecond {
  /** Seconds since the server started. */
  t: number;
  phase: LoadPhase;
  /** Clients connected at the end of the second. */
  connected: number;
  /** Deliveries received in the second. */
  deliveries: number;
  /** Latency of the second's deliveries, ms. */
  p50: number;
  p99: number;
  max: number;
  serverCpuPct: number;
  /** % of the second the server's threads waited for a CPU (contention). */
  serverWaitPct: number;
  rssMB: number;
  /** CPU of the external processes (Redis), % of one core. */
  externalCpuPct: number;
  /** Load generator CPU, % of one core. */
  loadCpuPct: number;
  /** % of the second the load generator waited for its core. */
  loadWaitPct: number;
}

/** Progress of a run, for the progress bar. */
export type RunProgress = { kind: "phase"; phase: LoadPhase } | { kind: "tick"; tick: LoadTick; server?: ServerSample };

/** Usage of an external process (Redis) during the window, with its idle rate before the run. */
export interface ExternalUsage extends ServerUsage {
  name: string;
  /** CPU % while the target was idle (settling): what other users of it cost. */
  idleCpuPct: number;
}

/** One target, one load plan: everything measured. */
export interface TargetRun {
  target: string;
  label: string;
  /** How the target ran when it runs several ways (empty otherwise). */
  variant: string;
  transport: TransportName;
  nodes: number;
  /** Where server processes and load generator ran (CPUs). */
  layout: string;
  ok: boolean;
  error?: string;
  plan: LoadPlan;
  load?: LoadResult;
  server?: ServerUsage;
  /** External processes (Redis) over the window. */
  external?: ExternalUsage[];
  /** Per-second timeline (server start to end of drain). */
  series: RunSecond[];
}

const WORKER = fileURLToPath(new URL("../load/worker.js", import.meta.url));

/** Describes where the processes of a run are pinned. */
export function layoutOf(o: TargetRunOptions): string {
  const cpus = (list: string) => (list ? `CPU ${list}` : "unpinned");
  const nodes =
    o.nodes <= 1
      ? `server on ${cpus(o.serverCpus)}`
      : Array.from({ length: o.nodes }, (_, i) => `node ${i + 1} on ${cpus(o.nodeCpus[i] ?? o.serverCpus)}`).join(", ");
  const shared =
    o.nodes > 1 && new Set(Array.from({ length: o.nodes }, (_, i) => o.nodeCpus[i] ?? o.serverCpus)).size === 1;
  return `${nodes}${shared ? " (sharing it)" : ""}, load generator on ${cpus(o.loadCpus)}`;
}

/**
 * Starts the target's server (one or several nodes), runs one load plan against it and stops
 * everything. Server CPU and memory come from /proc for the whole process tree of every node;
 * the window is the load generator's.
 */
export async function runTarget(
  target: TargetDefinition,
  plan: Partial<LoadPlan>,
  options: Partial<TargetRunOptions> = {},
  onProgress: (p: RunProgress) => void = () => {},
): Promise<TargetRun> {
  const o = { ...targetRunDefaults, ...options };
  const servers: ServerProcess[] = [];
  const series: RunSecond[] = [];
  const base = {
    target: target.name,
    label: target.label,
    variant: o.variant,
    transport: plan.transport ?? loadPlanDefaults.transport,
    nodes: o.nodes,
    layout: layoutOf(o),
    series,
  };
  try {
    for (let i = 0; i < o.nodes; i++)
      servers.push(await startServer(target, { cpus: o.nodeCpus[i] ?? o.serverCpus, host: o.host, env: o.serverEnv }));
    // External processes serve other users too: their rate while the target idles is the noise.
    const idleBefore = o.external.map((e) => sampleTrees([e.pid]));
    await new Promise((r) => setTimeout(r, o.settleS * 1000));
    const idleExternalPct = o.external.map((e, i) => idleCpuPct([e.pid], idleBefore[i]));
    const first = servers[0] as ServerProcess;
    const fullPlan: Partial<LoadPlan> = {
      ...plan,
      url: first.url,
      urls: servers.length > 1 ? servers.map((s) => s.url) : [],
      protocol: target.protocol,
      ...(target.path ? { path: target.path } : {}),
    };
    const meter = new ServerMeter(servers.map((s) => s.pid));
    const externals = o.external.map((e) => new ServerMeter([e.pid]));
    const onPhase = (phase: LoadPhase) => {
      if (phase === "measure" || phase === "hold") {
        meter.startWindow();
        for (const m of externals) m.startWindow();
      } else if (phase === "drain" || phase === "done") {
        meter.endWindow();
        for (const m of externals) m.endWindow();
      }
      onProgress({ kind: "phase", phase });
    };
    const onTick = (tick: LoadTick) => {
      const s = meter.sample();
      let externalCpu = 0;
      for (const m of externals) externalCpu += m.sample()?.cpuPct ?? 0;
      if (s) {
        series.push({
          t: s.t,
          phase: tick.phase,
          connected: tick.connected,
          deliveries: tick.deliveries,
          p50: tick.p50,
          p99: tick.p99,
          max: tick.max,
          serverCpuPct: s.cpuPct,
          serverWaitPct: s.waitPct,
          rssMB: s.rssMB,
          externalCpuPct: Math.round(externalCpu * 10) / 10,
          loadCpuPct: Math.round(tick.cpu * 1000) / 10,
          loadWaitPct: Math.round(tick.wait * 1000) / 10,
        });
      }
      onProgress({ kind: "tick", tick, ...(s ? { server: s } : {}) });
    };
    const load = o.inProcess
      ? await new LoadGenerator(fullPlan, { phase: onPhase, tick: onTick }).run()
      : await runWorker(fullPlan, o.loadCpus, onPhase, onTick);
    const external = o.external.map((e, i) => ({
      name: e.name,
      idleCpuPct: idleExternalPct[i] ?? 0,
      ...(externals[i] as ServerMeter).usage(),
    }));
    return {
      ...base,
      ok: true,
      plan: { ...loadPlanDefaults, ...fullPlan },
      load,
      server: meter.usage(),
      ...(external.length ? { external } : {}),
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ...base, ok: false, error: message, plan: { ...loadPlanDefaults, ...plan } };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

/** Runs the load generator in its own process, pinned with taskset, and returns its result. */
function runWorker(
  plan: Partial<LoadPlan>,
  cpus: string,
  onPhase: (phase: LoadPhase) => void,
  onTick: (tick: LoadTick) => void,
): Promise<LoadResult> {
  const [cmd, args] = cpus ? ["taskset", ["-c", cpus, process.execPath, WORKER]] : [process.execPath, [WORKER]];
  const child = spawn(cmd as string, args as string[], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    detached: true,
  });
  trackChild(child);
  return new Promise<LoadResult>((resolve, reject) => {
    let settled = false;
    child.on("message", (m: WorkerMessage) => {
      if (m.type === "phase") onPhase(m.phase);
      else if (m.type === "tick") onTick(m.tick);
      else if (m.type === "result") {
        settled = true;
        resolve(m.result);
      } else if (m.type === "error") {
        settled = true;
        reject(new Error(`load generator: ${m.message}`));
      }
    });
    child.once("exit", (code, signal) => {
      if (!settled) reject(new Error(`load generator exited (${code ?? signal}) without a result`));
    });
    const command: WorkerCommand = { type: "run", plan };
    child.send(command);
  }).finally(() => stopChild(child, 1000));
}
