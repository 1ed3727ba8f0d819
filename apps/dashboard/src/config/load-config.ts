/**
 * Builds `DashboardOptions` from, in increasing priority: defaults, a JSON config file
 * (`--config`), environment variables (`DASHWIRE_*`), and command-line flags. Every bad value is
 * a `ConfigError` that names its source (flag, variable or file field).
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { z } from "zod";
import { normalizeAllowedHosts } from "@dashwire/server";
import { type ApiKey, parseApiKey, parseApiKeyList } from "../auth/api-keys.js";
import { parseRetention } from "../store/retention.js";
import { parseListenAddress } from "./listen-address.js";
import { zodMessage } from "../zod-message.js";
import { type DashboardOptions, dashboardDefaults } from "./options.js";

/** A configuration mistake; the CLI prints it and exits with code 2. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Flags of `dashwire start` as parsed from argv (all optional strings or booleans). */
export interface StartFlags {
  port?: string;
  host?: string;
  broker?: string;
  workers?: string;
  demo?: boolean;
  "no-demo"?: boolean;
  config?: string;
  "data-dir"?: string;
  store?: string;
  sync?: string;
  retention?: string;
  "api-key"?: string[];
  "cors-origin"?: string[];
  "allowed-hosts"?: string[];
  "webhook-hosts"?: string[];
  "max-series"?: string;
  "public-read"?: boolean;
  "no-public-read"?: boolean;
  "private-metrics"?: boolean;
  "log-level"?: string;
  "tls-cert"?: string;
  "tls-key"?: string;
  graphite?: string;
  statsd?: string;
  "statsd-flush-ms"?: string;
}

/** Environment variables read, and what they set. */
export const ENV_VARS: Record<string, string> = {
  DASHWIRE_PORT: "port",
  DASHWIRE_HOST: "host",
  DASHWIRE_BROKER: "broker (memory | redis://… | nats://…)",
  DASHWIRE_WORKERS: "worker processes (default: number of cores)",
  DASHWIRE_DEMO: "demo feed on/off (1/0, true/false)",
  DASHWIRE_CONFIG: "config file path",
  DASHWIRE_DATA_DIR: "data directory (the SQLite database dashwire.db)",
  DASHWIRE_STORE: "store (sqlite | postgres://…)",
  DASHWIRE_SYNC: "SQLite durability (full | normal)",
  DASHWIRE_RETENTION: "retention per resolution, e.g. 1s=15m,10s=6h,1m=7d",
  DASHWIRE_API_KEYS: "API keys, key:scope,scope separated by spaces or ;",
  DASHWIRE_PUBLIC_READ: "with keys, allow reads without one (1/0)",
  DASHWIRE_PRIVATE_METRICS: "/metrics, /api/v1/config and health details need a read key (1/0)",
  DASHWIRE_CORS_ORIGINS: "allowed browser origins, comma-separated",
  DASHWIRE_ALLOWED_HOSTS: "host names browsers may use besides localhost and IPs, comma-separated",
  DASHWIRE_MAX_SERIES: "series limit",
  DASHWIRE_LOG_LEVEL: "log level (fatal, error, warn, info, debug, silent)",
  DASHWIRE_TLS_CERT: "PEM certificate file (with DASHWIRE_TLS_KEY: HTTPS and WSS)",
  DASHWIRE_TLS_KEY: "PEM private key file",
  DASHWIRE_WEBHOOK_HOSTS: "hosts alert webhooks may call, comma-separated (* for any)",
  DASHWIRE_WEBHOOK_SECRET: "HMAC key of the webhooks' x-dashwire-signature-256 header",
  DASHWIRE_GRAPHITE: "Graphite plaintext TCP listener, host:port or :port (off when unset)",
  DASHWIRE_STATSD: "StatsD UDP listener, host:port or :port (off when unset)",
  DASHWIRE_STATSD_FLUSH_MS: "StatsD flush interval, ms (default 1000)",
};

/** Shortest and longest StatsD flush interval, ms. */
export const MIN_STATSD_FLUSH_MS = 100;
export const MAX_STATSD_FLUSH_MS = 60_000;

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

const apiKeyEntry = z.union([
  z.string(),
  z.object({ key: z.string(), scopes: z.array(z.enum(["read", "write", "admin"])).min(1) }).strict(),
]);

/** Schema of the JSON config file: the same names as `DashboardOptions`. */
export const configFileSchema = z
  .object({
    port: z.number().int().min(0).max(65535),
    host: z.string().min(1),
    broker: z.string().min(1),
    workers: z.number().int().positive().max(256),
    demo: z.boolean(),
    dataDir: z.string().min(1),
    store: z.string().min(1),
    sync: z.enum(["full", "normal"]),
    retention: z.string().min(1),
    apiKeys: z.array(apiKeyEntry),
    publicRead: z.boolean(),
    privateMetrics: z.boolean(),
    corsOrigins: z.array(z.string().min(1)),
    allowedHosts: z.array(z.string().min(1)),
    maxSeries: z.number().int().positive(),
    futureSkewMs: z.number().int().min(0),
    maxBodyBytes: z.number().int().positive(),
    maxIngestInFlight: z.number().int().positive(),
    maxDashboards: z.number().int().positive(),
    uiDir: z.string().min(1),
    logLevel: z.enum(LOG_LEVELS as [string, ...string[]]),
    tlsCert: z.string(),
    tlsKey: z.string(),
    alertEvalMs: z.number().int().min(1000).max(10_000),
    maxAlertRules: z.number().int().positive().max(10_000),
    alertHistory: z.number().int().positive().max(1_000_000),
    webhookHosts: z.array(z.string().min(1)),
    webhookSecret: z.string(),
    webhookTimeoutMs: z.number().int().min(100).max(60_000),
    webhookMaxAttempts: z.number().int().positive().max(50),
    webhookQueue: z.number().int().positive().max(100_000),
    maxAnnotations: z.number().int().positive().max(1_000_000),
    graphite: z.string(),
    maxGraphiteConnections: z.number().int().positive().max(100_000),
    statsd: z.string(),
    statsdFlushMs: z.number().int().min(MIN_STATSD_FLUSH_MS).max(MAX_STATSD_FLUSH_MS),
    statsdMaxKeys: z.number().int().positive().max(1_000_000),
  })
  .strict()
  .partial();

function port(value: string, source: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new ConfigError(`${source}: port must be 0-65535, got ${value}`);
  return n;
}

function positiveInt(value: string, source: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new ConfigError(`${source}: expected a positive integer, got ${value}`);
  return n;
}

/** Most worker processes `--workers` accepts (a typo must not fork thousands of processes). */
export const MAX_WORKERS = 256;

function workers(value: string, source: string): number {
  const n = positiveInt(value, source);
  if (n > MAX_WORKERS) throw new ConfigError(`${source}: at most ${MAX_WORKERS} workers, got ${value}`);
  return n;
}

function bool(value: string, source: string): boolean {
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw new ConfigError(`${source}: expected 1/0 or true/false, got ${value}`);
}

function broker(value: string, source: string): string {
  if (value === "memory" || /^(redis|rediss|nats):\/\/.+/.test(value)) return value;
  throw new ConfigError(`${source}: broker must be memory, redis://… or nats://…, got ${value}`);
}

function hostList(values: string[], source: string): string[] {
  const list = values
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter(Boolean);
  try {
    normalizeAllowedHosts(list);
  } catch (err) {
    throw new ConfigError(`${source}: ${(err as Error).message}`);
  }
  return list;
}

function store(value: string, source: string): string {
  if (value === "sqlite" || /^postgres(ql)?:\/\/.+/.test(value)) return value;
  throw new ConfigError(`${source}: store must be sqlite or postgres://…, got ${value}`);
}

function sync(value: string, source: string): "full" | "normal" {
  if (value === "full" || value === "normal") return value;
  throw new ConfigError(`${source}: sync must be full or normal, got ${value}`);
}

function retention(value: string, source: string): DashboardOptions["resolutions"] {
  try {
    return parseRetention(value);
  } catch (err) {
    throw new ConfigError(`${source}: ${(err as Error).message}`);
  }
}

function logLevel(value: string, source: string): string {
  if (!LOG_LEVELS.includes(value))
    throw new ConfigError(`${source}: log level must be one of ${LOG_LEVELS.join(", ")}`);
  return value;
}

function flushMs(value: string, source: string): number {
  const n = positiveInt(value, source);
  if (n < MIN_STATSD_FLUSH_MS || n > MAX_STATSD_FLUSH_MS)
    throw new ConfigError(
      `${source}: the flush interval must be ${MIN_STATSD_FLUSH_MS}-${MAX_STATSD_FLUSH_MS} ms, got ${value}`,
    );
  return n;
}

/** A listener address as given ("" turns it off), checked. */
function listenAddress(value: string, source: string): string {
  if (value === "") return value;
  try {
    parseListenAddress(value, "127.0.0.1");
  } catch (err) {
    throw new ConfigError(`${source}: ${(err as Error).message}`);
  }
  return value;
}

function keys(specs: string[], source: string): ApiKey[] {
  try {
    return specs.map(parseApiKey);
  } catch (err) {
    throw new ConfigError(`${source}: ${(err as Error).message}`);
  }
}

/** Reads and validates a config file. */
export function readConfigFile(path: string): Partial<DashboardOptions> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new ConfigError(`config file ${path}: ${(err as Error).message}`);
  }
  const parsed = configFileSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(`config file ${path}: ${zodMessage(parsed.error)}`);
  const { apiKeys, retention: retentionText, store: storeUrl, ...rest } = parsed.data;
  const out: Partial<DashboardOptions> = { ...rest };
  if (storeUrl !== undefined) out.store = store(storeUrl, `config file ${path}: store`);
  if (retentionText !== undefined) out.resolutions = retention(retentionText, `config file ${path}: retention`);
  if (rest.broker !== undefined) out.broker = broker(rest.broker, `config file ${path}: broker`);
  if (rest.dataDir !== undefined) out.dataDir = resolve(rest.dataDir);
  if (rest.uiDir !== undefined) out.uiDir = resolve(rest.uiDir);
  if (rest.graphite !== undefined) out.graphite = listenAddress(rest.graphite, `config file ${path}: graphite`);
  if (rest.statsd !== undefined) out.statsd = listenAddress(rest.statsd, `config file ${path}: statsd`);
  if (rest.allowedHosts !== undefined)
    out.allowedHosts = hostList(rest.allowedHosts, `config file ${path}: allowedHosts`);
  if (rest.webhookHosts !== undefined)
    out.webhookHosts = hostList(rest.webhookHosts, `config file ${path}: webhookHosts`);
  if (apiKeys !== undefined)
    out.apiKeys = apiKeys.map((k) =>
      typeof k === "string" ? (keys([k], `config file ${path}: apiKeys`)[0] as ApiKey) : k,
    );
  return out;
}

/** Merges defaults, config file, environment and flags (later wins). */
export function loadStartOptions(flags: StartFlags, env: NodeJS.ProcessEnv): DashboardOptions {
  const o: DashboardOptions = { ...dashboardDefaults };
  const file = flags.config ?? env.DASHWIRE_CONFIG;
  if (file !== undefined && file !== "") Object.assign(o, readConfigFile(file));

  const e = (name: string) => {
    const v = env[name];
    return v === undefined || v === "" ? undefined : v;
  };
  let v: string | undefined;
  if ((v = e("DASHWIRE_PORT")) !== undefined) o.port = port(v, "DASHWIRE_PORT");
  if ((v = e("DASHWIRE_HOST")) !== undefined) o.host = v;
  if ((v = e("DASHWIRE_BROKER")) !== undefined) o.broker = broker(v, "DASHWIRE_BROKER");
  if ((v = e("DASHWIRE_WORKERS")) !== undefined) o.workers = workers(v, "DASHWIRE_WORKERS");
  if ((v = e("DASHWIRE_DEMO")) !== undefined) o.demo = bool(v, "DASHWIRE_DEMO");
  if ((v = e("DASHWIRE_DATA_DIR")) !== undefined) o.dataDir = v;
  if ((v = e("DASHWIRE_STORE")) !== undefined) o.store = store(v, "DASHWIRE_STORE");
  if ((v = e("DASHWIRE_SYNC")) !== undefined) o.sync = sync(v, "DASHWIRE_SYNC");
  if ((v = e("DASHWIRE_RETENTION")) !== undefined) o.resolutions = retention(v, "DASHWIRE_RETENTION");
  if ((v = e("DASHWIRE_API_KEYS")) !== undefined) {
    try {
      o.apiKeys = parseApiKeyList(v);
    } catch (err) {
      throw new ConfigError(`DASHWIRE_API_KEYS: ${(err as Error).message}`);
    }
  }
  if ((v = e("DASHWIRE_PUBLIC_READ")) !== undefined) o.publicRead = bool(v, "DASHWIRE_PUBLIC_READ");
  if ((v = e("DASHWIRE_PRIVATE_METRICS")) !== undefined) o.privateMetrics = bool(v, "DASHWIRE_PRIVATE_METRICS");
  if ((v = e("DASHWIRE_CORS_ORIGINS")) !== undefined)
    o.corsOrigins = v
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
  if ((v = e("DASHWIRE_ALLOWED_HOSTS")) !== undefined) o.allowedHosts = hostList([v], "DASHWIRE_ALLOWED_HOSTS");
  if ((v = e("DASHWIRE_MAX_SERIES")) !== undefined) o.maxSeries = positiveInt(v, "DASHWIRE_MAX_SERIES");
  if ((v = e("DASHWIRE_LOG_LEVEL")) !== undefined) o.logLevel = logLevel(v, "DASHWIRE_LOG_LEVEL");
  if ((v = e("DASHWIRE_TLS_CERT")) !== undefined) o.tlsCert = v;
  if ((v = e("DASHWIRE_TLS_KEY")) !== undefined) o.tlsKey = v;
  if ((v = e("DASHWIRE_WEBHOOK_HOSTS")) !== undefined) o.webhookHosts = hostList([v], "DASHWIRE_WEBHOOK_HOSTS");
  if ((v = e("DASHWIRE_WEBHOOK_SECRET")) !== undefined) o.webhookSecret = v;
  if ((v = e("DASHWIRE_GRAPHITE")) !== undefined) o.graphite = listenAddress(v, "DASHWIRE_GRAPHITE");
  if ((v = e("DASHWIRE_STATSD")) !== undefined) o.statsd = listenAddress(v, "DASHWIRE_STATSD");
  if ((v = e("DASHWIRE_STATSD_FLUSH_MS")) !== undefined) o.statsdFlushMs = flushMs(v, "DASHWIRE_STATSD_FLUSH_MS");

  if (flags.port !== undefined) o.port = port(flags.port, "--port");
  if (flags.host !== undefined) o.host = flags.host;
  if (flags.broker !== undefined) o.broker = broker(flags.broker, "--broker");
  if (flags.workers !== undefined) o.workers = workers(flags.workers, "--workers");
  if (flags.demo) o.demo = true;
  if (flags["no-demo"]) o.demo = false;
  if (flags["data-dir"] !== undefined) o.dataDir = flags["data-dir"];
  if (flags.store !== undefined) o.store = store(flags.store, "--store");
  if (flags.sync !== undefined) o.sync = sync(flags.sync, "--sync");
  if (flags.retention !== undefined) o.resolutions = retention(flags.retention, "--retention");
  if (flags["api-key"] !== undefined) o.apiKeys = keys(flags["api-key"], "--api-key");
  if (flags["public-read"]) o.publicRead = true;
  if (flags["no-public-read"]) o.publicRead = false;
  if (flags["private-metrics"]) o.privateMetrics = true;
  if (o.privateMetrics && !o.apiKeys.some((k) => k.scopes.includes("read") || k.scopes.includes("admin")))
    throw new ConfigError(
      "--private-metrics needs an --api-key with the read (or admin) scope, or nobody could read them",
    );
  if (flags["cors-origin"] !== undefined) o.corsOrigins = flags["cors-origin"];
  if (flags["allowed-hosts"] !== undefined) o.allowedHosts = hostList(flags["allowed-hosts"], "--allowed-hosts");
  if (flags["webhook-hosts"] !== undefined) o.webhookHosts = hostList(flags["webhook-hosts"], "--webhook-hosts");
  if (flags["max-series"] !== undefined) o.maxSeries = positiveInt(flags["max-series"], "--max-series");
  if (flags["log-level"] !== undefined) o.logLevel = logLevel(flags["log-level"], "--log-level");
  if (flags["tls-cert"] !== undefined) o.tlsCert = flags["tls-cert"];
  if (flags["tls-key"] !== undefined) o.tlsKey = flags["tls-key"];
  if (flags.graphite !== undefined) o.graphite = listenAddress(flags.graphite, "--graphite");
  if (flags.statsd !== undefined) o.statsd = listenAddress(flags.statsd, "--statsd");
  if (flags["statsd-flush-ms"] !== undefined) o.statsdFlushMs = flushMs(flags["statsd-flush-ms"], "--statsd-flush-ms");
  if ((o.tlsCert ?? "") !== "" && (o.tlsKey ?? "") === "") throw new ConfigError("--tls-cert needs --tls-key");
  if ((o.tlsKey ?? "") !== "" && (o.tlsCert ?? "") === "") throw new ConfigError("--tls-key needs --tls-cert");
  return o;
}
