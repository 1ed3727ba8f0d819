import type { IncomingMessage } from "node:http";
import { type Codec, jsonCodec, MAX_TOPIC_LENGTH } from "@dashwire/protocol";
import type { Logger } from "pino";
import type { Broker } from "./broker/broker.js";
import type { ServerApiOptions } from "./http/server-api-options.js";
import type { TopicOptions } from "./topic-config.js";

/** Per-connection limits. Every one is a bound with a documented policy (see docs/guarantees.md). */
export interface LimitOptions {
  /** Largest inbound frame, bytes; larger frames close the connection with 1009. */
  frameBytes: number;
  /** Messages in one inbound frame (batch). */
  messagesPerFrame: number;
  /** Outbound queue per connection, bytes. Stream subscriptions past it get a `gap`. */
  queueBytes: number;
  /** Transport buffer above which the session stops writing and waits for drain, bytes. */
  transportHighWaterBytes: number;
  /** Subscriptions per connection. */
  subscriptions: number;
  /** Inbound messages per second per connection (token bucket; 0: unlimited). */
  messagesPerSecond: number;
  /** Bucket size: the burst allowed above the rate. */
  messageBurst: number;
  /** Event handlers in flight per connection. */
  pendingAcks: number;
  /** Topic and event name length. */
  topicLength: number;
  /** Publications sent in one recovery (resume); a longer gap is answered with a snapshot. */
  recoveryPublications: number;
  /** Open connections per remote address (0: unlimited; see `trustProxy`). */
  connectionsPerIp: number;
  /** New connections per second per remote address, burst twice that (0: unlimited). */
  connectionsPerIpPerSecond: number;
  /** Largest publication a client may send (its data as JSON), bytes. */
  publishBytes: number;
}

/** Options of `createServer`. */
export interface ServerOptions {
  /** URL path of the WebSocket endpoint (and the prefix of the HTTP transports). */
  path: string;
  /** Moves publications between nodes and keeps history. Default: in-memory. */
  broker?: Broker;
  /**
   * Wire codec of connections that ask for none (default JSON), on every transport: a binary
   * default is served to SSE and polling clients too, so every client of such a server must
   * speak it (list `jsonCodec` in `codecs` for clients that ask `?codec=json`).
   */
  codec: Codec;
  /**
   * Further codecs a connection may ask for at connect with `?codec=<name>`, e.g.
   * `[msgpackCodec]` from `@dashwire/protocol/msgpack` (issue 19), on every transport (binary
   * frames in binary bodies on polling, as base64 on SSE). A name the server does not list is
   * refused with close code 4507.
   */
  codecs: Codec[];
  /** A pino logger; otherwise one is created at `logLevel`. */
  logger?: Logger;
  /** Log level of the created logger ("silent" to turn off). */
  logLevel: string;
  /**
   * Origins allowed to connect from a browser. Empty: same origin only (the Origin's host must
   * equal the Host header). "*": any. Requests without Origin (non-browser clients) are allowed.
   */
  allowedOrigins: string[];
  /**
   * Host names browsers may reach this server by (DNS-rebinding defense; see `hostAllowed`). IP
   * literals and `localhost` always pass. Empty (default): any name, except on connections that
   * arrived at a loopback address. A list: only those names (`.example.com` for a domain and its
   * subdomains), everywhere. `["*"]`: any name. Refused: close 4505, HTTP 403.
   */
  allowedHosts: string[];
  /** The server pings every this many ms. */
  pingIntervalMs: number;
  /** A client silent for `pingIntervalMs + pongTimeoutMs` is closed (4000). */
  pongTimeoutMs: number;
  /** Time allowed between transport open and the `connect` message. */
  handshakeTimeoutMs: number;
  /** Options of topics no pattern matches. */
  topicDefaults: TopicOptions;
  /** Limits. */
  limits: LimitOptions;
  /** Health endpoint path (false: off). */
  healthPath: string | false;
  /** Prometheus endpoint path (false: off). */
  metricsPath: string | false;
  /**
   * Decides whether a request may read `/metrics` and the details of `/healthz` (default:
   * anyone). Refused: `/metrics` answers 401, `/healthz` only its status (load balancers need no more).
   */
  canReadMetrics?(req: IncomingMessage): boolean;
  /**
   * In a worker of a `ClusterSupervisor` whose primary runs a `ClusterMetricsHost`: `/metrics`
   * (and `server.metrics()`) give the whole machine's figures, not this worker's.
   */
  clusterMetrics: boolean;
  /**
   * Take the client address from the first `X-Forwarded-For` entry (set this only behind a
   * proxy that sets it), so per-address limits count clients, not the proxy.
   */
  trustProxy: boolean;
  /** This node's id in a cluster (default: random per process). */
  nodeId?: string;
  /** The server HTTP API for backends (publish, presence, history, disconnect); off without keys. */
  serverApi?: Partial<ServerApiOptions>;
}

/** Defaults of `ServerOptions`. */
export const serverDefaults: ServerOptions = {
  path: "/dashwire",
  codec: jsonCodec,
  codecs: [],
  logLevel: "info",
  allowedOrigins: [],
  allowedHosts: [],
  pingIntervalMs: 25_000,
  pongTimeoutMs: 20_000,
  handshakeTimeoutMs: 10_000,
  topicDefaults: {},
  limits: {
    frameBytes: 1024 * 1024,
    messagesPerFrame: 1000,
    queueBytes: 1024 * 1024,
    transportHighWaterBytes: 256 * 1024,
    subscriptions: 1000,
    messagesPerSecond: 1000,
    messageBurst: 2000,
    pendingAcks: 256,
    topicLength: MAX_TOPIC_LENGTH,
    recoveryPublications: 10_000,
    connectionsPerIp: 0,
    connectionsPerIpPerSecond: 0,
    publishBytes: 64 * 1024,
  },
  trustProxy: false,
  healthPath: "/healthz",
  metricsPath: "/metrics",
  clusterMetrics: false,
};

/** Options as the server uses them: defaults filled in. */
export type ResolvedServerOptions = Omit<ServerOptions, "broker" | "logger">;

/** Fills in defaults (limits merged field by field). */
export function resolveOptions(options: ServerOptionsInput): ResolvedServerOptions {
  const { broker: _broker, logger: _logger, limits, ...rest } = options;
  return { ...serverDefaults, ...rest, limits: { ...serverDefaults.limits, ...limits } };
}

/** What `createServer` accepts: every option optional, limits partial. */
export type ServerOptionsInput = Partial<Omit<ServerOptions, "limits">> & { limits?: Partial<LimitOptions> };
