/**
 * `dashwire start`: runs the app until SIGINT/SIGTERM, then shuts down cleanly. With
 * `--workers N` (N > 1) this process becomes the cluster primary (`run-primary.ts`) and forks N
 * workers that run this same command (`run-worker.ts`).
 */
import cluster from "node:cluster";
import { parseArgs } from "node:util";
import { createDashboardApp } from "../app.js";
import { ConfigError, loadStartOptions, type StartFlags } from "../config/load-config.js";
import type { DashboardOptions } from "../config/options.js";
import { START_HELP } from "./help.js";
import type { CliIo } from "./io.js";
import { runPrimary } from "./run-primary.js";
import { printListening, startError, stopOnSignal } from "./start-output.js";
import { runWorker } from "./run-worker.js";

/** Runs `start`; resolves with the exit code once the server has stopped. */
export async function startCommand(args: string[], io: CliIo): Promise<number> {
  let options: DashboardOptions;
  try {
    const { values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: "string", short: "p" },
        host: { type: "string" },
        broker: { type: "string" },
        workers: { type: "string", short: "w" },
        demo: { type: "boolean" },
        "no-demo": { type: "boolean" },
        config: { type: "string", short: "c" },
        "data-dir": { type: "string" },
        store: { type: "string" },
        sync: { type: "string" },
        retention: { type: "string" },
        "api-key": { type: "string", multiple: true },
        "public-read": { type: "boolean" },
        "no-public-read": { type: "boolean" },
        "private-metrics": { type: "boolean" },
        "cors-origin": { type: "string", multiple: true },
        "allowed-hosts": { type: "string", multiple: true },
        "webhook-hosts": { type: "string", multiple: true },
        "max-series": { type: "string" },
        "log-level": { type: "string" },
        "tls-cert": { type: "string" },
        "tls-key": { type: "string" },
        graphite: { type: "string" },
        statsd: { type: "string" },
        "statsd-flush-ms": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
    if (values.help) {
      io.out(START_HELP);
      return 0;
    }
    options = loadStartOptions(values as StartFlags, io.env);
  } catch (err) {
    const message = err instanceof ConfigError ? err.message : (err as Error).message;
    io.err(`dashwire start: ${message}\n\nRun "dashwire start --help" for the options.`);
    return 2;
  }
  if (cluster.isWorker) return runWorker(options, io);
  if (options.workers > 1) return runPrimary(options, io);

  let app: Awaited<ReturnType<typeof createDashboardApp>>;
  try {
    app = await createDashboardApp(options);
  } catch (err) {
    io.err(`dashwire start: ${startError(err, options)}`);
    return 1;
  }
  printListening(io, options, app.url, "", app.listeners);

  return stopOnSignal(io, () => app.close());
}
