/** What `dashwire start` prints and how it stops, shared by the single process and the cluster primary. */
import type { AddressInfo } from "node:net";
import { parseListenAddress } from "../config/listen-address.js";
import type { DashboardOptions } from "../config/options.js";
import type { SocketListeners } from "../ingest/socket-listeners.js";
import type { CliIo } from "./io.js";

/** Longest a shutdown may take before the process exits anyway (code 1). */
export const SHUTDOWN_TIMEOUT_MS = 10_000;

/** Why the app could not start, in words (port in use, no permission, or the error's message). */
export function startError(err: unknown, options: DashboardOptions): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === "EADDRINUSE") return `port ${options.port} on ${options.host} is in use; pick another with --port`;
  if (e.code === "EACCES") return `no permission to listen on ${options.host}:${options.port}`;
  return e.message;
}

/** Where a listener is: its bound address, or (the cluster primary, which binds none) the configured one. */
function listenerAt(options: DashboardOptions, which: "graphite" | "statsd", bound?: AddressInfo): string {
  const { host, port } =
    bound === undefined ? parseListenAddress(options[which], options.host) : { ...bound, host: bound.address };
  return `${host.includes(":") ? `[${host}]` : host}:${port}`;
}

/** The banner: where the dashboard, API and socket are (and the Graphite and StatsD listeners when on). */
export function printListening(
  io: CliIo,
  options: DashboardOptions,
  url: string,
  extra = "",
  listeners?: Pick<SocketListeners, "graphite" | "statsd">,
): void {
  io.out(`dashwire ${options.demo ? "(demo feed on) " : ""}${extra}listening on ${url}`);
  io.out(`  dashboard: ${url}/   API: ${url}/api/v1   socket: ${url.replace(/^http/, "ws")}/dashwire`);
  const agents = [
    options.graphite === "" ? "" : `graphite (TCP): ${listenerAt(options, "graphite", listeners?.graphite)}`,
    options.statsd === "" ? "" : `statsd (UDP): ${listenerAt(options, "statsd", listeners?.statsd)}`,
  ].filter(Boolean);
  if (agents.length > 0) io.out(`  ${agents.join("   ")}`);
  if (options.apiKeys.length > 0)
    io.out(`  API keys: ${options.apiKeys.length} configured (reads ${options.publicRead ? "public" : "need a key"})`);
}

/**
 * Resolves with the exit code once `close` has finished after SIGINT or SIGTERM: 0 when it
 * resolved (and did not say false), 1 when it failed, took too long, or a second signal came.
 */
export function stopOnSignal(io: CliIo, close: () => Promise<unknown>): Promise<number> {
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        io.err(`dashwire: second ${signal}, exiting now`);
        resolve(1);
        return;
      }
      stopping = true;
      io.out(`dashwire: ${signal}, shutting down`);
      const force = setTimeout(() => {
        io.err("dashwire: shutdown took too long, exiting");
        resolve(1);
      }, SHUTDOWN_TIMEOUT_MS + 2000);
      force.unref();
      close().then(
        (ok) => {
          clearTimeout(force);
          if (ok === false) {
            io.err("dashwire: stopped, but not every worker exited cleanly");
            resolve(1);
            return;
          }
          io.out("dashwire: stopped");
          resolve(0);
        },
        (err: unknown) => {
          clearTimeout(force);
          io.err(`dashwire: shutdown failed: ${(err as Error).message}`);
          resolve(1);
        },
      );
    };
    process.on("SIGINT", () => stop("SIGINT"));
    process.on("SIGTERM", () => stop("SIGTERM"));
  });
}
