/**
 * The dashwire server as the app's own benchmarks start it (`query-http.ts`, `start-cpu.ts`):
 * `dashwire start --workers 1 --no-demo` from the build in `apps/dashboard/dist`, on a data dir,
 * pinned with `SERVER_CPUS` (taskset), with `SERVER_NODE_ARGS` for Node (e.g. `--cpu-prof`).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../bin/dashwire.js", import.meta.url));
/** Clock ticks a second of `/proc/<pid>/stat` (Linux: 100). */
const TICK_MS = 10;

/** User + system CPU of process `pid` so far, ms (10 ms steps). */
export function procCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

/** A started server: its process, base URL, and ms from spawn to "listening on". */
export interface StartedServer {
  child: ChildProcess;
  base: string;
  wallMs: number;
}

/** Starts the server on `dir`; resolves once it listens. */
export function startServer(dir: string): Promise<StartedServer> {
  const node = process.env.SERVER_NODE_ARGS?.split(" ").filter(Boolean) ?? [];
  const args = [...node, BIN, ..."start --workers 1 --no-demo --port 0 --host 127.0.0.1 --log-level warn".split(" ")];
  args.push("--data-dir", dir);
  const cpus = process.env.SERVER_CPUS;
  const t0 = performance.now();
  const child = cpus
    ? spawn("taskset", ["-c", cpus, process.execPath, ...args], { stdio: ["ignore", "pipe", "pipe"] })
    : spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((resolve, reject) => {
    let out = "";
    let done = false;
    const seen = (c: Buffer) => {
      out += c.toString();
      const base = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      if (done || base === undefined) return;
      done = true;
      resolve({ child, base: base.replace(/\/$/, ""), wallMs: performance.now() - t0 });
    };
    child.stdout?.on("data", seen);
    child.stderr?.on("data", seen);
    child.once("exit", (code) => {
      if (!done) reject(new Error(`server exited (${code}) before listening: ${out}`));
    });
  });
}

/** Stops `child` (SIGTERM) and resolves once it exited. */
export function stopServer(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}
