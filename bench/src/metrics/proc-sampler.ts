import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/** One process as read from `/proc/<pid>/stat`. */
export interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime, clock ticks. */
  ticks: number;
  /** cutime + cstime: ticks of children already reaped. */
  childTicks: number;
  /** Resident set size, bytes. */
  rssBytes: number;
}

/** One reading of a process tree. */
export interface TreeSample {
  /** Wall clock, ms (Date.now()). */
  atMs: number;
  /** Monotonic ms, for rates. */
  monoMs: number;
  /** CPU seconds used by the live tree plus its reaped children. */
  cpuSeconds: number;
  /** Sum of the tree's RSS, bytes. */
  rssBytes: number;
  /** Processes in the tree. */
  processes: number;
  /**
   * Seconds the tree's threads were runnable but waiting for a CPU (schedstat run_delay): high
   * when other processes compete for the pinned core, which makes the figures noisy.
   */
  waitSeconds: number;
}

function sysconf(name: string, fallback: number): number {
  try {
    const value = Number(execFileSync("getconf", [name], { encoding: "utf8" }).trim());
    return Number.isFinite(value) && value > 0 ? value : fallback;
  } catch {
    return fallback;
  }
}

/** Kernel clock ticks per second (USER_HZ) and page size, read once. */
export const CLOCK_TICKS = sysconf("CLK_TCK", 100);
export const PAGE_SIZE = sysconf("PAGESIZE", 4096);

/** Reads `/proc/<pid>/stat`; undefined when the process is gone. */
export function readProcStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name is in parentheses and may contain spaces: fields start after the last ')'.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const f = (i: number) => Number(fields[i]);
  // proc(5): fields 3.. are state, ppid, ...; utime is field 14, rss field 24.
  return { pid, ppid: f(1), ticks: f(11) + f(12), childTicks: f(13) + f(14), rssBytes: f(21) * PAGE_SIZE };
}

/** Seconds the threads of `pid` spent runnable but not running (schedstat of each of its tasks). */
export function readRunQueueWait(pid: number | "self", mainThreadOnly = false): number {
  let ns = 0;
  try {
    const tasks = mainThreadOnly ? [] : readdirSync(`/proc/${pid}/task`);
    const files = mainThreadOnly ? [`/proc/${pid}/schedstat`] : tasks.map((t) => `/proc/${pid}/task/${t}/schedstat`);
    for (const file of files) {
      try {
        ns += Number(readFileSync(file, "utf8").split(" ")[1]) || 0;
      } catch {
        // The thread ended between the listing and the read.
      }
    }
  } catch {
    return 0;
  }
  return ns / 1e9;
}

/** The pids of `root` and all its descendants (scans /proc once). */
export function processTree(root: number): ProcStat[] {
  const byParent = new Map<number, ProcStat[]>();
  let rootStat: ProcStat | undefined;
  for (const name of readdirSync("/proc")) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const stat = readProcStat(pid);
    if (!stat) continue;
    if (pid === root) rootStat = stat;
    const siblings = byParent.get(stat.ppid);
    if (siblings) siblings.push(stat);
    else byParent.set(stat.ppid, [stat]);
  }
  if (!rootStat) return [];
  const tree: ProcStat[] = [rootStat];
  for (let i = 0; i < tree.length; i++) {
    for (const child of byParent.get((tree[i] as ProcStat).pid) ?? []) tree.push(child);
  }
  return tree;
}

/** Reads the CPU and memory of a process tree (the server and anything it forked). */
export function sampleTree(root: number): TreeSample | undefined {
  const tree = processTree(root);
  if (tree.length === 0) return undefined;
  let ticks = (tree[0] as ProcStat).childTicks;
  let rss = 0;
  let wait = 0;
  for (const p of tree) {
    ticks += p.ticks;
    rss += p.rssBytes;
    wait += readRunQueueWait(p.pid);
  }
  return {
    atMs: Date.now(),
    monoMs: performance.now(),
    cpuSeconds: ticks / CLOCK_TICKS,
    rssBytes: rss,
    processes: tree.length,
    waitSeconds: wait,
  };
}

/** Share of wall time the tree waited for a CPU between two samples (summed over threads). */
export function waitShare(from: TreeSample, to: TreeSample): number {
  const seconds = (to.monoMs - from.monoMs) / 1000;
  return seconds > 0 ? (to.waitSeconds - from.waitSeconds) / seconds : 0;
}

/** CPU share of one core used between two samples (1 = one full core). */
export function cpuShare(from: TreeSample, to: TreeSample): number {
  const seconds = (to.monoMs - from.monoMs) / 1000;
  return seconds > 0 ? (to.cpuSeconds - from.cpuSeconds) / seconds : 0;
}

/** Jiffies of some CPUs from `/proc/stat`: all of them, and those stolen by the hypervisor. */
export interface CpuJiffies {
  total: number;
  steal: number;
}

/** Sums the `/proc/stat` lines of `cpus` (zeros where /proc is not there). */
export function readCpuJiffies(cpus: readonly number[]): CpuJiffies {
  const out: CpuJiffies = { total: 0, steal: 0 };
  let text = "";
  try {
    text = readFileSync("/proc/stat", "utf8");
  } catch {
    return out;
  }
  for (const line of text.split("\n")) {
    const m = /^cpu(\d+) (.*)$/.exec(line);
    if (m === null || !cpus.includes(Number(m[1]))) continue;
    // user nice system idle iowait irq softirq steal (guest time is already in user).
    const fields = (m[2] as string).trim().split(/\s+/).slice(0, 8).map(Number);
    for (const f of fields) out.total += f;
    out.steal += fields[7] ?? 0;
  }
  return out;
}

/** Share of the time between two readings that the hypervisor gave the CPUs to others, %. */
export function stealShare(from: CpuJiffies, to: CpuJiffies): number {
  const total = to.total - from.total;
  return total > 0 ? (100 * (to.steal - from.steal)) / total : 0;
}
