/**
 * The dashboard app: one `node:http` server carrying the dashwire socket (`/dashwire`), the
 * REST API (`/api/v1`), and the built UI (`/`); a once-a-second tick that runs the feeds,
 * closes the second's rollups and publishes them on `metrics:<seriesId>`. Each concern is its
 * own module under `app/`; this file wires them in order and owns start-up and shutdown.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import type http from "node:http";
import type { AddressInfo } from "node:net";
import { type Broker, createServer, type DashwireServer } from "@dashwire/server";
import type { IngestRoutesDeps } from "./api/ingest-deps.js";
import { type Alerts, createAlerts } from "./alerts/alerts.js";
import { createApiRouter } from "./app/api-router.js";
import { AppTicker } from "./app/app-ticker.js";
import { type DashboardStats, newDashboardStats } from "./app/dashboard-stats.js";
import { declareDashboardTopics } from "./app/dashboard-topics.js";
import { createHttpServer } from "./app/http-server.js";
import { RollupPublisher } from "./app/rollup-publisher.js";
import { serveSocketIngest } from "./app/socket-ingest.js";
import { ApiKeys } from "./auth/api-keys.js";
import { canRead, metricsReader } from "./auth/read-access.js";
import { brokerFromUrl } from "./cluster/broker-from-url.js";
import { type DashboardOptions, dashboardDefaults } from "./config/options.js";
import { Dashboards } from "./dashboards/dashboards.js";
import { appMetrics } from "./feeds/app-metrics.js";
import { dashboardAllowedHosts, RequestGuard } from "./http/request-guard.js";
import { type IngestResult, ingestPoints } from "./ingest/ingest.js";
import { IngestCounters } from "./ingest/ingest-counters.js";
import { IngestGate } from "./ingest/ingest-gate.js";
import { type SocketListeners, startSocketListeners } from "./ingest/socket-listeners.js";
import { WatchedTopics } from "./series/watched-topics.js";
import { seriesTopic } from "./series/series-topic.js";
import { LiveRollups } from "./store/live-rollups.js";
import { MetricsWriter } from "./store/metrics-writer.js";
import { openStore } from "./store/open-store.js";
import type { Store } from "./store/store.js";

export type { DashboardStats } from "./app/dashboard-stats.js";
export { MAX_INFLIGHT_PUBLISHES } from "./app/rollup-publisher.js";

/** Path of the dashwire socket endpoint. */
export const WS_PATH = "/dashwire";

/** The app's version, from its package.json. */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;

/** What a node gets from its launcher (the CLI) or a test, beside the options. */
export interface DashboardAppDeps {
  /** The broker (default: built from `options.broker`). */
  broker?: Broker;
  /** This node's id (default: random). */
  nodeId?: string;
  /** The store (default: opened from `options.store`); closed with the app either way. */
  store?: Store;
  /** Whether this node runs the demo feed when `options.demo` is on (default true; workers: only the first). */
  runsDemo?: boolean;
  /** `/metrics` and the system feed give the machine's figures, from the cluster primary (workers). */
  clusterMetrics?: boolean;
  /** Whether this node writes the system series (default true; workers: only the first). */
  systemFeed?: boolean;
  /** Whether this node runs the StatsD listener when `options.statsd` is set (default true; workers: only the first). */
  runsStatsd?: boolean;
}

/** A running dashboard app. */
export interface DashboardApp {
  /** The dashwire server (socket, topics, stats). */
  readonly server: DashwireServer;
  readonly nodeId: string;
  readonly httpServer: http.Server;
  /** The durable store (series, rollups, dashboards). */
  readonly store: Store;
  /** Validates and writes points (what the ingest routes and the feeds use). */
  readonly writer: MetricsWriter;
  readonly dashboards: Dashboards;
  /** Alert rules, their evaluation (once per node set) and notifications. */
  readonly alerts: Alerts;
  readonly stats: DashboardStats;
  readonly options: DashboardOptions;
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  /** Bound port. */
  readonly port: number;
  /** The Graphite and StatsD listeners (`--graphite`, `--statsd`) and their bound addresses. */
  readonly listeners: SocketListeners;
  /** Publishes what is closed, tells clients "going away", stops accepting, closes the store. */
  close(): Promise<void>;
}

/** Creates and starts the dashboard app (resolves once it listens). */
export async function createDashboardApp(
  input: Partial<DashboardOptions> = {},
  deps: DashboardAppDeps = {},
): Promise<DashboardApp> {
  const options: DashboardOptions = { ...dashboardDefaults, ...input };
  const nodeId = deps.nodeId ?? randomBytes(6).toString("base64url");
  // One Host list for the socket (the server's check) and the HTTP routes (the guard's).
  const allowedHosts = dashboardAllowedHosts(options.host, options.allowedHosts);
  const guard = new RequestGuard(allowedHosts, options.corsOrigins);
  const keys = new ApiKeys(options.apiKeys, options.publicRead);
  // Every topic, known or not, is read with the read scope (presence included).
  const readable = canRead(keys);
  const metricsReadable = metricsReader(keys, options.privateMetrics);
  const server = createServer({
    path: WS_PATH,
    topicDefaults: { canSubscribe: readable },
    canReadMetrics: metricsReadable,
    clusterMetrics: deps.clusterMetrics ?? false,
    logLevel: options.logLevel,
    allowedOrigins: options.corsOrigins,
    allowedHosts,
    broker: deps.broker ?? (await brokerFromUrl(options.broker)),
    nodeId,
  });
  const log = server.logger;
  // Series someone subscribed to (on any node) are previewed as soon as they are written (LiveRollups).
  const watched = new WatchedTopics();
  watched.share(server.nodes);
  declareDashboardTopics(server, { readable, watched, maxAlertRules: options.maxAlertRules });

  const store = deps.store ?? (await openStore(options));
  const stats = newDashboardStats();
  const publisher = new RollupPublisher(server, stats, log);
  const live = new LiveRollups(store, publisher.publish, Date.now, (id) => watched.has(seriesTopic(id)));
  const writer = new MetricsWriter(
    store,
    { maxSeries: options.maxSeries, futureSkewMs: options.futureSkewMs, now: Date.now },
    live.stored,
    live.readBack,
  );
  let dashboards: Dashboards;
  try {
    dashboards = await Dashboards.open(store, {
      dataDir: options.dataDir,
      maxDashboards: options.maxDashboards,
      warn: (message) => log.warn(message),
    });
  } catch (err) {
    await store.close();
    throw err;
  }
  const counters = new IngestCounters();
  await server.addMetrics(counters.metrics());
  const ingest: IngestRoutesDeps = {
    ingest: (parsed, by) => ingestPoints(writer, parsed, by),
    keys,
    maxBodyBytes: options.maxBodyBytes,
    onIngest: (r: IngestResult) => {
      stats.pointsIn += r.accepted;
      stats.pointsRejected += r.rejectedTotal;
    },
    counters,
    gate: new IngestGate(options.maxIngestInFlight),
  };
  serveSocketIngest(server, keys, ingest);

  const warn = (message: string, err?: unknown) => log.warn({ err }, message);
  const alerts = createAlerts({ server, store, keys, options, nodeId, version: VERSION, warn });
  const router = createApiRouter({
    server,
    store,
    keys,
    dashboards,
    alerts,
    ingest,
    maxAnnotations: options.maxAnnotations,
    metricsReadable,
    nodeId,
    config: { wsPath: WS_PATH, version: VERSION },
  });
  const httpServer = createHttpServer({ options, guard, router, nodeId, log });
  server.attach(httpServer);

  const ticker = new AppTicker({
    server,
    store,
    writer,
    live,
    stats,
    nodeId,
    demo: options.demo && deps.runsDemo !== false,
    systemFeed: deps.systemFeed ?? true,
  });
  await server.addMetrics(appMetrics(() => ({ ...stats, series: ticker.seriesCount, storeBytes: ticker.storeBytes })));
  ticker.startPreviews();

  let listeners: SocketListeners | undefined;
  try {
    await server.start();
    ticker.seriesCount = await store.seriesCount();
    await alerts.start();
    listeners = await startSocketListeners(
      options,
      { ...ingest, warn: (err, message) => log.warn({ err }, message) },
      deps.runsStatsd,
    );
    await new Promise<void>((resolve, reject) => {
      httpServer.once("error", reject);
      httpServer.listen(options.port, options.host, () => {
        httpServer.off("error", reject);
        resolve();
      });
    });
  } catch (err) {
    await listeners?.close();
    await alerts.close();
    await store.close();
    throw err;
  }
  const sockets = listeners;
  ticker.start();
  const addr = httpServer.address() as AddressInfo;
  const hostForUrl = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  const scheme = options.tlsCert !== "" ? "https" : "http";
  const url = `${scheme}://${hostForUrl === "0.0.0.0" || hostForUrl === "[::]" ? "127.0.0.1" : hostForUrl}:${addr.port}`;

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      // What the Graphite and StatsD listeners read is stored while the store is open.
      await sockets.close();
      ticker.stop();
      live.stop();
      // The lease is released at once, so another node evaluates alerts without waiting for it to expire.
      await alerts.close();
      await live.closeSeconds().catch((err: unknown) => log.warn({ err }, "closing seconds failed"));
      await publisher.settle();
      // Clients get the last second, then "going away" while the port still listens: a
      // long-polling client learns it on its next poll. Only then does the port close.
      await server.drain();
      const stopped = new Promise<void>((resolve) => httpServer.close(() => resolve()));
      httpServer.closeIdleConnections();
      await server.close();
      httpServer.closeAllConnections();
      await stopped;
      await store.close();
    })();
    return closing;
  };

  return {
    server,
    nodeId,
    httpServer,
    store,
    writer,
    dashboards,
    alerts,
    stats,
    options,
    url,
    port: addr.port,
    listeners: sockets,
    close,
  };
}
