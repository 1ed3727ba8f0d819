import type { ChildProcess } from "node:child_process";

/**
 * Every process group the harness started, so that an exit, Ctrl-C or crash kills them all:
 * a benchmark must never leave a server or load generator behind.
 */
const groups = new Set<number>();
let hooked = false;

function killAll(): void {
  for (const pid of groups) killGroup(pid, "SIGKILL");
  groups.clear();
}

/** Sends `signal` to the process group led by `pid` (started with `detached: true`). */
export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** Tracks a child started with `detached: true` (it leads its own process group). */
export function trackChild(child: ChildProcess): void {
  const pid = child.pid;
  if (pid === undefined) return;
  groups.add(pid);
  child.once("exit", () => {
    // The leader is gone; anything it forked may live on in its group: kill those too.
    killGroup(pid, "SIGKILL");
    groups.delete(pid);
  });
  if (!hooked) {
    hooked = true;
    process.once("exit", killAll);
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
      process.once(signal, () => {
        killAll();
        process.exit(128 + (signal === "SIGINT" ? 2 : signal === "SIGTERM" ? 15 : 1));
      });
    }
  }
}

/** Stops a tracked child: SIGTERM to its group, SIGKILL after `graceMs`; resolves when it exited. */
export function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  const pid = child.pid;
  if (pid === undefined || child.exitCode !== null || child.signalCode !== null) {
    if (pid !== undefined) killGroup(pid, "SIGKILL");
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => killGroup(pid, "SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(timer);
      killGroup(pid, "SIGKILL");
      resolve();
    });
    killGroup(pid, "SIGTERM");
  });
}
