import { beforeAll, describe, expect, it } from "vitest";
import { INGEST_TARGETS } from "../src/ingest/ingest-targets.js";
import { runQueryLatency, runRestart } from "../src/ingest/store-figures.js";
import { ingestsAndCountsEveryPoint } from "./ingest-checks.js";
import { ingestTools } from "./ingest-tools.js";

// Tiny runs of the storage scenarios against the real servers, unpinned: 500-point bodies over
// 10 series, 1 s windows.
const unpinned = { serverCpus: "", loadCpus: "" };
const shape = { lines: 500, series: 10 };

let missing: { wrk?: string; influxdb?: string } = {};
beforeAll(() => {
  missing = ingestTools();
}, 300_000);

describe("the storage scenarios end to end", () => {
  it("ingest: dashwire acknowledges, and its query counts every acknowledged point", async (ctx) => {
    if (missing.wrk) return ctx.skip();
    await ingestsAndCountsEveryPoint(INGEST_TARGETS.dashwire);
  }, 60_000);

  it("ingest: InfluxDB likewise", async (ctx) => {
    if (missing.influxdb) return ctx.skip();
    await ingestsAndCountsEveryPoint(INGEST_TARGETS.influxdb);
  }, 60_000);

  it("ingest-restart: dashwire serves every point again if its store is durable, and says so if not", async (ctx) => {
    if (missing.wrk) return ctx.skip();
    const f = await runRestart(INGEST_TARGETS.dashwire, { ...unpinned, ...shape, points: 5000, stableMs: 1000 });
    expect(f.before).toMatchObject({ acknowledged: 5000, stored: 5000, ok: true });
    expect(f.upS).toBeGreaterThan(0);
    // What the build under test says of its store decides what must happen (memory: nothing kept).
    if (INGEST_TARGETS.dashwire.durability().onAck === "yes") {
      expect(f.servedS).toBeGreaterThan(0);
      expect(f.after).toMatchObject({ stored: 5000, ok: true });
    } else {
      expect(f.servedS).toBeUndefined();
      expect(f.after).toMatchObject({ stored: 0, missing: 5000, ok: false });
    }
  }, 60_000);

  it("ingest-restart: InfluxDB serves every point again", async (ctx) => {
    if (missing.influxdb) return ctx.skip();
    const f = await runRestart(INGEST_TARGETS.influxdb, { ...unpinned, ...shape, points: 5000, stableMs: 3000 });
    expect(f.servedS).toBeGreaterThan(0);
    expect(f.after).toMatchObject({ acknowledged: 5000, stored: 5000, ok: true });
  }, 60_000);

  it("ingest-query: times window queries of every series, each answered with its buckets", async (ctx) => {
    if (missing.wrk) return ctx.skip();
    for (const name of ["dashwire", "influxdb"] as const) {
      if (name === "influxdb" && missing.influxdb) continue;
      const f = await runQueryLatency(INGEST_TARGETS[name], {
        ...unpinned,
        ...shape,
        windowMs: 60_000,
        marginMs: 0,
        strideMs: 500,
        warmupS: 0,
        durationS: 1,
      });
      // 60 s at 2 points/s of 10 series: 1,200 points in 3 bodies of 500 (1,500 sent).
      expect(f.loaded, name).toMatchObject({ acknowledged: 1500, ok: true });
      expect(f.client.errors, `${name}: ${f.client.errorSamples[0]}`).toBe(0);
      expect(f.client.rounds, name).toBeGreaterThan(0);
      expect(f.client.perQuery.samples, name).toBe(f.client.rounds * 10);
      // Buckets of 1 s with data in the last minute: most of 60 (the newest seconds may have none yet).
      expect(f.client.bucketsAvg, name).toBeGreaterThan(40);
      expect(f.client.bucketsAvg, name).toBeLessThanOrEqual(61);
      expect(f.client.perRound.p50, name).toBeGreaterThan(0);
      // The same window of every series in one request: as many buckets a series.
      expect(f.client.perOneRequest.samples, name).toBe(f.client.rounds);
      expect(f.client.oneRequestBucketsAvg, name).toBeGreaterThan(40);
      expect(f.client.oneRequestBucketsAvg, name).toBeLessThanOrEqual(61);
    }
  }, 90_000);
});
