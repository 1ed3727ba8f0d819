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
import { type Broker, createServer, DashwireError, type DashwireServer, ErrorCode } from "@dashwire/server";
import { dashboardRoutes } from "./api/dashboard-routes.js";
import { metricsRoutes } from "./api/metrics-routes.js";
import { queryRoutes } from "./api/query-routes.js";
import { authRoutes } from "./api/auth-routes.js";
import { ApiKeys, requestKey } from "./auth/api-keys.js";
import { canRead, metricsReader, requireSocketScope, socketKeys } from "./auth/read-access.js";
import { brokerFromUrl } from "./cluster/broker-from-url.js";
import { ClusterNode } from "./cluster/cluster-node.js";
import { HeartbeatElection, type HeartbeatElectionOptions } from "./cluster/heartbeat-election.js";
import { InternalBus } from "./cluster/internal-bus.js";
import { type LeaderElection, SoloElection } from "./cluster/leader-election.js";
import { type DashboardOptions, dashboardDefaults } from "./config/options.js";
import { DashboardStore } from "./dashboards/dashboard-store.js";
import { ApiError, ApiErrorCode } from "./errors.js";
import { DemoFeed } from "./feeds/demo-feed.js";
import { SystemFeed } from "./feeds/system-feed.js";
import { applyCors } from "./http/cors.js";
import { dashboardAllowedHosts, RequestGuard } from "./http/request-guard.js";
import { sendError, sendJson } from "./http/respond.js";
import { Router } from "./http/router.js";
import { StaticFiles } from "./http/static-files.js";
import type { IngestResult } from "./ingest/ingest.js";
import { parseJsonPoints } from "./ingest/json-points.js";
import type { BucketTuple } from "./rollup/ring.js";
import { type Series, SeriesStore } from "./rollup/series-store.js";
import type { Tags } from "./series/series-id.js";
import { seriesTopic, withSeriesId } from "./series/series-topic.js";

/** Path of the dashwire socket endpoint. */
export const WS_PATH = "/dashwire";
/** Publications allowed in flight to the broker; past it a second's rollups are skipped and counted. */
export const MAX_INFLIGHT_PUBLISHES = 50_000;
/** How often open-second buckets of externally ingested series are previewed (ms). */
const PREVIEW_EVERY_MS = 200;
/** Ticks between two prunes of aged-out series. */
const PRUNE_EVERY_TICKS = 60;

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
}

/** What a node of a cluster gets from its launcher (the CLI) or a test, beside the options. */
export interface DashboardAppDeps {
  /** The broker (default: built from `options.broker`). */
  broker?: Broker;
  /** This node's id (default: random). */
  nodeId?: string;
  /** How the rollup leader is chosen (default: this node alone with the memory broker, else heartbeats). */
  election?: LeaderElection;
  /** Heartbeat timing when the default election runs over the broker. */
  heartbeat?: Partial<HeartbeatElectionOptions>;
  /** Whether a follower writes dashboards to its own data dir (default true; false for workers sharing one). */
  persistReplica?: boolean;
  /** How long a request forwarded to the leader waits, ms (default 5000). */
  rpcTimeoutMs?: number;
}

/** A running dashboard app. */
export interface DashboardApp {
  /** The dashwire server (socket, topics, stats). */
  readonly server: DashwireServer;
  /** This node in the cluster (leader or follower; alone it leads). */
  readonly node: ClusterNode;
  readonly httpServer: http.Server;
  readonly series: SeriesStore;
  readonly dashboards: DashboardStore;
  readonly stats: DashboardStats;
  readonly options: DashboardOptions;
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  /** Bound port. */
  readonly port: number;
  /** Stops accepting, publishes what is closed, saves, tells clients "going away", closes. */
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
  const inner = deps.broker ?? brokerFromUrl(options.broker);
  // Alone (memory broker), nothing crosses nodes; otherwise internal topics ride the broker.
  const bus = inner.name === "memory" ? undefined : new InternalBus(inner);
  const keys = new ApiKeys(options.apiKeys, options.publicRead);
  // Every topic, known or not, is read with the read scope (presence included).
  const readable = canRead(keys);
  const metricsReadable = metricsReader(keys, options.privateMetrics);
  const server = createServer({
    path: WS_PATH,
    topicDefaults: { canSubscribe: readable },
    canReadMetrics: metricsReadable,
    logLevel: options.logLevel,
    allowedOrigins: options.corsOrigins,
    allowedHosts,
    broker: bus ?? inner,
    nodeId,
  });
  const log = server.logger;
  server.topic("metrics:*", { history: { size: 300, ttlMs: 600_000 }, latest: { maxKeys: 1 }, canSubscribe: readable });
  server.topic("dashboard:*", {
    presence: true,
    history: { size: 0 },
    latest: { maxKeys: 0 },
    canSubscribe: readable,
  });

  const series = new SeriesStore({ maxSeries: options.maxSeries, futureSkewMs: options.futureSkewMs });
  const dashboards = await DashboardStore.open({
    dataDir: options.dataDir,
    maxDashboards: options.maxDashboards,
    warn: (message) => log.warn(message),
  });
  const election =
    deps.election ??
    (bus === undefined ? new SoloElection(nodeId) : new HeartbeatElection(bus, nodeId, deps.heartbeat));
  const node = new ClusterNode({
    nodeId,
    bus,
    election,
    series,
    dashboards,
    persistReplica: deps.persistReplica ?? true,
    rpcTimeoutMs: deps.rpcTimeoutMs ?? 5000,
    warn: (err, message) => log.warn({ err }, message),
  });
  const stats: DashboardStats = { pointsIn: 0, pointsRejected: 0, publishes: 0, publishesSkipped: 0, publishErrors: 0 };
  const onIngest = (r: IngestResult) => {
    stats.pointsIn += r.accepted;
    stats.pointsRejected += r.rejectedTotal;
  };

  // The socket's token is an API key: its scopes guard subscriptions (reads) and socket ingest,
  // `emit("metrics.write", points)` with the same body as the JSON API (writes).
  server.useConnect(socketKeys(keys));
  server.on<unknown, IngestResult>("metrics.write", async (data, ctx) => {
    requireSocketScope(keys, ctx.client, "write");
    let parsed: ReturnType<typeof parseJsonPoints>;
    try {
      parsed = parseJsonPoints(data);
    } catch (err) {
      if (err instanceof ApiError) throw new DashwireError(ErrorCode.InvalidField, err.message);
      throw err;
    }
    let result: IngestResult;
    try {
      result = await node.ingest(parsed, "index");
    } catch (err) {
      // The leader's refusal (or 503 when it cannot be reached), with the same code as over
      // HTTP; a 5xx's details stay in the log, as over HTTP.
      if (!(err instanceof ApiError)) throw err;
      if (err.status >= 500) log.warn({ err }, "socket ingest failed");
      throw new DashwireError(err.code, err.publicMessage);
    }
    onIngest(result);
    return result;
  });

  const router = new Router();
  metricsRoutes(router, {
    ingest: (parsed, by) => node.ingest(parsed, by),
    keys,
    maxBodyBytes: options.maxBodyBytes,
    onIngest,
  });
  queryRoutes(router, { store: series, keys });
  dashboardRoutes(router, { dashboards, writer: node, keys });
  authRoutes(router, keys);
  router.add("GET", "/api/v1/config", (req, res) => {
    if (!metricsReadable(req))
      throw new ApiError(401, ApiErrorCode.Unauthorized, "a key with the read scope is required (--private-metrics)");
    sendJson(res, 200, { wsPath: WS_PATH, version: VERSION });
  });
  router.add("GET", "/api/v1/cluster", (req, res) => {
    keys.require(requestKey(req), "read");
    sendJson(res, 200, { node: nodeId, leader: node.leader ?? null, broker: server.broker.name, ...node.stats });
  });
  const files = new StaticFiles(options.uiDir);

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    guard.check(req);
    const url = new URL(req.url ?? "/", "http://localhost");
    const path = url.pathname;
    if (path.startsWith("/api/")) {
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
      sendError(res, err, (e, requestId) => log.error({ err: e, requestId, url: req.url }, "request failed")),
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
  let inflight = 0;
  const publish = (s: Series, b: BucketTuple) => {
    if (inflight >= MAX_INFLIGHT_PUBLISHES) {
      stats.publishesSkipped++;
      return;
    }
    inflight++;
    stats.publishes++;
    server
      .publish(
        seriesTopic(s.id),
        withSeriesId(s.id, { t: b[0], count: b[1], sum: b[2], min: b[3], max: b[4], last: b[5] }),
        { key: s.id },
      )
      .catch((err: unknown) => {
        stats.publishErrors++;
        log.warn({ err, series: s.id }, "publish failed");
      })
      .finally(() => inflight--);
  };
  // Feed points go to the leader's store (here when leading).
  const sink = (name: string, tags: Tags | undefined, value: number, ts: number) => {
    if (node.point(name, tags, value, ts)) stats.pointsIn++;
    else stats.pointsRejected++;
  };
  const demo = options.demo ? new DemoFeed(sink) : undefined;
  const system = new SystemFeed(sink, () => ({
    connections: server.stats.connections,
    deliveries: server.stats.messagesOut,
    queueDrops: server.stats.dropsStream,
    series: series.size,
    pointsIn: stats.pointsIn,
    rollupBytes: series.ringBytes,
  }));
  let ticks = 0;
  let timer: NodeJS.Timeout | undefined;
  // Open-second previews of externally ingested series, a few times a second at most.
  const previewTimer = setInterval(() => {
    if (node.isLeader) series.preview(publish);
  }, PREVIEW_EVERY_MS);
  previewTimer.unref();
  const tick = () => {
    try {
      const now = Date.now();
      // Only the leader closes seconds and runs the demo: each series is rolled up once.
      if (node.isLeader) {
        series.closeSeconds(publish);
        demo?.tick(now);
      }
      system.tick(now);
      node.afterTick();
      if (++ticks % PRUNE_EVERY_TICKS === 0) series.prune();
    } catch (err) {
      log.error({ err }, "tick failed");
    }
    schedule();
  };
  // Aligned a few ms after each second boundary, so a second is closed as soon as it ends.
  const schedule = () => {
    timer = setTimeout(tick, 1000 - (Date.now() % 1000) + 5);
  };

  // The broker and the election first: once listening, every request knows where to go.
  await server.start();
  await node.start();
  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen(options.port, options.host, () => {
      httpServer.off("error", reject);
      resolve();
    });
  });
  schedule();
  const addr = httpServer.address() as AddressInfo;
  const hostForUrl = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  const url = `${tls ? "https" : "http"}://${hostForUrl === "0.0.0.0" || hostForUrl === "[::]" ? "127.0.0.1" : hostForUrl}:${addr.port}`;

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      clearTimeout(timer);
      clearInterval(previewTimer);
      const stopped = new Promise<void>((resolve) => httpServer.close(() => resolve()));
      httpServer.closeIdleConnections();
      if (node.isLeader) {
        series.closeSeconds(publish);
        node.afterTick();
      }
      for (let i = 0; i < 100 && inflight > 0; i++) await new Promise((r) => setTimeout(r, 10));
      await node.close();
      await dashboards.flush();
      system.close();
      await server.close();
      httpServer.closeAllConnections();
      await stopped;
    })();
    return closing;
  };

  return { server, node, httpServer, series, dashboards, stats, options, url, port: addr.port, close };
}
