/**
 * The opt-in socket listeners of the app: Graphite plaintext over TCP (`graphite`) and StatsD over
 * UDP (`statsd`), both storing through the ingest routes' store, gate and counters. An address
 * that cannot be bound fails the start with an error naming the listener.
 */
import type { AddressInfo } from "node:net";
import { type ListenAddress, parseListenAddress } from "../config/listen-address.js";
import type { DashboardOptions } from "../config/options.js";
import { GraphiteListener } from "./graphite-listener.js";
import type { ListenerDeps } from "./listener-deps.js";
import { STATSD_MAX_SET_MEMBERS } from "./statsd-aggregator.js";
import { StatsdListener } from "./statsd-listener.js";

/** The listeners that run, with their bound addresses. */
export interface SocketListeners {
  /** The Graphite listener's address, when it runs. */
  readonly graphite: AddressInfo | undefined;
  /** The StatsD listener's address, when it runs (with workers: in the first only). */
  readonly statsd: AddressInfo | undefined;
  /** Stops both; what was read is stored first. */
  close(): Promise<void>;
}

type Listener = GraphiteListener | StatsdListener;

async function started(what: string, where: ListenAddress, listener: Listener): Promise<AddressInfo> {
  try {
    return await listener.start();
  } catch (err) {
    // Not the HTTP port's EADDRINUSE message: say which listener could not bind.
    throw new Error(`${what} listener on ${where.host}:${where.port}: ${(err as Error).message}`);
  }
}

/** Starts the listeners `options` ask for; `statsd` false keeps StatsD off here (another worker runs it). */
export async function startSocketListeners(
  options: Pick<
    DashboardOptions,
    "host" | "graphite" | "statsd" | "statsdFlushMs" | "statsdMaxKeys" | "maxGraphiteConnections"
  >,
  deps: ListenerDeps,
  statsd = true,
): Promise<SocketListeners> {
  const running: Listener[] = [];
  const close = async () => {
    await Promise.all(running.map((l) => l.close()));
  };
  try {
    let graphiteAt: AddressInfo | undefined;
    let statsdAt: AddressInfo | undefined;
    if (options.graphite !== "") {
      const where = parseListenAddress(options.graphite, options.host);
      const l = new GraphiteListener({ ...where, maxConnections: options.maxGraphiteConnections }, deps);
      graphiteAt = await started("graphite", where, l);
      running.push(l);
    }
    if (options.statsd !== "" && statsd) {
      const where = parseListenAddress(options.statsd, options.host);
      const l = new StatsdListener(
        {
          ...where,
          flushMs: options.statsdFlushMs,
          maxKeys: options.statsdMaxKeys,
          maxSetMembers: STATSD_MAX_SET_MEMBERS,
        },
        deps,
      );
      statsdAt = await started("statsd", where, l);
      running.push(l);
    }
    return { graphite: graphiteAt, statsd: statsdAt, close };
  } catch (err) {
    await close();
    throw err;
  }
}
