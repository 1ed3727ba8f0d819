/**
 * What a start costs: `dashwire start --workers 1 --no-demo` (the build in
 * `apps/dashboard/dist`) started `runs` times on `dataDir` (default: a new empty one each run),
 * each stopped once it listens. Prints the CPU time (user + system, `/proc/<pid>/stat`) and the
 * wall time from spawn to "listening on", medians and ranges: CPU is the figure to compare on a
 * shared machine.
 *
 *   npx tsx apps/dashboard/bench/start-cpu.ts [runs=7] [dataDir]
 *
 * `SERVER_CPUS=0` pins the server (taskset); `SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=…"`
 * profiles each start.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { procCpuMs, startServer, stopServer } from "./server-process.js";

const runs = Number(process.argv[2] ?? 7);
const given = process.argv[3];
/** One start on `dir`: CPU and wall ms until it listens; the server is stopped again. */
async function startOnce(dir: string): Promise<{ cpuMs: number; wallMs: number }> {
  const { child, wallMs } = await startServer(dir);
  const cpuMs = procCpuMs(child.pid as number);
  await stopServer(child);
  return { cpuMs, wallMs };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const cpu: number[] = [];
const wall: number[] = [];
for (let r = 0; r < runs; r++) {
  const dir = given ?? mkdtempSync(join(tmpdir(), "dashwire-start-"));
  try {
    const t = await startOnce(dir);
    cpu.push(t.cpuMs);
    wall.push(t.wallMs);
  } finally {
    if (given === undefined) rmSync(dir, { recursive: true, force: true });
  }
}
const range = (xs: number[]) => `${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}`;
console.log(
  `load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}; ${runs} starts on ${given ?? "an empty data dir"}: CPU ${median(cpu).toFixed(0)} ms ` +
    `(${range(cpu)}), wall ${median(wall).toFixed(0)} ms (${range(wall)}) to "listening"`,
);
