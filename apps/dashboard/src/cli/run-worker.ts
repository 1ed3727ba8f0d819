/**
 * A worker of `dashwire start --workers N`: the app on the port shared by all workers. Without an
 * external broker it uses the primary as its broker (`ClusterBroker`); with Redis or NATS it uses
 * that directly. Every worker opens the same store (the SQLite file of the data dir, or
 * PostgreSQL) and writes what it receives: no worker leads. Only the first worker runs the demo
 * feed. It stops when the primary says so (clients get 1001) or when the primary is gone.
 */
import { randomBytes } from "node:crypto";
import { ClusterBroker, CONTROL_TAG, onShutdownRequest } from "@dashwire/server/cluster";
import { createDashboardApp, type DashboardAppDeps } from "../app.js";
import type { DashboardOptions } from "../config/options.js";
import type { CliIo } from "./io.js";
import { startError } from "./start-output.js";

/** How long a worker that got a signal waits for the primary's shutdown message before it stops by itself, ms. */
const SIGNAL_GRACE_MS = 2000;

/** What a worker tells its primary about its start. */
export type WorkerReport =
  | { tag: typeof CONTROL_TAG; k: "listening"; url: string }
  | { tag: typeof CONTROL_TAG; k: "failed"; message: string };

/** Runs this process as a cluster worker; resolves with the exit code. */
export async function runWorker(options: DashboardOptions, _io: CliIo): Promise<number> {
  // Slot and pid say which worker it is; the random part keeps ids unique across machines.
  const nodeId = `w${process.env.DASHWIRE_WORKER_INDEX ?? ""}-${process.pid}-${randomBytes(3).toString("hex")}`;
  // One demo feed and one system feed per machine: the worker in slot 0 (a restarted one takes
  // its slot back); the machine's figures for /metrics and the system feed come from the primary.
  const first = (process.env.DASHWIRE_WORKER_INDEX ?? "0") === "0";
  // StatsD aggregates in one process (two aggregates of one second would replace each other).
  const deps: DashboardAppDeps = {
    nodeId,
    runsDemo: first,
    systemFeed: first,
    runsStatsd: first,
    clusterMetrics: true,
  };
  if (options.broker === "memory") deps.broker = new ClusterBroker();
  // With a callback, a primary already gone fails the send quietly instead of crashing this
  // worker (the `disconnect` that follows stops it cleanly).
  const report = (m: WorkerReport) => process.send?.(m, undefined, {}, () => {});
  // Listen for the primary's word from the start: a shutdown may come while the app starts.
  let stopRequested = false;
  let stop: () => void = () => {
    stopRequested = true;
  };
  onShutdownRequest(() => stop());
  let app: Awaited<ReturnType<typeof createDashboardApp>>;
  try {
    app = await createDashboardApp(options, deps);
  } catch (err) {
    report({ tag: CONTROL_TAG, k: "failed", message: startError(err, options) });
    return 1;
  }
  report({ tag: CONTROL_TAG, k: "listening", url: app.url });
  return new Promise<number>((resolve) => {
    let closing = false;
    const close = () => {
      if (closing) return;
      closing = true;
      app.close().then(
        () => resolve(0),
        () => resolve(1),
      );
    };
    stop = close;
    if (stopRequested) close();
    // Ctrl-C signals the whole process group: the primary orchestrates the shutdown. A signal
    // sent to this worker alone stops it after a grace period (and the primary restarts it).
    const onSignal = () => setTimeout(close, SIGNAL_GRACE_MS).unref();
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}
