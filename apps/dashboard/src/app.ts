/**
 * The dashboard app: one `node:http` server carrying the dashwire socket (`/dashwire`), the
 * REST API (`/api/v1`), and the built UI (`/`); a once-a-second tick that runs the feeds,
 * closes the second's rollups and publishes them on `metrics:<seriesId>`.
 */
import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import { type Broker, createServer, DashwireError, type DashwireServer } from "@dashwire/server";
import { AGENT_PATHS, agentRoutes } from "./api/agent-routes.js";
import { dashboardRoutes } from "./api/dashboard-routes.js";
import { type IngestRoutesDeps, storeParsed } from "./api/ingest-deps.js";
import { metricsRoutes } from "./api/metrics-routes.js";
import { queryRoutes } from "./api/query-routes.js";
import { tagRoutes } from "./api/tag-routes.js";
import { authRoutes } from "./api/auth-routes.js";
import { infoRoutes } from "./api/info-routes.js";
import { ALERTS_TOPIC, type Alerts, createAlerts } from "./alerts/alerts.js";
import { annotationRoutes } from "./annotations/annotation-routes.js";
import { ANNOTATIONS_TOPIC, createAnnotations } from "./annotations/annotations.js";
import { ApiKeys } from "./auth/api-keys.js";
import { canRead, metricsReader, requireSocketScope, socketKeys } from "./auth/read-access.js";
import { brokerFromUrl } from "./cluster/broker-from-url.js";
import { type DashboardOptions, dashboardDefaults } from "./config/options.js";
import { Dashboards } from "./dashboards/dashboards.js";
import { ApiError, ApiErrorCode } from "./errors.js";
import { DemoFeed } from "./feeds/demo-feed.js";
import { FeedBatch } from "./feeds/feed-batch.js";
import { appMetrics } from "./feeds/app-metrics.js";
import { SystemFeed } from "./feeds/system-feed.js";
import { applyCors } from "./http/cors.js";
import { dashboardAllowedHosts, RequestGuard } from "./http/request-guard.js";
import { loggableUrl, sendError } from "./http/respond.js";
import { Router } from "./http/router.js";
import { StaticFiles } from "./http/static-files.js";
import { type IngestResult, ingestPoints } from "./ingest/ingest.js";
import { IngestCounters } from "./ingest/ingest-counters.js";
import { IngestGate } from "./ingest/ingest-gate.js";
import { parseJsonPoints } from "./ingest/json-points.js";
import { type SocketListeners, startSocketListeners } from "./ingest/socket-listeners.js";
import { type LiveBucket, seriesTopic, withSeriesId } from "./series/series-topic.js";
import { LiveRollups } from "./store/live-rollups.js";
import { WatchedTopics } from "./series/watched-topics.js";
import { MetricsWriter } from "./store/metrics-writer.js";
import { openStore } from "./store/open-store.js";
import type { BucketTuple, Store } from "./store/store.js";
import { StoreError } from "./store/store-error.js";

/** Path of the dashwire socket endpoint. */
export const WS_PATH = "/dashwire";
/** Publications allowed in flight to the broker; past it a second's rollups are skipped and counted. */
export const MAX_INFLIGHT_PUBLISHES = 50_000;
/** How often open-second buckets of externally ingested series are previewed (ms). */
const PREVIEW_EVERY_MS = 200;
/** Ticks between two prunes of aged-out rows and series. */
const PRUNE_EVERY_TICKS = 60;
/** Ticks between two reads of the store's series count and size (for the system feed). */
const STATS_EVERY_TICKS = 5;

/** The app's version, from its package.json. */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;

/** Counters of the app (beside the dashwire server's own `stats`). */
export interface DashboardStats {
  pointsIn: number;
  pointsRejected: number;
  publishes: number;
  /** Rollups not published because too many publications were in flight. */
  publishesSkipped: number;
  publishErrors: number;
  /** Feed points (demo, system) the store could not take (disk full, database down). */
  feedDropped: number;
}

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
  // Series someone subscribed to here are previewed as soon as they are written (LiveRollups).
  const watched = new WatchedTopics();
  server.topic("metrics:*", {
    history: { size: 300, ttlMs: 600_000 },
    latest: { maxKeys: 1 },
    canSubscribe: watched.noting(readable),
  });
  server.topic("dashboard:*", {
    presence: true,
    history: { size: 0 },
    latest: { maxKeys: 0 },
    canSubscribe: readable,
  });
  // Alert transitions (the latest per rule: a snapshot is every rule's last one) and annotation changes.
  const events = { history: { size: 100, ttlMs: 600_000 }, canSubscribe: readable };
  server.topic(ALERTS_TOPIC, { ...events, latest: { maxKeys: options.maxAlertRules } });
  server.topic(ANNOTATIONS_TOPIC, { ...events, latest: { maxKeys: 0 } });

  const store = deps.store ?? (await openStore(options));
  const stats: DashboardStats = {
    pointsIn: 0,
    pointsRejected: 0,
    publishes: 0,
    publishesSkipped: 0,
    publishErrors: 0,
    feedDropped: 0,
  };
  let inflight = 0;
  const publish = (id: string, b: BucketTuple) => {
    if (inflight >= MAX_INFLIGHT_PUBLISHES) {
      stats.publishesSkipped++;
      return;
    }
    inflight++;
    stats.publishes++;
    server
      .publish(
        seriesTopic(id),
        withSeriesId(id, { t: b[0], count: b[1], sum: b[2], min: b[3], max: b[4], last: b[5] } satisfies LiveBucket),
        {
          key: id,
        },
      )
      .catch((err: unknown) => {
        stats.publishErrors++;
        log.warn({ err, series: id }, "publish failed");
      })
      .finally(() => inflight--);
  };
  const live = new LiveRollups(store, publish, Date.now, (id) => watched.has(seriesTopic(id)));
  const writer = new MetricsWriter(
    store,
    { maxSeries: options.maxSeries, futureSkewMs: options.futureSkewMs, now: Date.now },
    live.stored,
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
  const onIngest = (r: IngestResult) => {
    stats.pointsIn += r.accepted;
    stats.pointsRejected += r.rejectedTotal;
  };
  const counters = new IngestCounters();
  await server.addMetrics(counters.metrics());

  const ingestDeps: IngestRoutesDeps = {
    ingest: (parsed, by) => ingestPoints(writer, parsed, by),
    keys,
    maxBodyBytes: options.maxBodyBytes,
    onIngest,
    counters,
    gate: new IngestGate(options.maxIngestInFlight),
  };

  // The socket's token is an API key: its scopes guard subscriptions (reads) and socket ingest,
  // `emit("metrics.write", points)` with the same body as the JSON API (writes). The ack leaves
  // once the points are committed.
  server.useConnect(socketKeys(keys));
  server.on<unknown, IngestResult>("metrics.write", async (data, ctx) => {
    requireSocketScope(keys, ctx.client, "write");
    try {
      return await storeParsed(ingestDeps, "socket", () => parseJsonPoints(data), "index");
    } catch (err) {
      // The same code as over HTTP (bad body 1002, disk full 10507, database down 5001, too many
      // writes 10503); a 5xx's details stay in the log, as over HTTP.
      const api = err instanceof StoreError ? err.toApiError() : err;
      if (!(api instanceof ApiError)) throw err;
      if (api.status >= 500 && api.code !== ApiErrorCode.Busy) log.warn({ err }, "socket ingest failed");
      throw new DashwireError(api.code, api.publicMessage);
    }
  });

  const router = new Router();
  metricsRoutes(router, ingestDeps);
  agentRoutes(router, ingestDeps);
  queryRoutes(router, { store, keys, now: Date.now });
  tagRoutes(router, { store, keys });
  dashboardRoutes(router, { dashboards, keys });
  const warn = (message: string, err?: unknown) => log.warn({ err }, message);
  const alerts = createAlerts({ server, store, keys, options, nodeId, version: VERSION, warn });
  alerts.routes(router);
  annotationRoutes(router, {
    annotations: createAnnotations(server, store, options.maxAnnotations, warn),
    keys,
    now: Date.now,
  });
  authRoutes(router, keys);
  infoRoutes(router, {
    keys,
    metricsReadable,
    config: { wsPath: WS_PATH, version: VERSION },
    cluster: { node: nodeId, broker: server.broker.name, store: store.kind },
  });
  const files = new StaticFiles(options.uiDir);

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    guard.check(req);
    const url = new URL(req.url ?? "/", "http://localhost");
    const path = url.pathname;
    if (path.startsWith("/api/") || AGENT_PATHS.has(path)) {
      // Which node answered: behind a balancer, this tells operators (and tests) where a request went.
      res.setHeader("x-dashwire-node", nodeId);
      if (applyCors(req, res, options.corsOrigins)) return;
      const route = router.match(req.method ?? "GET", path);
      if (route === undefined) throw new ApiError(404, ApiErrorCode.NotFound, `no route ${path}`);
      await route.handler(req, res, { params: route.params, query: url.searchParams });
      return;
    }
    if ((req.method === "GET" || req.method === "HEAD") && (await files.serve(req, res, path))) return;
    throw new ApiError(404, ApiErrorCode.NotFound, `not found: ${path}`);
  };
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    handle(req, res).catch((err: unknown) =>
      sendError(res, err, (e, requestId) =>
        log.error({ err: e, requestId, url: loggableUrl(req.url) }, "request failed"),
      ),
    );
  };
  // With a certificate the same app serves HTTPS and WSS (--tls-cert/--tls-key).
  const tls = options.tlsCert !== "";
  const httpServer: http.Server = tls
    ? (https.createServer(
        { cert: readFileSync(options.tlsCert), key: readFileSync(options.tlsKey) },
        onRequest,
      ) as unknown as http.Server)
    : http.createServer(onRequest);
  server.attach(httpServer);

  // ---------------------------------------------------------------- the tick
  const warnOf = (what: string) => (err: unknown) => log.warn({ err }, what);
  const feed = new FeedBatch(writer, nodeId, (err) => {
    stats.feedDropped++;
    log.warn({ err }, "feed points not stored");
  });
  const demo = options.demo && deps.runsDemo !== false ? new DemoFeed(feed.sink) : undefined;
  let seriesCount = 0;
  let storeBytes = 0;
  await server.addMetrics(appMetrics(() => ({ ...stats, series: seriesCount, storeBytes })));
  // The figures /metrics serves (the machine's, with workers), written by one process only.
  const system =
    (deps.systemFeed ?? true)
      ? new SystemFeed(feed.sink, () => server.metrics(), warnOf("system figures unavailable"))
      : undefined;
  let ticks = 0;
  let timer: NodeJS.Timeout | undefined;
  // Open-second previews of externally ingested series, a few times a second at most.
  const previewTimer = setInterval(() => {
    live.preview().catch(warnOf("preview failed"));
  }, PREVIEW_EVERY_MS);
  previewTimer.unref();
  const tick = () => {
    const now = Date.now();
    try {
      demo?.tick(now);
      system?.tick(now);
    } catch (err) {
      log.error({ err }, "tick failed");
    }
    feed
      .flush()
      .then(() => live.closeSeconds())
      .catch(warnOf("closing seconds failed"));
    if (++ticks % PRUNE_EVERY_TICKS === 0) store.prune(now).catch(warnOf("prune failed"));
    if (ticks % STATS_EVERY_TICKS === 0)
      Promise.all([store.seriesCount(), store.diskBytes()])
        .then(([n, bytes]) => {
          seriesCount = n;
          storeBytes = bytes;
        })
        .catch(warnOf("store stats failed"));
    schedule();
  };
  // Aligned a few ms after each second boundary, so a second is closed as soon as it ends.
  const schedule = () => {
    timer = setTimeout(tick, 1000 - (Date.now() % 1000) + 5);
  };

  let listeners: SocketListeners | undefined;
  try {
    await server.start();
    seriesCount = await store.seriesCount();
    await alerts.start();
    listeners = await startSocketListeners(
      options,
      { ...ingestDeps, warn: (err, message) => log.warn({ err }, message) },
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
  schedule();
  const addr = httpServer.address() as AddressInfo;
  const hostForUrl = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  const url = `${tls ? "https" : "http"}://${hostForUrl === "0.0.0.0" || hostForUrl === "[::]" ? "127.0.0.1" : hostForUrl}:${addr.port}`;

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      // What the Graphite and StatsD listeners read is stored while the store is open.
      await sockets.close();
      clearTimeout(timer);
      clearInterval(previewTimer);
      live.stop();
      // The lease is released at once, so another node evaluates alerts without waiting for it to expire.
      await alerts.close();
      await live.closeSeconds().catch(warnOf("closing seconds failed"));
      for (let i = 0; i < 100 && inflight > 0; i++) await new Promise((r) => setTimeout(r, 10));
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
