import { randomBytes } from "node:crypto";
import type { EventEmitter } from "node:events";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import {
  type AppSchema,
  CloseCode,
  ErrorCode,
  type EventData,
  type EventName,
  type EventReply,
  type SchemaLike,
  type TopicData,
  type TopicName,
  truncateUtf8,
} from "@dashwire/protocol";
import pino, { type Logger } from "pino";
import type { Registry } from "prom-client";
import { AppNodes } from "./app-nodes.js";
import type { Broker } from "./broker/broker.js";
import { MemoryBroker } from "./broker/memory-broker.js";
import type { Client } from "./client.js";
import { ClusterMetricsWorker, type MetricJson, registryJson } from "./cluster/cluster-metrics.js";
import type { ConnectMiddleware } from "./connect-context.js";
import { ServerCore, type ServerEvents } from "./core.js";
import { inTarpit } from "./edge.js";
import { boundedErr } from "./errors.js";
import {
  addReadMetrics,
  createMetricsRegistry,
  type ReadMetric,
  refuseMetrics,
  renderRegistry,
  serveHealth,
  serveMetrics,
} from "./http/metrics.js";
import { ServerApi } from "./http/server-api.js";
import type { PublishOptions, PublishResult } from "./publish-options.js";
import { type ResolvedServerOptions, resolveOptions, type ServerOptionsInput } from "./options.js";
import type { JoinOptions } from "./join-options.js";
import type { UserJoinReport } from "./rooms.js";
import type { EventHandler, EventMiddleware, Namespace } from "./router.js";
import type { ServerStats } from "./stats.js";
import { TopicConfig, type TopicOptions, topicDefaults } from "./topic-config.js";
import { CLOSED_LINGER_MS } from "./transport/polling-transport.js";
import { transportsOpenedBy, type UpgradeAcceptor } from "./transport/transport-registry.js";
import { type DisconnectOptions, disconnectCommand } from "./user-disconnect.js";

/**
 * A dashwire server: mount it on an HTTP server (`attach`) or let it listen on its own.
 * Create with `createServer(options)`.
 */
export class DashwireServer<S extends SchemaLike = AppSchema> {
  /** Lifecycle events for application code. */
  readonly events: EventEmitter<ServerEvents<S>>;
  /** Options with every default applied. */
  readonly options: ResolvedServerOptions;
  /** Live counters (what `/metrics` reports). */
  readonly stats: ServerStats;
  /** The broker this node publishes through. */
  readonly broker: Broker;
  /** The server's logger (errors in its lines are cut by bytes). */
  readonly logger: Logger;
  /** This node's id (random per process unless set): names its HTTP transports for routing. */
  readonly nodeId: string;
  /** The application's messages to the other nodes of the cluster (`app-nodes.ts`). */
  readonly nodes: AppNodes;
  private readonly core: ServerCore;
  /** The transports opened by an HTTP upgrade (WebSocket), from the transport registry. */
  private readonly upgrades: UpgradeAcceptor[];
  private registry: Promise<Registry> | undefined;
  /** Asks the primary for the machine's figures (`clusterMetrics` in a cluster worker). */
  private readonly clusterMetrics: ClusterMetricsWorker | undefined;
  private ownServer: http.Server | undefined;
  private readonly attached: http.Server[] = [];
  private draining: Promise<void> | undefined;
  private closed = false;
  private readonly api: ServerApi | undefined;

  constructor(options: ServerOptionsInput = {}) {
    const resolved = resolveOptions(options);
    // Errors in the server's log lines are cut by bytes (they may quote what a client sent).
    const logger = (options.logger ?? pino({ level: resolved.logLevel, base: { svc: "dashwire" } })).child(
      {},
      { serializers: { err: boundedErr } },
    );
    this.core = new ServerCore({
      options: resolved,
      logger,
      broker: options.broker ?? new MemoryBroker(),
      topics: new TopicConfig({ ...topicDefaults, ...resolved.topicDefaults }),
      nodeId: options.nodeId ?? randomBytes(6).toString("base64url"),
    });
    const core = this.core;
    this.events = core.events as unknown as EventEmitter<ServerEvents<S>>;
    ({ options: this.options, stats: this.stats, broker: this.broker, nodeId: this.nodeId } = core);
    this.logger = logger;
    this.nodes = new AppNodes(core.channel);
    this.api = ServerApi.create(
      {
        options: resolved,
        broker: core.broker,
        hub: core.hub,
        topics: core.topics,
        stats: core.stats,
        logger,
        nodeId: core.nodeId,
        start: () => this.start(),
        hostAllowed: (req) => core.hostAllowed(req),
        disconnectUser: (user, o) => this.disconnectUser(user, o),
      },
      options.serverApi,
    );
    if (resolved.clusterMetrics && typeof process.send === "function")
      this.clusterMetrics = new ClusterMetricsWorker(async () => registryJson(await this.metricsRegistry()));
    // Alone: no other upgrade listener shares the HTTP servers, so an upgrade off our path is refused.
    const alone = () => this.attached.every((s) => s.listenerCount("upgrade") <= this.upgrades.length);
    this.upgrades = transportsOpenedBy("upgrade").map(([, entry]) => entry.acceptor(core, alone));
  }

  // ---------------------------------------------------------------- application API

  /** Sets options for a topic name or pattern (`metrics:*`, `user:{id}:*`). */
  topic(pattern: string, options: TopicOptions): this {
    this.core.topics.set(pattern, options);
    return this;
  }

  /** Registers the handler of an event in the default namespace (typed by the schema's `events`). */
  on<E extends EventName<S>>(event: E, handler: EventHandler<EventData<S, E>, EventReply<S, E>, S>): this;
  /** Without a schema (any event name allowed), handlers annotate their own payload type. */
  on<D, R>(event: string extends EventName<S> ? string : never, handler: EventHandler<D, R, S>): this;
  on(event: string, handler: EventHandler<never, unknown, S>): this {
    this.core.router.namespace("/").on(event, handler as unknown as EventHandler);
    return this;
  }

  /** Adds event middleware to the default namespace. */
  use(middleware: EventMiddleware): this {
    this.core.router.namespace("/").use(middleware);
    return this;
  }

  /** Gets or creates a namespace with its own handlers and middleware. */
  namespace(name: string): Namespace {
    return this.core.router.namespace(name);
  }

  /** Adds connect middleware: runs at every handshake, throws to refuse (auth goes here). */
  useConnect(middleware: ConnectMiddleware): this {
    this.core.useConnect(middleware);
    return this;
  }

  /** Publishes to a topic from server code. Resolves with the stored publication (epoch, offset). */
  async publish<T extends TopicName<S>>(
    topic: T,
    data: TopicData<S, T>,
    options: PublishOptions = {},
  ): Promise<PublishResult> {
    return this.core.publish(topic, data, options);
  }

  /**
   * Closes every connection of `user` on every node (through the broker), or only the one named
   * `options.client`: 4506 (terminal) by default, 4009 (reconnect) with `reconnect: true`.
   * Resolves once the broker took the command.
   */
  async disconnectUser(user: string, options: DisconnectOptions = {}): Promise<void> {
    await this.start();
    await this.core.disconnectEverywhere(disconnectCommand(user, options));
  }

  /**
   * Subscribes every connection of `user`, on every node, to `topic` (server-side, as
   * `client.join`); resolves with what the nodes that answered within 5 s did. Later connections
   * are not joined: join them in a `connection` listener.
   */
  async join(user: string, topic: string, options?: JoinOptions): Promise<UserJoinReport> {
    await this.start();
    return this.core.rooms.user(true, user, topic, options);
  }

  /** Ends the subscription to `topic` of every connection of `user`, on every node (as `client.leave`). */
  async leave(user: string, topic: string): Promise<UserJoinReport> {
    await this.start();
    return this.core.rooms.user(false, user, topic);
  }

  /** Connected clients. */
  clients(): IterableIterator<Client<S>> {
    return this.core.sessions.values() as IterableIterator<Client<S>>;
  }

  // ---------------------------------------------------------------- HTTP

  /** Mounts on an HTTP server: WebSocket upgrades on `path`, plus health and metrics routes. */
  attach(server: http.Server): this {
    this.attached.push(server);
    server.on("connection", this.onConnection);
    for (const upgrades of this.upgrades) server.on("upgrade", upgrades.onUpgrade);
    // Serve our routes first and hand every other request to the listeners already there.
    const previous = server.listeners("request") as ((req: IncomingMessage, res: ServerResponse) => void)[];
    server.removeAllListeners("request");
    server.on("request", (req: IncomingMessage, res: ServerResponse) => {
      if (inTarpit(req.socket)) return;
      if (this.handle(req, res)) return;
      if (previous.length === 0) {
        res.writeHead(404, { "content-type": "application/json" }).end('{"error":{"code":404,"message":"not found"}}');
        return;
      }
      for (const listener of previous) listener.call(server, req, res);
    });
    this.start().catch((err: unknown) => this.core.logger.error({ err }, "broker start failed"));
    this.core.heartbeat.start();
    return this;
  }

  /**
   * Serves dashwire's own HTTP routes (health, metrics, HTTP transports). Returns false for any
   * other request, so it can sit in front of Express, Fastify or a plain handler.
   */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    try {
      return this.route(req, res);
    } catch (err) {
      // A bug in one request's handling answers that request with 500, never ends the process.
      this.core.logger.error({ err, path: pathOf(req.url) }, "request handling failed");
      if (!res.headersSent)
        res
          .writeHead(500, { "content-type": "application/json", "cache-control": "no-store" })
          .end(`{"error":{"code":${ErrorCode.Internal},"message":"internal error"}}`);
      else res.destroy();
      return true;
    }
  }

  private route(req: IncomingMessage, res: ServerResponse): boolean {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q < 0 ? url : url.slice(0, q);
    const { healthPath, metricsPath } = this.options;
    const prefix = this.options.path;
    if (path.startsWith(prefix) && path.charCodeAt(prefix.length) === 47 /* "/" */) {
      const query = new URLSearchParams(q < 0 ? "" : url.slice(q + 1));
      if (this.core.http.handle(req, res, path.slice(prefix.length + 1), query)) return true;
    }
    if (this.api?.handle(req, res, path)) return true;
    if (req.method === "GET" && (path === healthPath || path === metricsPath)) {
      if (!this.hostAllowed(req)) {
        const body = JSON.stringify({ error: { code: CloseCode.ForbiddenHost, message: "host not allowed" } });
        res.writeHead(403, { "content-type": "application/json", "cache-control": "no-store" }).end(body);
      } else if (path === healthPath) serveHealth(res, this.health(), this.options.canReadMetrics?.(req) ?? true);
      else if (!(this.options.canReadMetrics?.(req) ?? true)) refuseMetrics(res);
      else serveMetrics(res, this.metricsText(), this.core.logger);
      return true;
    }
    return false;
  }

  /** This process's Prometheus registry, created on first use. */
  private metricsRegistry(): Promise<Registry> {
    this.registry ??= createMetricsRegistry(this.core.stats, this.core.hub);
    return this.registry;
  }

  /** Adds application metrics to `/metrics` (and `metrics()`), each read at collection time. */
  async addMetrics(metrics: readonly ReadMetric[]): Promise<void> {
    await addReadMetrics(await this.metricsRegistry(), metrics);
  }

  /**
   * The figures `/metrics` serves, as prom-client JSON: the whole machine's with `clusterMetrics`
   * in a cluster worker (rejects when the primary does not answer), else this process's.
   */
  async metrics(): Promise<MetricJson[]> {
    if (this.clusterMetrics !== undefined) return this.clusterMetrics.total();
    return registryJson(await this.metricsRegistry());
  }

  private async metricsText(): Promise<{ text: string; contentType: string }> {
    const registry =
      this.clusterMetrics === undefined ? await this.metricsRegistry() : await renderRegistry(await this.metrics());
    return { text: await registry.metrics(), contentType: registry.contentType };
  }

  /** Whether `req`'s `Host` is one this server answers to (`allowedHosts`); refusals are counted. */
  hostAllowed(req: IncomingMessage): boolean {
    return this.core.hostAllowed(req);
  }

  /** Health as `/healthz` reports it: "degraded" (HTTP 503) when the broker link is down. */
  health(): { status: "ok" | "degraded"; broker: { name: string; ok: boolean; reason?: string }; connections: number } {
    const { ok, reason } = this.core.hub.brokerStatus;
    const broker: { name: string; ok: boolean; reason?: string } = { name: this.core.broker.name, ok };
    if (reason !== undefined && !ok) broker.reason = reason;
    return { status: ok ? "ok" : "degraded", broker, connections: this.core.stats.connections };
  }

  /** Starts an HTTP server of its own. */
  async listen(port = 0, host?: string): Promise<{ port: number; host: string }> {
    const server = http.createServer();
    this.ownServer = server;
    this.attach(server);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => resolve());
    });
    await this.start();
    const addr = server.address() as AddressInfo;
    return { port: addr.port, host: addr.address };
  }

  /**
   * First half of a graceful stop: every client gets `disconnect` 1001 (going away) and new ones
   * are refused with it. A long-polling client learns it on its next poll, so this waits (at most
   * `CLOSED_LINGER_MS`) until every poll transport of this node handed over its last frames and
   * every poll held here for another node was answered: keep the HTTP server listening until it
   * resolves. The broker stays open; `close()` finishes (and drains first if this was not called).
   */
  drain(): Promise<void> {
    const core = this.core;
    this.draining ??= (async () => {
      core.closing = true;
      core.heartbeat.stop();
      core.hub.presenceSync.close();
      for (const session of [...core.sessions.values()]) session.close(CloseCode.GoingAway, "server shutting down");
      const end = Date.now() + CLOSED_LINGER_MS;
      while ((core.http.size > 0 || core.relay.waitingPolls > 0) && Date.now() < end)
        await new Promise((r) => setTimeout(r, 10));
      core.relay.release();
    })();
    return this.draining;
  }

  /** Graceful stop: `drain()` (every client told going away), then transports and broker close. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.drain();
    // What this node answered for other nodes (their clients' last frames) and its goodbye
    // reach the broker before it closes.
    await this.core.channel.close();
    await this.core.channel.posted();
    for (const server of this.attached) {
      for (const upgrades of this.upgrades) server.off("upgrade", upgrades.onUpgrade);
      server.off("connection", this.onConnection);
    }
    for (const upgrades of this.upgrades) upgrades.close();
    if (this.ownServer !== undefined) {
      const server = this.ownServer;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    }
    this.clusterMetrics?.close();
    await this.core.broker.close();
  }

  /** Connects the broker (once). */
  start(): Promise<void> {
    return this.core.start();
  }

  /** A connection loop far past its rate goes to the tarpit at accept. */
  private readonly onConnection = (socket: Duplex): void => this.core.screen(socket);
}

/** The path of a request target, for logs: no query (it may hold a token), at most 200 bytes. */
function pathOf(url: string | undefined): string {
  const target = url ?? "/";
  const q = target.indexOf("?");
  return truncateUtf8(q < 0 ? target : target.slice(0, q), 200);
}

/** Creates a dashwire server. */
export function createServer<S extends SchemaLike = AppSchema>(options: ServerOptionsInput = {}): DashwireServer<S> {
  return new DashwireServer<S>(options);
}
