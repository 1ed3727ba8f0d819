/**
 * Cluster-wide Prometheus figures for the workers of one machine. Each worker has its own
 * registry; a scrape lands on whichever worker took the connection, so alone each one answered
 * with its own counters (24, 0, 24, 0… and a broken `rate()`). Here a scraped worker asks the
 * primary (`ClusterMetricsWorker.total`); the primary (`ClusterMetricsHost`) collects every
 * worker's registry as JSON and sums them with prom-client's own cluster aggregator (each metric
 * by its `aggregator`: counters and most gauges summed, event-loop lag averaged, …), together
 * with its own process figures and per-process RSS and CPU.
 *
 * Counters never go backwards across scrapes: a worker that does not answer in time counts with
 * its last figures, and a worker that exits leaves its last counters and histograms behind in a
 * "retired" total (the restarted worker counts from 0 on top of it).
 */
import type { Worker } from "node:cluster";
import type { Registry } from "prom-client";
import type { ClusterSupervisor } from "./cluster-supervisor.js";

/** Tag of the cluster metrics messages on the IPC channel (beside the broker's and the supervisor's). */
export const METRICS_TAG = "dw-metrics";

/** One metric as prom-client's `getMetricsAsJSON()` gives it. */
export interface MetricJson {
  name: string;
  help: string;
  /** "counter", "gauge", "histogram" or "summary". */
  type: string;
  /** How prom-client's cluster aggregator merges it: "sum", "average", "max", "omit", … */
  aggregator: string;
  values: Array<{ value: number; labels: Record<string, string | number>; metricName?: string }>;
}

type MetricsMessage =
  | { tag: typeof METRICS_TAG; k: "ask"; id: number }
  | { tag: typeof METRICS_TAG; k: "collect"; id: number }
  | { tag: typeof METRICS_TAG; k: "local"; id: number; metrics: MetricJson[] }
  | { tag: typeof METRICS_TAG; k: "total"; id: number; metrics?: MetricJson[]; error?: string };

function metricsMessage(m: unknown): MetricsMessage | undefined {
  if (typeof m !== "object" || m === null || (m as { tag?: unknown }).tag !== METRICS_TAG) return undefined;
  return typeof (m as { id?: unknown }).id === "number" ? (m as MetricsMessage) : undefined;
}

/** prom-client's aggregation of several registries' JSON into one. */
async function aggregate(sets: MetricJson[][]): Promise<MetricJson[]> {
  const { AggregatorRegistry } = await import("prom-client");
  return (await AggregatorRegistry.aggregate(sets).getMetricsAsJSON()) as unknown as MetricJson[];
}

/** The first value of metric `name` (0 when absent). */
export function metricValue(metrics: readonly MetricJson[], name: string): number {
  return metrics.find((m) => m.name === name)?.values[0]?.value ?? 0;
}

/** A registry's figures as `MetricJson`. */
export async function registryJson(registry: Registry): Promise<MetricJson[]> {
  return (await registry.getMetricsAsJSON()) as unknown as MetricJson[];
}

/** Options of `ClusterMetricsHost`. */
export interface ClusterMetricsHostOptions {
  /** How long a collection waits for the workers; the late ones count with their last figures, ms. */
  collectTimeoutMs: number;
}

/** Defaults of `ClusterMetricsHostOptions`. */
export const clusterMetricsHostDefaults: ClusterMetricsHostOptions = { collectTimeoutMs: 1000 };

/** The primary's side: answers a worker's `ask` with the whole cluster's figures. */
export class ClusterMetricsHost {
  private readonly options: ClusterMetricsHostOptions;
  /** Each live worker's latest figures (by cluster worker id), with its slot. */
  private readonly lastSeen = new Map<number, { slot: number; metrics: MetricJson[] }>();
  /** Counters and histograms of workers that exited, summed. */
  private retired: Promise<MetricJson[]> = Promise.resolve([]);
  private round = 0;
  /** Workers the current round still waits for (by cluster worker id). */
  private readonly waiting = new Map<number, () => void>();
  private gathering: Promise<MetricJson[]> | undefined;
  private own: Promise<Registry> | undefined;

  constructor(
    private readonly supervisor: ClusterSupervisor,
    options: Partial<ClusterMetricsHostOptions> = {},
  ) {
    this.options = { ...clusterMetricsHostDefaults, ...options };
    supervisor.on("message", (slot, worker, m) => this.message(slot, worker, m));
    supervisor.on("exit", (_slot, worker) => this.retire(worker.id));
  }

  /** The cluster's figures now; concurrent callers share one collection. */
  gather(): Promise<MetricJson[]> {
    this.gathering ??= this.collect().finally(() => {
      this.gathering = undefined;
    });
    return this.gathering;
  }

  private async collect(): Promise<MetricJson[]> {
    const id = ++this.round;
    const answers: Promise<void>[] = [];
    for (const worker of this.supervisor.workers) {
      if (worker === undefined || !worker.isConnected()) continue;
      answers.push(new Promise<void>((resolve) => this.waiting.set(worker.id, resolve)));
      worker.send({ tag: METRICS_TAG, k: "collect", id });
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(answers),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.options.collectTimeoutMs);
      }),
    ]);
    clearTimeout(timer);
    this.waiting.clear();
    this.own ??= import("prom-client").then(({ collectDefaultMetrics, Registry }) => {
      const registry = new Registry();
      collectDefaultMetrics({ register: registry });
      return registry;
    });
    const own = await registryJson(await this.own);
    const workers = [...this.lastSeen.values()];
    return aggregate([own, ...workers.map((w) => w.metrics), await this.retired, processTable(own, workers)]);
  }

  private message(slot: number, worker: Worker, raw: unknown): void {
    const m = metricsMessage(raw);
    if (m === undefined) return;
    if (m.k === "local") {
      if (m.id !== this.round || !Array.isArray(m.metrics)) return;
      this.lastSeen.set(worker.id, { slot, metrics: m.metrics });
      this.waiting.get(worker.id)?.();
    } else if (m.k === "ask") {
      const reply = (body: Partial<MetricsMessage>) => {
        if (worker.isConnected()) worker.send({ tag: METRICS_TAG, k: "total", id: m.id, ...body });
      };
      this.gather().then(
        (metrics) => reply({ metrics }),
        (err: unknown) => reply({ error: String((err as Error)?.message ?? err) }),
      );
    }
  }

  /** A worker exited: its cumulative figures stay in the total; its gauges go. */
  private retire(workerId: number): void {
    this.waiting.get(workerId)?.();
    const seen = this.lastSeen.get(workerId);
    this.lastSeen.delete(workerId);
    if (seen === undefined) return;
    const cumulative = seen.metrics.filter((m) => m.type === "counter" || m.type === "histogram");
    const before = this.retired;
    this.retired = before.then((r) => aggregate([r, cumulative])).catch(() => before);
  }
}

/** Per-process RSS, CPU, connections and event-loop delay (label `process`: `primary`, `worker-<slot>`) and the process count. */
function processTable(own: MetricJson[], workers: Array<{ slot: number; metrics: MetricJson[] }>): MetricJson[] {
  const rows: Array<[string, MetricJson[]]> = [
    ["primary", own],
    ...workers.map((w): [string, MetricJson[]] => [`worker-${w.slot}`, w.metrics]),
  ];
  const column = (name: string) => rows.map(([process, m]) => ({ value: metricValue(m, name), labels: { process } }));
  return [
    {
      name: "dashwire_process_resident_memory_bytes",
      help: "Resident memory of each process of this dashwire (the primary and its workers).",
      type: "gauge",
      aggregator: "sum",
      values: column("process_resident_memory_bytes"),
    },
    {
      name: "dashwire_process_cpu_seconds_total",
      help: "CPU time of each process of this dashwire (resets when a worker restarts).",
      type: "counter",
      aggregator: "sum",
      values: column("process_cpu_seconds_total"),
    },
    {
      name: "dashwire_process_connections",
      help: "Open connections of each process of this dashwire.",
      type: "gauge",
      aggregator: "sum",
      values: column("dashwire_connections"),
    },
    {
      name: "dashwire_process_eventloop_lag_p99_seconds",
      help: "Event-loop delay p99 of each process since the last collection (timer resolution included).",
      type: "gauge",
      aggregator: "max",
      values: column("nodejs_eventloop_lag_p99_seconds"),
    },
    {
      name: "dashwire_processes",
      help: "Processes counted in these figures: the primary and the workers that answered.",
      type: "gauge",
      aggregator: "sum",
      values: [{ value: rows.length, labels: {} }],
    },
  ];
}

/** How long a worker waits for the primary's total before a scrape fails, ms. */
const ASK_TIMEOUT_MS = 5000;

/**
 * The worker's side: answers the primary's `collect` with this process's figures, and asks it
 * for the cluster's total (`total`, one request at a time however many scrapes wait).
 */
export class ClusterMetricsWorker {
  private next = 0;
  private asking: { id: number; promise: Promise<MetricJson[]>; settle: (m: MetricsMessage) => void } | undefined;

  constructor(
    /** This process's figures. */
    private readonly local: () => Promise<MetricJson[]>,
    private readonly proc: NodeJS.Process = process,
  ) {
    proc.on("message", this.onMessage);
  }

  /** The whole cluster's figures, from the primary; rejects when it does not answer in time. */
  total(): Promise<MetricJson[]> {
    if (this.asking !== undefined) return this.asking.promise;
    const id = ++this.next;
    let settle!: (m: MetricsMessage) => void;
    const promise = new Promise<MetricJson[]>((resolve, reject) => {
      const timer = setTimeout(
        () => settle({ tag: METRICS_TAG, k: "total", id, error: "no answer from the primary" }),
        ASK_TIMEOUT_MS,
      );
      settle = (m) => {
        clearTimeout(timer);
        if (this.asking?.id === id) this.asking = undefined;
        if (m.k === "total" && m.metrics !== undefined) resolve(m.metrics);
        else reject(new Error(`cluster metrics: ${m.k === "total" ? (m.error ?? "no figures") : "bad answer"}`));
      };
    });
    this.asking = { id, promise, settle };
    if (!this.proc.connected) settle({ tag: METRICS_TAG, k: "total", id, error: "not connected to the primary" });
    else this.proc.send?.({ tag: METRICS_TAG, k: "ask", id });
    return promise;
  }

  /** Stops answering the primary. */
  close(): void {
    this.proc.off("message", this.onMessage);
  }

  private readonly onMessage = (raw: unknown): void => {
    const m = metricsMessage(raw);
    if (m === undefined) return;
    if (m.k === "collect") {
      this.local().then(
        (metrics) => {
          if (this.proc.connected) this.proc.send?.({ tag: METRICS_TAG, k: "local", id: m.id, metrics });
        },
        () => {}, // the primary counts this worker with its last figures
      );
    } else if (m.k === "total" && this.asking?.id === m.id) this.asking.settle(m);
  };
}
