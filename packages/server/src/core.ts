import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import {
  type AppSchema,
  type Codec,
  CloseCode,
  type ConnectionLimits,
  type ConnectMessage,
  type SchemaLike,
  truncateUtf8,
} from "@dashwire/protocol";
import type { Logger } from "pino";
import type { Broker } from "./broker/broker.js";
import type { Client, UserIdentity } from "./client.js";
import { publishFromClient, refreshCredentials } from "./client-requests.js";
import type { ConnectContext, ConnectMiddleware, HandshakeInfo } from "./connect-context.js";
import { ConnectionGate, hostAllowed, originAllowed } from "./edge.js";
import { Flusher } from "./flusher.js";
import { Heartbeat } from "./heartbeat.js";
import { Hub } from "./hub.js";
import { ALL_NODES, NodeChannel } from "./node-channel.js";
import { NodeRelay } from "./node-relay.js";
import type { ResolvedServerOptions } from "./options.js";
import { publishFromServer } from "./publish.js";
import type { PublishOptions, PublishResult } from "./publish-options.js";
import { Rooms } from "./rooms.js";
import { Router } from "./router.js";
import { Session, type SessionHost } from "./session.js";
import type { ServiceMessage } from "./session-reader.js";
import { ServerStats } from "./stats.js";
import type { TopicConfig } from "./topic-config.js";
import { HttpTransports } from "./transport/http-transports.js";
import { POLL_HOLD_MS } from "./transport/polling-transport.js";
import type { Transport } from "./transport/transport.js";
import { type DisconnectCommand, runDisconnect } from "./user-disconnect.js";

/** Events a server reports to application code, on `server.events`. */
export interface ServerEvents<S extends SchemaLike = AppSchema> {
  /** A client completed its handshake. */
  connection: [client: Client<S>];
  /** A connected client went away (any reason). */
  disconnect: [client: Client<S>, code: number, reason: string];
  /** A slow client lost publications `from`..`to` of a stream topic (it was told and will resume). */
  gap: [client: Client<S>, topic: string, from: number, to: number];
}

/** The node channel kind of `disconnectUser` commands. */
const DISCONNECT = "disconnect";

/** The parts a core is built from (resolved by `DashwireServer`). */
export interface CoreParts {
  options: ResolvedServerOptions;
  logger: Logger;
  broker: Broker;
  topics: TopicConfig;
  nodeId: string;
}

/**
 * The inside of one server: the sessions and the services they talk to (hub, router, flusher,
 * broker link, HTTP transports, node relay). Internal: `DashwireServer` is its public facade,
 * and sessions, the hub and the router see it only through their own host interfaces.
 */
export class ServerCore implements SessionHost {
  readonly options: ResolvedServerOptions;
  /** Codecs connections may speak, the default (`options.codec`) first. */
  readonly codecs: readonly Codec[];
  /** True when a codec carries bytes: publication data then tags typed arrays (`dataJson`). */
  readonly binaryData: boolean;
  readonly stats = new ServerStats();
  readonly flusher: Flusher;
  readonly topics: TopicConfig;
  readonly hub: Hub;
  readonly router: Router;
  readonly rooms: Rooms;
  readonly broker: Broker;
  readonly logger: Logger;
  readonly nodeId: string;
  readonly wireLimits: ConnectionLimits;
  /** Lifecycle events for application code. */
  readonly events = new EventEmitter<ServerEvents>();
  /** Sessions by id (open or still in their handshake). */
  readonly sessions = new Map<string, Session>();
  readonly heartbeat: Heartbeat;
  readonly channel: NodeChannel;
  readonly http: HttpTransports;
  readonly relay: NodeRelay;
  /** True once a graceful stop began: new connections are refused with 1001. */
  closing = false;
  private readonly gate: ConnectionGate;
  private readonly connectMiddleware: ConnectMiddleware[] = [];
  private started: Promise<void> | undefined;

  constructor(parts: CoreParts) {
    const { options } = parts;
    this.options = options;
    this.codecs = [options.codec, ...options.codecs.filter((c) => c !== options.codec)];
    this.binaryData = this.codecs.some((c) => c.binary);
    this.logger = parts.logger;
    this.broker = parts.broker;
    this.topics = parts.topics;
    this.nodeId = parts.nodeId;
    this.flusher = new Flusher();
    this.channel = new NodeChannel(this.broker, this.nodeId, this.logger);
    this.hub = new Hub(this);
    this.router = new Router(this);
    this.rooms = new Rooms(this);
    const { limits } = options;
    this.wireLimits = {
      maxFrameBytes: limits.frameBytes,
      maxSubscriptions: limits.subscriptions,
      maxMessagesPerSecond: limits.messagesPerSecond,
      maxPendingAcks: limits.pendingAcks,
    };
    this.gate = new ConnectionGate(options, this.stats);
    this.heartbeat = new Heartbeat(options.pingIntervalMs, options.pongTimeoutMs, {
      [Symbol.iterator]: () => this.sessions.values(),
    });
    const core = this;
    this.http = new HttpTransports({
      admit: (req) => this.admit(req),
      open: (transport, req, query) => this.open(transport, req, query),
      codecFor: (name, binaryFrames, transport) => this.codecFor(name, binaryFrames, transport),
      originAllowed: (req) => originAllowed(req, options.allowedOrigins),
      hostAllowed: (req) => this.hostAllowed(req),
      newSessionId: () => this.newSessionId(),
      frameBytes: limits.frameBytes,
      nodeId: this.nodeId,
      get relay() {
        return core.relay;
      },
      get closing() {
        return core.closing;
      },
    });
    this.relay = new NodeRelay(this.channel, this.http, this.logger, POLL_HOLD_MS + 5000);
    this.channel.on(DISCONNECT, (command) => runDisconnect(this.sessions.values(), command as DisconnectCommand));
  }

  /** Connects the broker (once): publications go to the hub, sent messages to the node channel. */
  start(): Promise<void> {
    const hub = this.hub;
    const channel = this.channel;
    this.started ??= this.broker
      .start({
        onPublication(pub) {
          // Internal topics start with `$` (clients cannot name them): nothing is published there.
          if (pub.topic.charCodeAt(0) !== 36) hub.onPublication(pub);
        },
        onMessage(topic, data) {
          channel.receive(topic, data);
        },
        onStatus(status) {
          hub.onStatus(status);
        },
      })
      .then(() => channel.start());
    return this.started;
  }

  /** Publishes from server code once the broker is connected (`server.publish`, `client.broadcast`). */
  async publish(topic: string, data: unknown, options: PublishOptions): Promise<PublishResult> {
    await this.start();
    return publishFromServer(this, topic, data, options);
  }

  /** Closes `user`'s connections on every node; resolves once the broker took the command. */
  disconnectEverywhere(command: DisconnectCommand): Promise<void> {
    return this.channel.send(ALL_NODES, DISCONNECT, command);
  }

  /** Adds connect middleware (runs at every handshake and refresh). */
  useConnect(middleware: ConnectMiddleware): void {
    this.connectMiddleware.push(middleware);
  }

  async runConnectMiddleware(ctx: ConnectContext): Promise<void> {
    for (const middleware of this.connectMiddleware) await middleware(ctx);
  }

  /** A new random session (or transport) id. */
  newSessionId(): string {
    return randomBytes(12).toString("base64url");
  }

  /** Whether `req`'s `Host` is one this server answers to (`allowedHosts`); refusals are counted. */
  hostAllowed(req: IncomingMessage): boolean {
    if (hostAllowed(req, this.gate.allowedHosts)) return true;
    this.stats.limit("host");
    return false;
  }

  /** Close code refusing a new connection (origin, per-address limits, shutdown), or undefined. */
  admit(req: IncomingMessage, rateTaken = false): number | undefined {
    return this.closing ? CloseCode.GoingAway : this.gate.admit(req, rateTaken);
  }

  /** A connection loop far past its rate goes to the tarpit at accept. */
  screen(socket: Duplex): void {
    this.gate.screen(socket);
  }

  /** A WebSocket upgrade within the per-address connection rate (else refused before the handshake). */
  takeRate(req: IncomingMessage): boolean {
    return this.closing || this.gate.takeRate(req);
  }

  /** Opens a session on an admitted transport. */
  open(transport: Transport, req: IncomingMessage, query: URLSearchParams): void {
    const codec = this.codecFor(query.get("codec"), transport.setBinary !== undefined, transport.name);
    if (typeof codec === "string") {
      this.stats.close(CloseCode.UnsupportedCodec);
      transport.close(CloseCode.UnsupportedCodec, codec);
      return;
    }
    if (codec.binary) transport.setBinary?.();
    const remoteAddress = this.gate.opened(req);
    const info: HandshakeInfo = { headers: req.headers, query, remoteAddress, transport: transport.name };
    const session = new Session(this, this.newSessionId(), transport, info, this.heartbeat.slot(), codec);
    this.sessions.set(session.id, session);
  }

  /**
   * The codec a connection asked for (`?codec=`; none: the default), or why it is refused: a
   * name this server does not list, or a binary codec on a transport without binary frames
   * (every shipped transport carries them, issue 19; a transport without `setBinary` does not).
   * (Every frame is decoded with the connection's codec, so it is fixed before the first one.)
   */
  codecFor(name: string | null, binaryFrames: boolean, transport: string): Codec | string {
    // No name: the default codec, which may itself be binary (`createServer({ codec: msgpackCodec })`).
    const codec = name === null ? (this.codecs[0] as Codec) : this.codecs.find((c) => c.name === name);
    if (codec === undefined) return `codec ${JSON.stringify(truncateUtf8(name ?? "", 40))} not supported`;
    if (codec.binary && !binaryFrames) return `codec ${codec.name} needs the websocket transport, not ${transport}`;
    return codec;
  }

  // ---------------------------------------------------------------- SessionHost

  serve(session: Session, msg: ServiceMessage): void {
    switch (msg.t) {
      case "pub":
        publishFromClient(this, session, msg);
        return;
      case "evt":
        this.router.dispatch(session, msg);
        return;
      case "sub":
        this.hub.subscribe(session, msg).catch((err: unknown) => session.fail(err));
        return;
      case "unsub":
        this.hub.unsubscribe(session, msg.topic, msg.id);
        return;
      case "presence":
        this.hub.presence(session, msg).catch((err: unknown) => session.fail(err));
        return;
      case "refresh":
        refreshCredentials(this, session, msg);
        return;
      case "ack":
        session.answered(msg.id, msg.data, msg.error);
        return;
    }
  }

  claim(fresh: Session, msg: ConnectMessage, user: UserIdentity | undefined): Session | undefined {
    const earlier = this.sessions.get(msg.session as string);
    if (earlier === undefined || earlier === fresh || !earlier.isOpen || !earlier.proves(msg.secret)) return undefined;
    // What the session queued is encoded in its codec: a transport of another codec opens a new
    // session (the client resumes its subscriptions from their offsets), never a takeover.
    if (earlier.codec !== fresh.codec) return undefined;
    // The same credentials' user (or none on both): a takeover never changes who a session is.
    return earlier.user?.id === user?.id ? earlier : undefined;
  }

  discard(fresh: Session): void {
    this.sessions.delete(fresh.id);
    this.gate.closed(fresh.remoteAddress);
  }

  reportGap(session: Session, topic: string, from: number, to: number): void {
    if (this.events.listenerCount("gap") > 0) this.emitSafely("gap", session, topic, from, to);
  }

  opened(session: Session): void {
    this.stats.connections++;
    this.stats.connectionsTotal++;
    this.events.emit("connection", session);
  }

  closed(session: Session, code: number, reason: string, wasOpen: boolean): void {
    this.hub.removeSession(session);
    session.endRequests();
    this.sessions.delete(session.id);
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
