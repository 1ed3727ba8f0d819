/**
 * Prometheus remote write 1.0 at `/api/v1/write`: Debian's real `prometheus` scrapes Debian's
 * real `prometheus-node-exporter` and remote-writes into dashwire (both started here on free
 * ports with temporary config and data, never as system services); the node exporter's series
 * become queryable with their labels as tags. Requests built by hand cover what Prometheus
 * sends less often: staleness markers, series without `__name__`, repeated labels, remote write
 * 2.0 and bodies that are not snappy.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "@dashwire/server/testing";
import snappy from "snappyjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until } from "../../../../packages/server/test/until.js";
import { WriteRequest } from "../../src/ingest/prom-remote-write.js";
import { startApp, type TestApp } from "../api/helpers.js";
import { counter, rowsOf, seriesIds } from "./agent-helpers.js";

const KEY = "prometheus-writer-key";
const PROMETHEUS = "/usr/bin/prometheus";
const NODE_EXPORTER = "/usr/bin/prometheus-node-exporter";
const haveBinaries = existsSync(PROMETHEUS) && existsSync(NODE_EXPORTER);
if (!haveBinaries)
  console.warn(
    "prometheus remote write test with real Prometheus skipped: prometheus and prometheus-node-exporter are not installed (scripts/setup.sh installs them as root)",
  );

let t: TestApp;
beforeAll(async () => {
  t = await startApp({ apiKeys: [{ key: KEY, scopes: ["write"] }] });
});
afterAll(() => t.close());

/** POSTs a WriteRequest as Prometheus does (snappy block, protobuf, its headers). */
function remoteWrite(request: object, headers: Record<string, string> = {}): Promise<Response> {
  const body = snappy.compress(Buffer.from(WriteRequest.encode(WriteRequest.fromObject(request)).finish()));
  return fetch(t.url("/api/v1/write"), {
    method: "POST",
    headers: {
      "content-type": "application/x-protobuf",
      "content-encoding": "snappy",
      "x-prometheus-remote-write-version": "0.1.0",
      "user-agent": "Prometheus/2.42.0",
      authorization: `Bearer ${KEY}`,
      ...headers,
    },
    body,
  });
}

/** One time series of a WriteRequest. */
const series = (labels: Record<string, string>, samples: Array<[number, number]>) => ({
  labels: Object.entries(labels).map(([name, value]) => ({ name, value })),
  samples: samples.map(([value, timestamp]) => ({ value, timestamp })),
});

describe("remote write requests", () => {
  it("stores samples with labels as tags; staleness markers and NaN are ignored, not errors", async () => {
    const now = Date.now();
    // Prometheus' staleness marker is this particular NaN.
    const stale = Buffer.from("7ff0000000000002", "hex").readDoubleBE(0);
    const ignored = await counter(t, 'dashwire_ingest_points_total{format="prometheus",result="ignored"}');
    const res = await remoteWrite({
      timeseries: [
        series({ __name__: "rw_requests_total", job: "api", instance: "10.0.0.1:9100", empty: "" }, [
          [41, now - 1000],
          [42, now],
        ]),
        series({ __name__: "rw_gone", job: "api" }, [[stale, now]]),
      ],
    });
    expect(res.status).toBe(204);
    // Two samples a second apart: two buckets, once both seconds are closed.
    const rows = await rowsOf(t, "rw_requests_total,instance=10.0.0.1:9100,job=api", 2);
    expect(rows.reduce((n, r) => n + r[1], 0)).toBe(2);
    expect(rows.at(-1)?.[5]).toBe(42);
    expect(await counter(t, 'dashwire_ingest_points_total{format="prometheus",result="ignored"}')).toBe(ignored + 1);
  });

  it("refuses series without __name__ or with a label twice by index, keeping the others (400, not retried)", async () => {
    const now = Date.now();
    const res = await remoteWrite({
      timeseries: [
        series({ job: "x" }, [[1, now]]),
        {
          labels: [
            { name: "__name__", value: "rw_dup" },
            { name: "a", value: "1" },
            { name: "a", value: "2" },
          ],
          samples: [{ value: 1, timestamp: now }],
        },
        series({ __name__: "rw_kept" }, [[7, now]]),
      ],
    });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/series 0: no "__name__" label \(1 samples\)/);
    expect(text).toMatch(/series 1: label "a" given twice/);
    expect((await rowsOf(t, "rw_kept"))[0]?.[5]).toBe(7);
  });

  it("answers auth, encoding and version problems with the right status", async () => {
    expect((await remoteWrite({ timeseries: [] }, { authorization: "" })).status).toBe(401);
    expect((await remoteWrite({ timeseries: [] }, { authorization: "Bearer not-the-key-0" })).status).toBe(401);
    const basic = await remoteWrite(
      { timeseries: [] },
      { authorization: `Basic ${Buffer.from(`prom:${KEY}`).toString("base64")}` },
    );
    expect(basic.status).toBe(204);
    const v2 = await remoteWrite(
      { timeseries: [] },
      { "content-type": "application/x-protobuf;proto=io.prometheus.write.v2.Request" },
    );
    expect(v2.status).toBe(415);
    const gzip = await remoteWrite({ timeseries: [] }, { "content-encoding": "gzip" });
    expect(gzip.status).toBe(415);
    const notSnappy = await fetch(t.url("/api/v1/write"), {
      method: "POST",
      headers: {
        "content-type": "application/x-protobuf",
        "content-encoding": "snappy",
        authorization: `Bearer ${KEY}`,
      },
      body: Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x02]),
    });
    expect(notSnappy.status).toBe(400);
    expect(await notSnappy.text()).toMatch(/snappy/);
    // A snappy header announcing more than the body limit is refused before decompressing.
    const bomb = Buffer.from([0x80, 0x80, 0x80, 0x10, 0x00]); // varint length 32 MiB, no data
    const big = await fetch(t.url("/api/v1/write"), {
      method: "POST",
      headers: {
        "content-type": "application/x-protobuf",
        "content-encoding": "snappy",
        authorization: `Bearer ${KEY}`,
      },
      body: bomb,
    });
    expect(big.status).toBe(413);
  });
});

describe.skipIf(!haveBinaries)("real Prometheus scraping node exporter, remote-writing to dashwire", () => {
  const children: ChildProcess[] = [];
  let dir = "";
  let exporterPort = 0;

  /** Starts a child with its output kept for the failure message. */
  const run = (file: string, args: string[]) => {
    const child = spawn(file, args, { stdio: ["ignore", "pipe", "pipe"] });
    let log = "";
    const keep = (d: Buffer) => {
      log = (log + d.toString()).slice(-4000);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    children.push(child);
    return () => log;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "dashwire-prom-"));
    exporterPort = await freePort();
    const promPort = await freePort();
    run(NODE_EXPORTER, [
      `--web.listen-address=127.0.0.1:${exporterPort}`,
      "--collector.disable-defaults",
      "--collector.cpu",
      "--collector.loadavg",
      "--collector.meminfo",
    ]);
    const config = [
      "global:",
      "  scrape_interval: 1s",
      "  evaluation_interval: 1s",
      "scrape_configs:",
      "  - job_name: node",
      "    static_configs:",
      `      - targets: ["127.0.0.1:${exporterPort}"]`,
      "remote_write:",
      `  - url: ${t.url("/api/v1/write")}`,
      "    authorization:",
      `      credentials: ${KEY}`,
      "    queue_config:",
      "      batch_send_deadline: 1s",
      "      max_shards: 2",
    ].join("\n");
    await writeFile(join(dir, "prometheus.yml"), config);
    run(PROMETHEUS, [
      `--config.file=${join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
      "--log.level=warn",
    ]);
  }, 60_000);

  afterAll(async () => {
    for (const child of children) child.kill("SIGTERM");
    await Promise.all(children.map((c) => (c.exitCode !== null ? undefined : new Promise((r) => c.once("exit", r)))));
    if (dir !== "") await rm(dir, { recursive: true, force: true });
  });

  it("makes node exporter's series queryable with their labels as tags", async () => {
    const instance = `127.0.0.1:${exporterPort}`;
    const load = `node_load1,instance=${instance},job=node`;
    await until(async () => (await seriesIds(t, "node_load1,")).includes(load), 45_000, `${load} in /api/v1/series`);
    const rows = await rowsOf(t, load, 1, 15_000);
    expect(rows.at(-1)?.[5]).toBeGreaterThanOrEqual(0);
    // Labels of node_cpu_seconds_total (cpu, mode) become tags, sorted into the id.
    const cpu = await seriesIds(t, "node_cpu_seconds_total,");
    expect(cpu).toContain(`node_cpu_seconds_total,cpu=0,instance=${instance},job=node,mode=idle`);
    expect(await seriesIds(t, "node_memory_MemTotal_bytes,")).toEqual([
      `node_memory_MemTotal_bytes,instance=${instance},job=node`,
    ]);
    // Prometheus' own series about the scrape come along (up, scrape_duration_seconds).
    expect(await seriesIds(t, "up,")).toEqual([`up,instance=${instance},job=node`]);
    expect(await counter(t, 'dashwire_ingest_points_total{format="prometheus",result="accepted"}')).toBeGreaterThan(50);
  }, 90_000);
});
