/**
 * Writes waiting for the store are bounded (`maxIngestInFlight`): past the limit a write is
 * refused at once with 503, `Retry-After` and code 10503, before it is parsed, on every ingest
 * path (the JSON API, the agent formats, socket `metrics.write`), and nothing of it is kept.
 * Before, each waiting write held its parsed points: 100 socket writes of 1 MiB from one
 * connection against PostgreSQL reached 1 GB and timed out in the connection pool.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "@dashwire/client/node";
import snappy from "snappyjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until } from "../../../../packages/server/test/until.js";
import { createDashboardApp, type DashboardApp } from "../../src/app.js";
import { ApiErrorCode } from "../../src/errors.js";
import { WriteRequest } from "../../src/ingest/prom-remote-write.js";
import { SqliteStore } from "../../src/store/sqlite-store.js";
import { defaultResolutions } from "../../src/store/store.js";

let app: DashboardApp;
let dataDir: string;
/** Writes the store has been asked for and not yet let through. */
const heldWrites: Array<() => void> = [];
let holding = false;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "dashwire-gate-"));
  const store = new SqliteStore({ dataDir, sync: "normal", resolutions: defaultResolutions });
  // A store whose writes wait while `holding`: the one admitted write stays in progress.
  const write = store.write.bind(store);
  store.write = async (points, maxSeries) => {
    if (holding) await new Promise<void>((resolve) => heldWrites.push(resolve));
    return write(points, maxSeries);
  };
  app = await createDashboardApp(
    { port: 0, demo: false, logLevel: "silent", dataDir, maxIngestInFlight: 1 },
    { store },
  );
});

afterAll(async () => {
  holding = false;
  for (const release of heldWrites.splice(0)) release();
  await app.close();
  await rm(dataDir, { recursive: true, force: true });
});

const seriesOf = async (prefix: string) =>
  ((await (await fetch(`${app.url}/api/v1/series?match=${prefix}`)).json()) as { series: { id: string }[] }).series.map(
    (s) => s.id,
  );

describe("past maxIngestInFlight writes", () => {
  it("refuses every ingest path with 503 Busy while one write is in progress, then takes writes again", async () => {
    holding = true;
    const first = fetch(`${app.url}/api/v1/metrics`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "gate.first", value: 1 }),
    });
    await until(() => heldWrites.length === 1, 5000, "the first write to reach the store");

    const refusals = [
      await fetch(`${app.url}/api/v1/metrics`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "gate.json", value: 1 }),
      }),
      await fetch(`${app.url}/write?db=x`, { method: "POST", body: "gate_influx v=1" }),
      await fetch(`${app.url}/api/v2/write?bucket=x`, { method: "POST", body: "gate_influx2 v=1" }),
      await fetch(`${app.url}/v1/metrics`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          resourceMetrics: [
            { scopeMetrics: [{ metrics: [{ name: "gate.otlp", gauge: { dataPoints: [{ asDouble: 1 }] } }] }] },
          ],
        }),
      }),
      await fetch(`${app.url}/api/v1/write`, {
        method: "POST",
        headers: { "content-type": "application/x-protobuf", "content-encoding": "snappy" },
        body: Buffer.from(
          snappy.compress(
            Buffer.from(
              WriteRequest.encode(
                WriteRequest.fromObject({
                  timeseries: [
                    {
                      labels: [{ name: "__name__", value: "gate_prom" }],
                      samples: [{ value: 1, timestamp: Date.now() }],
                    },
                  ],
                }),
              ).finish(),
            ),
          ),
        ),
      }),
    ];
    for (const res of refusals) {
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe("1");
      const body = (await res.json()) as { error: { code: number; message: string; requestId?: string } };
      expect(body.error.code).toBe(ApiErrorCode.Busy);
      expect(body.error.message).toMatch(/^too many writes in progress \(1\)/);
      expect(body.error.requestId).toBeUndefined(); // not a failure: nothing logged to look up
    }

    const client = connect(`${app.url.replace("http", "ws")}/dashwire`);
    try {
      await expect(client.emit("metrics.write", { name: "gate.socket", value: 1 })).rejects.toMatchObject({
        code: ApiErrorCode.Busy,
      });
    } finally {
      client.close();
    }

    holding = false;
    for (const release of heldWrites.splice(0)) release();
    expect((await first).status).toBe(200);
    expect(await seriesOf("gate.")).toEqual(["gate.first"]);
    expect(await seriesOf("gate_")).toEqual([]);
    // The slot is free again.
    const after = await fetch(`${app.url}/write?db=x`, { method: "POST", body: "gate_after v=1" });
    expect(after.status).toBe(204);
  });
});
