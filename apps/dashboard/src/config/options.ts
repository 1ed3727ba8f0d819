import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import type { ApiKey } from "../auth/api-keys.js";
import { DEFAULT_MAX_INGEST_IN_FLIGHT } from "../ingest/ingest-gate.js";
import { defaultResolutions, type Resolution } from "../store/store.js";

/** Options of the dashboard app (CLI flags, env vars and the config file all map onto these). */
export interface DashboardOptions {
  /** TCP port (0: any free port). */
  port: number;
  /** Interface to listen on; the default keeps the app local. */
  host: string;
  /** `memory` (workers of one machine share the primary's), or a `redis://` / `nats://` URL. */
  broker: string;
  /** Worker processes sharing the port (`dashwire start`; 1: a single process). */
  workers: number;
  /** Run the demo feed. */
  demo: boolean;
  /** Directory of the SQLite database (`dashwire.db`). */
  dataDir: string;
  /** `sqlite` (the data dir, shared by this machine's workers) or a `postgres://` URL (several machines). */
  store: string;
  /** SQLite `synchronous`: `full` (an ack survives power loss) or `normal` (survives a process kill). */
  sync: "full" | "normal";
  /** Resolutions and their retention (`--retention`); the first (1 s) is also the raw-point window. */
  resolutions: readonly Resolution[];
  /** API keys; none means an open API. */
  apiKeys: ApiKey[];
  /** With keys configured, allow reads (query, series, dashboards GET) without a key. */
  publicRead: boolean;
  /** `/metrics`, `/api/v1/config` and the details of `/healthz` need a key with the read scope. */
  privateMetrics: boolean;
  /** Browser origins allowed to call the API and open the socket from another origin ("*": any). */
  corsOrigins: string[];
  /**
   * Host names browsers may use besides `localhost`, IP addresses and `host` (DNS-rebinding
   * defense; `.example.com` for a domain and its subdomains, "*": any).
   */
  allowedHosts: string[];
  /** Most series kept; new series past it are refused. */
  maxSeries: number;
  /** How far ahead of the server clock a point may be, ms. */
  futureSkewMs: number;
  /** Largest ingest body (after decompression), bytes. */
  maxBodyBytes: number;
  /** Writes (HTTP ingest requests and socket writes) parsed or being stored at once; past it, 503. */
  maxIngestInFlight: number;
  /** Most dashboards. */
  maxDashboards: number;
  /** Directory of the built UI. */
  uiDir: string;
  /** Log level (pino). */
  logLevel: string;
  /** PEM certificate file: with `tlsKey`, serve HTTPS and WSS ("": plain HTTP). */
  tlsCert: string;
  /** PEM private key file for `tlsCert`. */
  tlsKey: string;
  /** Period of the alert rounds, ms (1,000–10,000; one node of the set evaluates). */
  alertEvalMs: number;
  /** Most alert rules. */
  maxAlertRules: number;
  /** Alert transitions kept in the history (the oldest go). */
  alertHistory: number;
  /**
   * Hosts webhooks may call (`hooks.example.com`, `.example.com` with subdomains, an IP address,
   * `*`: any). Empty: none (a rule with a webhook is refused).
   */
  webhookHosts: string[];
  /** HMAC-SHA256 key of the webhooks' `x-dashwire-signature-256` header ("": not signed). */
  webhookSecret: string;
  /** Longest a webhook attempt may take, ms. */
  webhookTimeoutMs: number;
  /** Attempts of a webhook delivery before it is given up. */
  webhookMaxAttempts: number;
  /** Webhook deliveries queued at most (the oldest are dropped past it). */
  webhookQueue: number;
  /** Most annotations kept (the oldest by time go). */
  maxAnnotations: number;
  /** Graphite plaintext TCP listener, `host:port` or `:port` (on `host`); "": off. */
  graphite: string;
  /** Most Graphite connections at once (per worker). */
  maxGraphiteConnections: number;
  /** StatsD UDP listener, `host:port` or `:port` (on `host`); "": off. */
  statsd: string;
  /** StatsD flush interval, ms: aggregates are stored once per interval. */
  statsdFlushMs: number;
  /** Most StatsD series (name + tags) per flush interval; samples of new ones past it are refused. */
  statsdMaxKeys: number;
}

/** Defaults of `DashboardOptions`. */
export const dashboardDefaults: DashboardOptions = {
  port: 8080,
  host: "127.0.0.1",
  broker: "memory",
  workers: availableParallelism(),
  demo: true,
  dataDir: ".data",
  store: "sqlite",
  sync: "full",
  resolutions: defaultResolutions,
  apiKeys: [],
  publicRead: true,
  privateMetrics: false,
  corsOrigins: [],
  allowedHosts: [],
  maxSeries: 10_000,
  futureSkewMs: 5_000,
  maxBodyBytes: 1024 * 1024,
  maxIngestInFlight: DEFAULT_MAX_INGEST_IN_FLIGHT,
  maxDashboards: 1000,
  uiDir: fileURLToPath(new URL("../../dist-ui", import.meta.url)),
  logLevel: "warn",
  tlsCert: "",
  tlsKey: "",
  alertEvalMs: 2000,
  maxAlertRules: 200,
  alertHistory: 10_000,
  webhookHosts: [],
  webhookSecret: "",
  webhookTimeoutMs: 5000,
  webhookMaxAttempts: 5,
  webhookQueue: 1000,
  maxAnnotations: 10_000,
  graphite: "",
  maxGraphiteConnections: 1000,
  statsd: "",
  statsdFlushMs: 1000,
  statsdMaxKeys: 5000,
};
