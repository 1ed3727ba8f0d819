/**
 * OTLP/HTTP metrics at `/v1/metrics`, fed by the OpenTelemetry JS SDK's own exporters (JSON:
 * `exporter-metrics-otlp-http`, protobuf: `exporter-metrics-otlp-proto`): gauges, cumulative and
 * delta sums, histograms; resource and scope become tags. Hand-built requests cover partial
 * success, bodies that are not OTLP, and auth.
 */
import {
  OTLPMetricExporter as JsonExporter,
  AggregationTemporalityPreference,
} from "@opentelemetry/exporter-metrics-otlp-http";
import { OTLPMetricExporter as ProtoExporter } from "@opentelemetry/exporter-metrics-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter } from "@opentelemetry/sdk-metrics";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until } from "../../../../packages/server/test/until.js";
import { ExportMetricsServiceResponse, RpcStatus } from "../../src/ingest/otlp-proto.js";
import { getJson, startApp, type TestApp } from "../api/helpers.js";
import { counter, rowsOf } from "./agent-helpers.js";

const KEY = "otel-writer-key";
let t: TestApp;
beforeAll(async () => {
  t = await startApp({ apiKeys: [{ key: KEY, scopes: ["write"] }] });
});
afterAll(() => t.close());

/** A meter provider exporting to dashwire through `exporter`; flushed by hand. */
function provider(service: string, exporter: PushMetricExporter) {
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const mp = new MeterProvider({
    resource: resourceFromAttributes({ "service.name": service, "service.instance.id": "i-1" }),
    readers: [reader],
  });
  return {
    meter: mp.getMeter("dashwire-test", "1.0.0"),
    flush: () => reader.forceFlush(),
    shutdown: () => mp.shutdown(),
  };
}

const exporterOptions = (temporality = AggregationTemporalityPreference.CUMULATIVE) => ({
  url: t.url("/v1/metrics"),
  headers: { authorization: `Bearer ${KEY}` },
  temporalityPreference: temporality,
});

/** Tags of the series `id` as `/api/v1/series` lists them. */
async function tagsOf(id: string): Promise<Record<string, string> | undefined> {
  const r = await getJson<{ series: Array<{ id: string; tags: Record<string, string> }> }>(
    t.url(`/api/v1/series?${new URLSearchParams({ match: id })}`),
  );
  return r.body.series.find((s) => s.id === id)?.tags;
}

const tagsFor = (service: string, extra: Record<string, string> = {}) => ({
  "otel.scope.name": "dashwire-test",
  "service.instance.id": "i-1",
  "service.name": service,
  ...extra,
});
const idOf = (name: string, tags: Record<string, string>) =>
  `${name},${Object.keys(tags)
    .sort()
    .map((k) => `${k}=${tags[k]}`)
    .join(",")}`;

describe.each([
  ["JSON", "otlp_json", () => new JsonExporter(exporterOptions()), "checkout-json"],
  ["protobuf", "otlp_protobuf", () => new ProtoExporter(exporterOptions()), "checkout-proto"],
] as const)("the OpenTelemetry SDK exporting OTLP/%s", (_, format, exporter, service) => {
  it("delivers a gauge, a cumulative counter and a histogram as series with resource and scope tags", async () => {
    const p = provider(service, exporter());
    const gauge = p.meter.createObservableGauge("otel.temperature", { unit: "Cel" });
    gauge.addCallback((result) => result.observe(21.5, { room: "lab" }));
    const requests = p.meter.createCounter("otel.requests");
    requests.add(3, { route: "/a" });
    requests.add(2, { route: "/a" });
    const latency = p.meter.createHistogram("otel.latency", { unit: "ms" });
    latency.record(10);
    latency.record(30);
    await p.flush();
    await p.shutdown();

    const temp = idOf("otel.temperature", tagsFor(service, { room: "lab" }));
    expect(await tagsOf(temp)).toEqual(tagsFor(service, { room: "lab" }));
    expect((await rowsOf(t, temp)).at(-1)?.[5]).toBe(21.5);
    // A cumulative sum is stored as its running total.
    expect((await rowsOf(t, idOf("otel.requests", tagsFor(service, { route: "/a" })))).at(-1)?.[5]).toBe(5);
    const hist = tagsFor(service);
    expect((await rowsOf(t, idOf("otel.latency.count", hist))).at(-1)?.[5]).toBe(2);
    expect((await rowsOf(t, idOf("otel.latency.sum", hist))).at(-1)?.[5]).toBe(40);
    expect((await rowsOf(t, idOf("otel.latency.min", hist))).at(-1)?.[5]).toBe(10);
    expect((await rowsOf(t, idOf("otel.latency.max", hist))).at(-1)?.[5]).toBe(30);
    expect(
      await counter(t, `dashwire_ingest_points_total{format="${format}",result="accepted"}`),
    ).toBeGreaterThanOrEqual(6);
    // The histogram's buckets are not stored: counted as ignored.
    expect(await counter(t, `dashwire_ingest_points_total{format="${format}",result="ignored"}`)).toBeGreaterThan(0);
  });
});

describe("delta temporality", () => {
  it("stores each export's delta, so a bucket's sum adds them up", async () => {
    const p = provider("delta-svc", new JsonExporter(exporterOptions(AggregationTemporalityPreference.DELTA)));
    const c = p.meter.createCounter("otel.delta");
    c.add(4);
    await p.flush();
    c.add(6);
    await p.flush();
    await p.shutdown();
    // The two exports may land in two seconds: wait until both buckets are closed.
    const id = idOf("otel.delta", tagsFor("delta-svc"));
    let total = 0;
    await until(
      async () => {
        total = (await rowsOf(t, id)).reduce((n, r) => n + r[2], 0); // sums of the buckets
        return total === 10;
      },
      8000,
      "both deltas in closed buckets",
    ).catch(() => undefined);
    expect(total).toBe(10);
  });
});

describe("hand-built requests", () => {
  const post = (body: Uint8Array<ArrayBuffer> | string, type: string, auth = `Bearer ${KEY}`) =>
    fetch(t.url("/v1/metrics"), { method: "POST", headers: { "content-type": type, authorization: auth }, body });

  it("answers 200 with partial_success for what it refused, keeping the rest", async () => {
    const now = String(BigInt(Date.now()) * 1_000_000n);
    const request = {
      resourceMetrics: [
        {
          resource: { attributes: [{ key: "host", value: { stringValue: "h1" } }] },
          scopeMetrics: [
            {
              metrics: [
                {
                  name: "otel.hand",
                  gauge: {
                    dataPoints: [
                      { asInt: "7", timeUnixNano: now },
                      { asInt: "9007199254740993", timeUnixNano: now },
                      { asDouble: 1, timeUnixNano: now, attributes: [{ key: "host", value: { stringValue: "h2" } }] },
                      { asDouble: "NaN", timeUnixNano: now, attributes: [{ key: "x", value: { stringValue: "nan" } }] },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
    };
    const res = await post(JSON.stringify(request), "application/json");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    const body = (await res.json()) as { partialSuccess: { rejectedDataPoints: string; errorMessage: string } };
    expect(body.partialSuccess.rejectedDataPoints).toBe("2");
    expect(body.partialSuccess.errorMessage).toMatch(
      /data point 1: otel.hand: value: integer 9007199254740993 is beyond ±2\^53/,
    );
    expect(body.partialSuccess.errorMessage).toMatch(/data point 2: otel.hand: attribute "host" has two values/);
    expect((await rowsOf(t, "otel.hand,host=h1")).at(-1)?.[5]).toBe(7);
  });

  it("answers what it cannot read with a google.rpc.Status in the request's encoding", async () => {
    const garbage = await post(new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]), "application/x-protobuf");
    expect(garbage.status).toBe(400);
    expect(garbage.headers.get("content-type")).toBe("application/x-protobuf");
    const status = RpcStatus.toObject(RpcStatus.decode(new Uint8Array(await garbage.arrayBuffer()))) as {
      code: number;
      message: string;
    };
    expect(status.code).toBe(3);
    expect(status.message).toMatch(/not an ExportMetricsServiceRequest/);
    const json = await post("[1,2]", "application/json");
    expect(json.status).toBe(400);
    expect(await json.json()).toEqual({ code: 3, message: expect.stringMatching(/ExportMetricsServiceRequest/) });
    const text = await post("x", "text/plain");
    expect(text.status).toBe(415);
    const anon = await post("{}", "application/json", "");
    expect(anon.status).toBe(401);
    expect((await anon.json()).code).toBe(16);
    // An empty request is a success with nothing to store.
    const empty = await post(new Uint8Array(0), "application/x-protobuf");
    expect(empty.status).toBe(200);
    expect(
      ExportMetricsServiceResponse.toObject(
        ExportMetricsServiceResponse.decode(new Uint8Array(await empty.arrayBuffer())),
      ),
    ).toEqual({});
  });
});
