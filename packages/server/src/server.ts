import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import {
  type AppSchema,
  type Codec,
  CloseCode,
  type ConnectionLimits,
  ErrorCode,
  type EventData,
  type EventName,
  type EventReply,
  type PublishMessage,
  type RefreshMessage,
  type SchemaLike,
  type TopicData,
  type TopicName,
  truncateUtf8,
} from "@dashwire/protocol";
import pino, { type Logger } from "pino";
import type { Registry } from "prom-client";
import { WebSocketServer } from "ws";
import type { Broker, Publication } from "./broker/broker.js";
import { MemoryBroker } from "./broker/memory-broker.js";
import type { Client } from "./client.js";
import { publishFromClient, publishInput, refreshCredentials } from "./client-requests.js";
import type { ConnectContext, ConnectMiddleware, HandshakeInfo } from "./connect-context.js";
import type { ServerCore } from "./core.js";
import {
  ConnectionGate,
  closeReason,
  destroySocket,
  hostAllowed,
  inTarpit,
  originAllowed,
  refuseUpgrade,
} from "./edge.js";
import { boundedErr } from "./errors.js";
import { Flusher } from "./flusher.js";
import { ClusterMetricsWorker, type MetricJson, registryJson } from "./cluster/cluster-metrics.js";
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
import { Hub } from "./hub.js";
import { NODE_TOPIC_PREFIX, NodeRelay } from "./node-relay.js";
import { PRESENCE_TOPIC_PREFIX } from "./presence-sync.js";
import { type ResolvedServerOptions, resolveOptions, type ServerOptionsInput } from "./options.js";
import { type EventHandler, type EventMiddleware, type Namespace, Router } from "./router.js";
import { Heartbeat } from "./heartbeat.js";
import { Session } from "./session.js";
import { type DisconnectOptions, disconnectCommand, runDisconnect } from "./user-disconnect.js";
import { ServerStats } from "./stats.js";
import { TopicConfig, type TopicOptions, topicDefaults } from "./topic-config.js";
import { HttpTransports } from "./transport/http-transports.js";
import { CLOSED_LINGER_MS, POLL_HOLD_MS } from "./transport/polling-transport.js";
import type { Transport } from "./transport/transport.js";
import { WebSocketTransport } from "./transport/websocket-transport.js";

/** Events a server reports to application code, on `server.events`. */
export interface ServerEvents {
  /** A client completed its handshake. */
  connection: [client: Client];
  /** A connected client went away (any reason). */
  disconnect: [client: Client, code: number, reason: string];
  /** A slow client lost publications `from`..`to` of a stream topic (it was told and will resume). */
  gap: [client: Client, topic: string, from: number, to: number];
}

/** Options of `server.publish`. */
export interface PublishOptions {
  /** Key for latest-value tracking, snapshots and conflation. */
  key?: string;
  /** Bypasses conflation and rate caps of `latest` subscriptions. */
  urgent?: boolean;
}

/**
 * A dashwire server: mount it on an HTTP server (`attach`) or let it listen on its own.
 * Create with `createServer(options)`.
 */
export class DashwireServer<S extends SchemaLike = AppSchema> implements ServerCore {
  readonly options: ResolvedServerOptions;
  readonly codec: Codec;
  readonly stats = new ServerStats();
  readonly flusher: Flusher;
  readonly topics: TopicConfig;
  readonly hub: Hub;
  readonly router: Router;
  readonly broker: Broker;
  readonly logger: Logger;
  readonly wireLimits: ConnectionLimits;
  /** Lifecycle events for application code. */
  readonly events = new EventEmitter<ServerEvents>();

  private readonly sessions = new Set<Session>();
  private readonly gate: ConnectionGate;
  private readonly connectMiddleware: ConnectMiddleware[] = [];
  private readonly wss: WebSocketServer;
  private started: Promise<void> | undefined;
  private readonly heartbeat: Heartbeat;
  private registry: Promise<Registry> | undefined;
  /** Asks the primary for the machine's figures (`clusterMetrics` in a cluster worker). */
  private readonly clusterMetrics: ClusterMetricsWorker | undefined;
  private ownServer: http.Server | undefined;
  private readonly attached: http.Server[] = [];
  private closing = false;
  private draining: Promise<void> | undefined;
  private closed = false;
  private readonly http: HttpTransports;
  private readonly relay: NodeRelay;
  private readonly api: ServerApi | undefined;
  /** This node's id (random per process unless set): names its HTTP transports for routing. */
  readonly nodeId: string;

  constructor(options: ServerOptionsInput = {}) {
    this.options = resolveOptions(options);
    this.codec = this.options.codec;
    this.flusher = new Flusher(this.codec);
    // Errors in the server's log lines are cut by bytes (they may quote what a client sent).
    this.logger = (options.logger ?? pino({ level: this.options.logLevel, base: { svc: "dashwire" } })).child(
      {},
      { serializers: { err: boundedErr } },
    );
    this.broker = options.broker ?? new MemoryBroker();
    this.topics = new TopicConfig({ ...topicDefaults, ...this.options.topicDefaults });
    this.nodeId = options.nodeId ?? randomBytes(6).toString("base64url");
    this.hub = new Hub(this);
    this.router = new Router(this);
    const { limits } = this.options;
    this.wireLimits = {
      maxFrameBytes: limits.frameBytes,
      maxSubscriptions: limits.subscriptions,
      maxMessagesPerSecond: limits.messagesPerSecond,
      maxPendingAcks: limits.pendingAcks,
    };
    this.gate = new ConnectionGate(this.options, this.stats);
    this.heartbeat = new Heartbeat(this.options.pingIntervalMs, this.options.pongTimeoutMs, this.sessions);
    const server = this;
    this.http = new HttpTransports({
      admit: (req) => this.admit(req),
      open: (transport, req, query) => this.open(transport, req, query),
      originAllowed: (req) => originAllowed(req, this.options.allowedOrigins),
      hostAllowed: (req) => this.hostAllowed(req),
      newSessionId: () => this.newSessionId(),
      frameBytes: limits.frameBytes,
      nodeId: this.nodeId,
      get relay() {
        return server.relay;
      },
      get closing() {
        return server.closing;
      },
    });
    this.relay = new NodeRelay(this.broker, this.logger, this.nodeId, this.http, POLL_HOLD_MS + 5000, (command) =>
      runDisconnect(this.sessions, command),
    );
    this.api = ServerApi.create(this, options.serverApi);
    if (this.options.clusterMetrics && typeof process.send === "function")
      this.clusterMetrics = new ClusterMetricsWorker(async () => registryJson(await this.metricsRegistry()));
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: limits.frameBytes,
      perMessageDeflate: false,
      clientTracking: false,
    });
  }

  // ---------------------------------------------------------------- application API

  /** Sets options for a topic name or pattern (`metrics:*`, `user:{id}:*`). */
  topic(pattern: string, options: TopicOptions): this {
    this.topics.set(pattern, options);
    return this;
  }

  /** Registers the handler of an event in the default namespace (typed by the schema's `events`). */
  on<E extends EventName<S>>(event: E, handler: EventHandler<EventData<S, E>, EventReply<S, E>>): this;
  /** Without a schema (any event name allowed), handlers annotate their own payload type. */
  on<D, R>(event: string extends EventName<S> ? string : never, handler: EventHandler<D, R>): this;
  on(event: string, handler: EventHandler<never, unknown>): this {
    this.router.namespace("/").on(event, handler as EventHandler);
    return this;
  }

  /** Adds event middleware to the default namespace. */
  use(middleware: EventMiddleware): this {
    this.router.namespace("/").use(middleware);
    return this;
  }

  /** Gets or creates a namespace with its own handlers and middleware. */
  namespace(name: string): Namespace {
    return this.router.namespace(name);
  }

  /** Adds connect middleware: runs at every handshake, throws to refuse (auth goes here). */
  useConnect(middleware: ConnectMiddleware): this {
    this.connectMiddleware.push(middleware);
    return this;
  }

  /** Publishes to a topic from server code. Resolves with the stored publication (epoch, offset). */
  async publish<T extends TopicName<S>>(
    topic: T,
    data: TopicData<S, T>,
    options: PublishOptions = {},
  ): Promise<Publication> {
    await this.start();
    this.stats.publications++;
    const { retention } = this.topics.resolve(topic);
    return this.broker.publish(publishInput(topic, data, retention, options.key, options.urgent));
  }

  /**
   * Closes every connection of `user` on every node (through the broker), or only the one named
   * `options.client`: 4506 (terminal) by default, 4009 (reconnect) with `reconnect: true`.
   * Resolves once the broker took the command.
   */
  async disconnectUser(user: string, options: DisconnectOptions = {}): Promise<void> {
    await this.start();
    await this.relay.broadcast(disconnectCommand(user, options));
  }

  /** Connected clients. */
  clients(): IterableIterator<Client> {
    return this.sessions.values();
  }

  // ---------------------------------------------------------------- HTTP

  /** Mounts on an HTTP server: WebSocket upgrades on `path`, plus health and metrics routes. */
  attach(server: http.Server): this {
    this.attached.push(server);
    server.on("connection", this.onConnection);
    server.on("upgrade", this.onUpgrade);
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
    this.start().catch((err: unknown) => this.logger.error({ err }, "broker start failed"));
    this.heartbeat.start();
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
      this.logger.error({ err, path: pathOf(req.url) }, "request handling failed");
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
      if (this.http.handle(req, res, path.slice(prefix.length + 1), query)) return true;
    }
    if (this.api?.handle(req, res, path)) return true;
    if (req.method === "GET" && (path === healthPath || path === metricsPath)) {
      if (!this.hostAllowed(req)) {
        const body = JSON.stringify({ error: { code: CloseCode.ForbiddenHost, message: "host not allowed" } });
        res.writeHead(403, { "content-type": "application/json", "cache-control": "no-store" }).end(body);
      } else if (path === healthPath) serveHealth(res, this.health(), this.options.canReadMetrics?.(req) ?? true);
      else if (!(this.options.canReadMetrics?.(req) ?? true)) refuseMetrics(res);
      else serveMetrics(res, this.metricsText(), this.logger);
      return true;
    }
    return false;
  }

  /** This process's Prometheus registry, created on first use. */
  private metricsRegistry(): Promise<Registry> {
    this.registry ??= createMetricsRegistry(this.stats, this.hub);
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
    if (hostAllowed(req, this.gate.allowedHosts)) return true;
    this.stats.limit("host");
    return false;
  }

  /** Health as `/healthz` reports it: "degraded" (HTTP 503) when the broker link is down. */
  health(): { status: "ok" | "degraded"; broker: { name: string; ok: boolean; reason?: string }; connections: number } {
    const { ok, reason } = this.hub.brokerStatus;
    const broker: { name: string; ok: boolean; reason?: string } = { name: this.broker.name, ok };
    if (reason !== undefined && !ok) broker.reason = reason;
    return { status: ok ? "ok" : "degraded", broker, connections: this.stats.connections };
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
    this.draining ??= (async () => {
      this.closing = true;
      this.heartbeat.stop();
      this.hub.presenceSync.close();
      for (const session of [...this.sessions]) session.close(CloseCode.GoingAway, "server shutting down");
      const end = Date.now() + CLOSED_LINGER_MS;
      while ((this.http.size > 0 || this.relay.waitingPolls > 0) && Date.now() < end)
        await new Promise((r) => setTimeout(r, 10));
      this.relay.release();
    })();
    return this.draining;
  }

  /** Graceful stop: `drain()` (every client told going away), then transports and broker close. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.drain();
    // What this node answered for other nodes (their clients' last frames) reaches the broker
    // before it closes.
    await this.relay.posted();
    for (const server of this.attached) {
      server.off("upgrade", this.onUpgrade);
      server.off("connection", this.onConnection);
    }
    this.wss.close();
    if (this.ownServer !== undefined) {
      const server = this.ownServer;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    }
    this.clusterMetrics?.close();
    await this.broker.close();
  }

  /** Connects the broker (once). */
  start(): Promise<void> {
    // Internal `$node:` topics go to the relay; everything else to the hub.
    const hub = this.hub;
    const relay = this.relay;
    this.started ??= this.broker
      .start({
        onPublication(pub) {
          // Internal topics start with `$` (clients cannot name them).
          if (pub.topic.charCodeAt(0) !== 36) hub.onPublication(pub);
          else if (pub.topic.startsWith(NODE_TOPIC_PREFIX)) relay.receive(pub.data);
          else if (pub.topic.startsWith(PRESENCE_TOPIC_PREFIX))
            hub.presenceSync.receive(pub.topic.slice(PRESENCE_TOPIC_PREFIX.length), pub.data);
        },
        onStatus(status) {
          hub.onStatus(status);
        },
      })
      .then(() => relay.subscribe());
    return this.started;
  }

  /** A connection loop far past its rate goes to the tarpit at accept. */
  private readonly onConnection = (socket: Duplex): void => this.gate.screen(socket);

  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (inTarpit(socket)) return;
    // Split by hand: `new URL` throws on targets like `//` (found by fuzzing).
    const target = req.url ?? "/";
    const q = target.indexOf("?");
    const pathname = q < 0 ? target : target.slice(0, q);
    if (pathname !== this.options.path) {
      // Another upgrade handler on this server may want it; if we are alone, refuse.
      if (this.attached.every((s) => s.listenerCount("upgrade") <= 1)) socket.destroy();
      return;
    }
    // A shared listener, not a closure: a closure here would share this scope's context and
    // keep `req` and `url` alive for the whole life of the connection (found in a heap snapshot).
    socket.on("error", destroySocket);
    // A connection loop is refused before the handshake, as cheaply as possible.
    if (!this.closing && !this.gate.takeRate(req)) {
      refuseUpgrade(socket);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      try {
        socket.off("error", destroySocket);
        const transport = new WebSocketTransport(ws, socket, this.options.limits.transportHighWaterBytes);
        // Other refusals go out as a close code after the upgrade, so clients learn why.
        const refused = this.closing ? CloseCode.GoingAway : this.gate.admit(req, true);
        if (refused === undefined) this.open(transport, req, new URLSearchParams(q < 0 ? "" : target.slice(q + 1)));
        else transport.close(refused, closeReason(refused));
      } catch (err) {
        this.logger.error({ err }, "opening a WebSocket connection failed");
        ws.terminate();
      }
    });
  };

  /** Close code refusing a new connection (origin, per-address limits, shutdown), or undefined. */
  admit(req: IncomingMessage): number | undefined {
    return this.closing ? CloseCode.GoingAway : this.gate.admit(req);
  }

  /** Opens a session on an admitted transport. */
  open(transport: Transport, req: IncomingMessage, query: URLSearchParams): void {
    const remoteAddress = this.gate.opened(req);
    const info: HandshakeInfo = { headers: req.headers, query, remoteAddress, transport: transport.name };
    const session = new Session(this, transport, info);
    session.heartbeatSlot = this.heartbeat.slot();
    this.sessions.add(session);
  }

  // ---------------------------------------------------------------- ServerCore

  newSessionId(): string {
    return randomBytes(12).toString("base64url");
  }

  async runConnectMiddleware(ctx: ConnectContext): Promise<void> {
    for (const middleware of this.connectMiddleware) await middleware(ctx);
  }

  publishFromClient(session: Session, msg: PublishMessage): void {
    publishFromClient(this, session, msg);
  }

  refresh(session: Session, msg: RefreshMessage): void {
    refreshCredentials(this, session, msg);
  }

  reportGap(session: Session, topic: string, from: number, to: number): void {
    if (this.events.listenerCount("gap") > 0) this.emitSafely("gap", session, topic, from, to);
  }

  sessionOpened(session: Session): void {
    this.stats.connections++;
    this.stats.connectionsTotal++;
    this.events.emit("connection", session);
  }

  sessionClosed(session: Session, code: number, reason: string, wasOpen: boolean): void {
    this.sessions.delete(session);
    this.gate.closed(session.remoteAddress);
    this.stats.close(code);
    if (wasOpen) {
      this.stats.connections--;
      this.emitSafely("disconnect", session, code, reason);
    }
  }

  /**
   * Emits an event to application listeners; a listener that throws is logged. (A throw in a
   * "connection" listener is not caught here: it closes that connection, as a failing hook does.)
   */
  private emitSafely<K extends "disconnect" | "gap">(event: K, ...args: ServerEvents[K]): void {
    try {
      (this.events.emit as (event: K, ...args: ServerEvents[K]) => boolean)(event, ...args);
    } catch (err) {
      this.logger.error({ err, event }, "server event listener failed");
    }
  }
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
