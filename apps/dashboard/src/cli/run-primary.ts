/**
 * The primary of `dashwire start --workers N`: forks the workers (they share the port), serves
 * them the cluster broker when there is no external broker, restarts
 * a worker that dies, prints the URL once every worker listens, and on SIGINT/SIGTERM tells every
 * worker to stop and exits 0 once they all did.
 */
import { ClusterBrokerHost, ClusterMetricsHost, ClusterSupervisor, CONTROL_TAG } from "@dashwire/server/cluster";
import type { DashboardOptions } from "../config/options.js";
import type { CliIo } from "./io.js";
import type { WorkerReport } from "./run-worker.js";
import { printListening, SHUTDOWN_TIMEOUT_MS, stopOnSignal } from "./start-output.js";

function reportOf(m: unknown): WorkerReport | undefined {
  if (typeof m !== "object" || m === null || (m as { tag?: unknown }).tag !== CONTROL_TAG) return undefined;
  const k = (m as { k?: unknown }).k;
  return k === "listening" || k === "failed" ? (m as WorkerReport) : undefined;
}

/** Runs this process as the cluster primary; resolves with the exit code. */
export function runPrimary(options: DashboardOptions, io: CliIo): Promise<number> {
  const local = options.broker === "memory";
  const host = local ? new ClusterBrokerHost() : undefined;
  const supervisor = new ClusterSupervisor(
    host === undefined
      ? { workers: options.workers, shutdownTimeoutMs: SHUTDOWN_TIMEOUT_MS }
      : { workers: options.workers, shutdownTimeoutMs: SHUTDOWN_TIMEOUT_MS, host },
  );
  // Scrapes and the system feed of any worker get the whole machine's figures from here.
  new ClusterMetricsHost(supervisor);
  const listening = new Set<number>();
  let announced = false;
  return new Promise<number>((resolve) => {
    supervisor.on("message", (index, _worker, m) => {
      const report = reportOf(m);
      if (report?.k === "listening") {
        listening.add(index);
        if (!announced && listening.size === options.workers) {
          announced = true;
          printListening(io, options, report.url, `(${options.workers} workers) `);
        }
      } else if (report?.k === "failed" && !announced) {
        // A worker that cannot start at first (port in use…) would fail the same way again.
        io.err(`dashwire start: ${report.message}`);
        supervisor.shutdown().then(() => resolve(1));
      }
    });
    supervisor.on("exit", (index, worker, code, signal) => {
      listening.delete(index);
      if (!supervisor.shuttingDown)
        io.err(`dashwire: worker ${index} (pid ${worker.process.pid}) exited (${signal ?? code}); restarting it`);
      // Which worker made the exit code 1, and how.
      else if (code !== 0)
        io.err(`dashwire: worker ${index} (pid ${worker.process.pid}) did not stop cleanly (${signal ?? code})`);
    });
    supervisor.start();
    stopOnSignal(io, () => supervisor.shutdown()).then(resolve);
  });
}
