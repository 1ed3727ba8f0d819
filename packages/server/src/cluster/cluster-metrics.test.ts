import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import {
  ClusterMetricsHost,
  ClusterMetricsWorker,
  METRICS_TAG,
  type MetricJson,
  metricValue,
} from "./cluster-metrics.js";
import type { ClusterSupervisor } from "./cluster-supervisor.js";

const counter = (name: string, value: number): MetricJson => ({
  name,
  help: name,
  type: "counter",
  aggregator: "sum",
  values: [{ value, labels: {} }],
});
const gauge = (name: string, value: number): MetricJson => ({ ...counter(name, value), type: "gauge" });

/** A worker process as the host sees it, answering `collect` with `figures` (or not at all). */
class FakeWorker {
  figures: MetricJson[] | undefined;
  readonly got: unknown[] = [];
  constructor(
    readonly id: number,
    private readonly supervisor: FakeSupervisor,
    readonly slot: number,
  ) {}
  isConnected(): boolean {
    return true;
  }
  send(m: { k: string; id: number }): void {
    this.got.push(m);
    if (m.k === "collect" && this.figures !== undefined) {
      const reply = { tag: METRICS_TAG, k: "local", id: m.id, metrics: this.figures };
      setImmediate(() => this.supervisor.emit("message", this.slot, this, reply));
    }
  }
}

class FakeSupervisor extends EventEmitter {
  workers: (FakeWorker | undefined)[] = [];
}

function cluster(): { supervisor: FakeSupervisor; host: ClusterMetricsHost } {
  const supervisor = new FakeSupervisor();
  const host = new ClusterMetricsHost(supervisor as unknown as ClusterSupervisor, { collectTimeoutMs: 100 });
  return { supervisor, host };
}

describe("ClusterMetricsHost", () => {
  it("sums the workers' figures, counts a silent worker with its last ones, and keeps an exited worker's counters", async () => {
    const { supervisor, host } = cluster();
    const a = new FakeWorker(1, supervisor, 0);
    const b = new FakeWorker(2, supervisor, 1);
    supervisor.workers = [a, b];
    a.figures = [counter("dashwire_connections_total", 10), gauge("dashwire_connections", 2)];
    b.figures = [counter("dashwire_connections_total", 5), gauge("dashwire_connections", 1)];
    let total = await host.gather();
    expect(metricValue(total, "dashwire_connections_total")).toBe(15);
    expect(metricValue(total, "dashwire_connections")).toBe(3);
    expect(metricValue(total, "dashwire_processes")).toBe(3); // the primary and two workers
    expect(metricValue(total, "process_resident_memory_bytes")).toBeGreaterThan(0); // the primary's own
    const perProcess = total.find((m) => m.name === "dashwire_process_connections")?.values;
    expect(perProcess?.map((v) => [v.labels.process, v.value])).toEqual([
      ["primary", 0],
      ["worker-0", 2],
      ["worker-1", 1],
    ]);

    // b hangs: it counts with its last figures, the total does not drop.
    b.figures = undefined;
    a.figures = [counter("dashwire_connections_total", 12), gauge("dashwire_connections", 2)];
    total = await host.gather();
    expect(metricValue(total, "dashwire_connections_total")).toBe(17);

    // b dies and its slot restarts from zero: its counters stay, its gauges go.
    supervisor.emit("exit", 1, b, null, "SIGKILL");
    const c = new FakeWorker(3, supervisor, 1);
    c.figures = [counter("dashwire_connections_total", 1), gauge("dashwire_connections", 1)];
    supervisor.workers = [a, c];
    total = await host.gather();
    expect(metricValue(total, "dashwire_connections_total")).toBe(12 + 5 + 1);
    expect(metricValue(total, "dashwire_connections")).toBe(3);
    expect(metricValue(total, "dashwire_processes")).toBe(3);
  });

  it("answers a worker's ask with the total, one collection for concurrent asks", async () => {
    const { supervisor } = cluster();
    const a = new FakeWorker(1, supervisor, 0);
    a.figures = [counter("dashwire_messages_out_total", 7)];
    supervisor.workers = [a];
    supervisor.emit("message", 0, a, { tag: METRICS_TAG, k: "ask", id: 1 });
    supervisor.emit("message", 0, a, { tag: METRICS_TAG, k: "ask", id: 2 });
    await new Promise((r) => setTimeout(r, 300));
    const collects = a.got.filter((m) => (m as { k: string }).k === "collect");
    const totals = a.got.filter((m) => (m as { k: string }).k === "total") as Array<{
      id: number;
      metrics: MetricJson[];
    }>;
    expect(collects).toHaveLength(1);
    expect(totals.map((t) => t.id)).toEqual([1, 2]);
    expect(metricValue(totals[0]?.metrics ?? [], "dashwire_messages_out_total")).toBe(7);
  });
});

/** A worker's process channel, wired to a host-side answer. */
class FakeProcess extends EventEmitter {
  connected = true;
  readonly sent: Array<{ k: string; id: number; metrics?: MetricJson[] }> = [];
  answer: ((m: { k: string; id: number }) => unknown) | undefined;
  send(m: { k: string; id: number }): boolean {
    this.sent.push(m);
    const reply = this.answer?.(m);
    if (reply !== undefined) setImmediate(() => this.emit("message", reply));
    return true;
  }
}

describe("ClusterMetricsWorker", () => {
  it("asks the primary once for concurrent scrapes, answers collects, and fails a scrape the primary does not answer", async () => {
    const proc = new FakeProcess();
    const worker = new ClusterMetricsWorker(
      async () => [gauge("dashwire_connections", 4)],
      proc as unknown as NodeJS.Process,
    );
    proc.answer = (m) =>
      m.k === "ask"
        ? { tag: METRICS_TAG, k: "total", id: m.id, metrics: [gauge("dashwire_connections", 9)] }
        : undefined;
    const [x, y] = await Promise.all([worker.total(), worker.total()]);
    expect(metricValue(x, "dashwire_connections")).toBe(9);
    expect(y).toBe(x);
    expect(proc.sent.filter((m) => m.k === "ask")).toHaveLength(1);

    proc.emit("message", { tag: METRICS_TAG, k: "collect", id: 42 });
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    const local = proc.sent.find((m) => m.k === "local");
    expect(local?.id).toBe(42);
    expect(metricValue(local?.metrics ?? [], "dashwire_connections")).toBe(4);

    proc.answer = (m) => (m.k === "ask" ? { tag: METRICS_TAG, k: "total", id: m.id, error: "boom" } : undefined);
    await expect(worker.total()).rejects.toThrow(/cluster metrics: boom/);
    proc.connected = false;
    await expect(worker.total()).rejects.toThrow(/not connected to the primary/);
    worker.close();
  });
});
