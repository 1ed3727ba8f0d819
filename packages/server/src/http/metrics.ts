import type { ServerResponse } from "node:http";
import { ErrorCode } from "@dashwire/protocol";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { MetricJson } from "../cluster/cluster-metrics.js";
import type { Hub } from "../hub.js";
import type { ServerStats } from "../stats.js";

type NumericStat = {
  [K in keyof ServerStats]: ServerStats[K] extends number ? K : never;
}[keyof ServerStats];

const COUNTERS: [string, string, NumericStat][] = [
  ["dashwire_connections_total", "Connections opened since start.", "connectionsTotal"],
  ["dashwire_messages_in_total", "Messages received from clients.", "messagesIn"],
  ["dashwire_frames_in_total", "Frames received from clients.", "framesIn"],
  ["dashwire_bytes_in_total", "Bytes received from clients.", "bytesIn"],
  ["dashwire_messages_out_total", "Messages queued to clients (deliveries).", "messagesOut"],
  ["dashwire_frames_out_total", "Frames written to clients (one write each).", "framesOut"],
  ["dashwire_bytes_out_total", "Bytes written to clients.", "bytesOut"],
  ["dashwire_publications_total", "Publications accepted.", "publications"],
  ["dashwire_queue_drops_total", "Stream deliveries dropped on queue overflow (announced by gap).", "dropsStream"],
  ["dashwire_conflated_total", "Latest-mode values replaced before being sent.", "conflated"],
  ["dashwire_gaps_total", "Gap notices sent.", "gaps"],
];

/**
 * Sampling interval of the event-loop delay metrics, ms. Node's histogram records whole timer
 * intervals, so an idle loop reads about this much: subtract it to get the delay itself.
 */
export const EVENT_LOOP_RESOLUTION_MS = 20;

/**
 * Prometheus registry of one server: dashwire's counters (read from `ServerStats` at scrape
 * time, so the hot path only bumps plain fields) plus Node's default process metrics, which
 * include event-loop delay. prom-client is loaded on the first scrape (a server that is never
 * scraped does not pay its memory).
 */
export async function createMetricsRegistry(stats: ServerStats, hub: Hub): Promise<Registry> {
  const { Counter, collectDefaultMetrics, Gauge, Registry } = await import("prom-client");
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_RESOLUTION_MS });
  for (const [name, help, field] of COUNTERS) {
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(stats[field]);
      },
    });
  }
  const labeled: [string, string, string, Map<string | number, number>][] = [
    ["dashwire_errors_total", "Inbound messages refused, by error code.", "code", stats.errors],
    ["dashwire_limit_hits_total", "Limit hits, by limit.", "limit", stats.limits],
    ["dashwire_closes_total", "Connections closed, by close code.", "code", stats.closes],
  ];
  for (const [name, help, label, map] of labeled) {
    new Counter({
      name,
      help,
      labelNames: [label],
      registers: [registry],
      collect() {
        this.reset();
        for (const [key, n] of map) this.inc({ [label]: String(key) }, n);
      },
    });
  }
  new Gauge({
    name: "dashwire_connections",
    help: "Open connections.",
    registers: [registry],
    collect() {
      this.set(stats.connections);
    },
  });
  new Gauge({
    name: "dashwire_subscriptions",
    help: "Live subscriptions.",
    registers: [registry],
    collect() {
      this.set(stats.subscriptions);
    },
  });
  new Gauge({
    name: "dashwire_topics",
    help: "Topics with local subscribers.",
    registers: [registry],
    collect() {
      this.set(hub.topicCount);
    },
  });
  new Gauge({
    name: "dashwire_broker_up",
    help: "1 when the broker link is up.",
    registers: [registry],
    collect() {
      this.set(hub.brokerStatus.ok ? 1 : 0);
    },
  });
  return registry;
}

/**
 * Writes `/healthz`: 200 when ok, 503 when degraded (load balancers steer away); with `detailed`
 * false only `{ status }` (broker state and connection counts are for operators).
 */
export function serveHealth(res: ServerResponse, health: { status: "ok" | "degraded" }, detailed = true): void {
  res.writeHead(health.status === "ok" ? 200 : 503, {
    "content-type": "application/json",
    "cache-control": "no-store",
  });
  res.end(JSON.stringify(detailed ? health : { status: health.status }));
}

/** Answers a `/metrics` request that `canReadMetrics` refused: 401, coded like the API's. */
export function refuseMetrics(res: ServerResponse): void {
  const body = JSON.stringify({
    error: { code: ErrorCode.Unauthorized, message: "credentials required for /metrics" },
  });
  res
    .writeHead(401, { "content-type": "application/json", "cache-control": "no-store", "www-authenticate": "Bearer" })
    .end(body);
}

/** A registry holding `metrics` (prom-client JSON), to render them in the Prometheus text format. */
export async function renderRegistry(metrics: MetricJson[]): Promise<Registry> {
  const { AggregatorRegistry } = await import("prom-client");
  return AggregatorRegistry.aggregate([metrics]);
}

/**
 * Writes `/metrics` in the Prometheus text format; 503 when the figures cannot be had (a cluster
 * primary that does not answer): a failed scrape, never a worker's own figures passed off as
 * the machine's.
 */
export function serveMetrics(
  res: ServerResponse,
  body: Promise<{ text: string; contentType: string }>,
  logger: Logger,
): void {
  body.then(
    ({ text, contentType }) => res.writeHead(200, { "content-type": contentType }).end(text),
    (err: unknown) => {
      logger.error({ err }, "metrics failed");
      res
        .writeHead(503, { "content-type": "text/plain; charset=utf-8", "retry-after": "1" })
        .end("metrics unavailable\n");
    },
  );
}
