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

/** One value of a labelled metric: its labels and the value. */
export type LabelledValue = readonly [labels: Readonly<Record<string, string>>, value: number];

/** A counter or gauge whose value is read at each collection (a plain field the code bumps). */
export interface ReadMetric {
  name: string;
  help: string;
  type: "counter" | "gauge";
  /** How a cluster primary merges the workers' values (prom-client's; default "sum"). */
  aggregator?: "sum" | "max" | "min" | "average" | "first" | "omit";
  /** Label names: then `read` returns one value per label set (`{format, result}` → n). */
  labelNames?: readonly string[];
  /** The current value (a counter's: the total since start), or the labelled values. */
  read(): number | Iterable<LabelledValue>;
}

/** Registers `metrics` in `registry`, each read at collection time (the hot path only bumps fields). */
export async function addReadMetrics(registry: Registry, metrics: readonly ReadMetric[]): Promise<void> {
  const { Counter, Gauge } = await import("prom-client");
  for (const m of metrics) {
    const config = {
      name: m.name,
      help: m.help,
      registers: [registry],
      aggregator: m.aggregator ?? "sum",
      labelNames: m.labelNames ?? [],
    };
    /** The values read now, as (labels, value) pairs. */
    const values = (): Iterable<LabelledValue> => {
      const v = m.read();
      return typeof v === "number" ? [[{}, v]] : v;
    };
    if (m.type === "counter")
      new Counter({
        ...config,
        collect() {
          this.reset();
          for (const [labels, n] of values()) this.inc(labels, n);
        },
      });
    else
      new Gauge({
        ...config,
        collect() {
          this.reset();
          for (const [labels, n] of values()) this.set(labels, n);
        },
      });
  }
}

/**
 * Prometheus registry of one server: dashwire's counters (read from `ServerStats` at scrape
 * time, so the hot path only bumps plain fields) plus Node's default process metrics, which
 * include event-loop delay. prom-client is loaded on the first scrape (a server that is never
 * scraped does not pay its memory).
 */
export async function createMetricsRegistry(stats: ServerStats, hub: Hub): Promise<Registry> {
  const { collectDefaultMetrics, Registry } = await import("prom-client");
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_RESOLUTION_MS });
  await addReadMetrics(registry, [
    ...COUNTERS.map(([name, help, field]): ReadMetric => ({ name, help, type: "counter", read: () => stats[field] })),
    { name: "dashwire_connections", help: "Open connections.", type: "gauge", read: () => stats.connections },
    { name: "dashwire_subscriptions", help: "Live subscriptions.", type: "gauge", read: () => stats.subscriptions },
    { name: "dashwire_topics", help: "Topics with local subscribers.", type: "gauge", read: () => hub.topicCount },
    {
      name: "dashwire_broker_up",
      help: "1 when the broker link is up.",
      type: "gauge",
      read: () => (hub.brokerStatus.ok ? 1 : 0),
    },
  ]);
  const labelled: [string, string, string, Map<string | number, number>][] = [
    ["dashwire_errors_total", "Inbound messages refused, by error code.", "code", stats.errors],
    ["dashwire_limit_hits_total", "Limit hits, by limit.", "limit", stats.limits],
    ["dashwire_closes_total", "Connections closed, by close code.", "code", stats.closes],
  ];
  await addReadMetrics(
    registry,
    labelled.map(
      ([name, help, label, map]): ReadMetric => ({
        name,
        help,
        type: "counter",
        labelNames: [label],
        read: () => [...map].map(([key, n]): LabelledValue => [{ [label]: String(key) }, n]),
      }),
    ),
  );
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
