import { describe, expect, it } from "vitest";
import { benchDefaults } from "../src/bench-options.js";
import { DASHWIRE_DURABILITY, storeKindOf } from "../src/ingest/dashwire-store.js";
import { acceptedPerSec, dropCheck, pointsPerCpuSecond, ratio } from "../src/ingest/ingest-math.js";
import { type IngestOutcome, renderIngestMarkdown } from "../src/ingest/ingest-report.js";
import type { IngestFigures } from "../src/ingest/ingest-run.js";
import { INGEST_TARGETS } from "../src/ingest/ingest-targets.js";
import { dashwireSeriesId, type IngestWorkload, nextBase, pointsPerBody } from "../src/ingest/ingest-workload.js";
import { parseWrkOutput } from "../src/ingest/wrk-run.js";
import { collectEnvironment } from "../src/report/environment.js";

const w: IngestWorkload = { lines: 5000, series: 100, strideMs: 1 };

const WRK_OUTPUT = `Running 15s test @ http://127.0.0.1:1
  1 threads and 4 connections
WRK_RESULT {"durationUs":15000000,"requests":903,"sent":907,"ok":900,"bad":3,"statuses":{"400":2,"507":1},"errors":{"connect":0,"read":1,"write":0,"timeout":0,"status":3},"ahead":0,"lastBlock":906,"latencyUs":{"p50":53000,"p90":80000,"p99":151250,"max":300000,"mean":60000.5}}
`;

describe("the storage scenarios' arithmetic", () => {
  it("reads wrk's result line: counts, statuses, latencies in ms", () => {
    const r = parseWrkOutput(WRK_OUTPUT, 12.5);
    expect(r).toMatchObject({ durationS: 15, requests: 903, sent: 907, ok: 900, lastBlock: 906, cpuPct: 12.5 });
    expect(r.statuses).toEqual({ "400": 2, "507": 1 });
    expect(r.errors).toEqual({ connect: 0, read: 1, write: 0, timeout: 0 });
    expect(r.latencyMs).toEqual({ p50: 53, p90: 80, p99: 151.25, max: 300, mean: 60.001 });
    expect(() => parseWrkOutput("wrk: unable to connect")).toThrow(/no result/);
  });

  it("counts points/s accepted from 2xx answers only", () => {
    // 900 bodies answered 2xx in 15 s, 5,000 points each: 300,000 points/s; the 400s and 507 add nothing.
    expect(acceptedPerSec(parseWrkOutput(WRK_OUTPUT), w)).toBe(300_000);
    expect(acceptedPerSec({ ok: 10, durationS: 0 }, w)).toBe(0);
    expect(pointsPerBody({ lines: 5000, series: 3, strideMs: 1 })).toBe(4998);
  });

  it("starts the next run where the last one's timestamps end", () => {
    // Body b covers 50 points per series, 1 ms apart: 907 bodies (0..906) end 45,350 ms later.
    expect(nextBase(1_000, 906, w)).toBe(1_000 + 907 * 50);
    expect(nextBase(1_000, -1, w)).toBe(1_000);
  });

  it("passes the drop check only when every series holds what was acknowledged for it", () => {
    const exact = dropCheck(Array(100).fill(900 * 50), 900, 907, w);
    expect(exact).toMatchObject({ acknowledged: 4_500_000, sent: 4_535_000, stored: 4_500_000, missing: 0, ok: true });

    // Bodies in flight when wrk stopped may be stored: beyond the acknowledged, not a failure.
    const inFlight = dropCheck(Array(100).fill(903 * 50), 900, 907, w);
    expect(inFlight).toMatchObject({ beyondAcknowledged: 15_000, ok: true });

    // One series short by 7 points fails, even though the total is above the acknowledged.
    const short = [...Array(99).fill(903 * 50), 900 * 50 - 7];
    expect(dropCheck(short, 900, 907, w)).toMatchObject({ seriesShort: 1, missing: 7, ok: false });

    // More than was ever sent: a point counted twice.
    const twice = dropCheck(Array(100).fill(908 * 50), 900, 907, w);
    expect(twice).toMatchObject({ overcounted: 5000, ok: false });
  });

  it("gives points per CPU-second only when CPU was measured", () => {
    expect(pointsPerCpuSecond(150_000, 50)).toBe(300_000);
    expect(pointsPerCpuSecond(150_000, 0)).toBeUndefined();
  });

  it("gives the ratio only when both sides have a figure", () => {
    expect(ratio(150_000, 300_000)).toBe(0.5);
    expect(ratio(1, 3)).toBe(0.33);
    expect(ratio(undefined, 3)).toBeUndefined();
    expect(ratio(3, 0)).toBeUndefined();
  });

  it("names series as dashwire does (measurement.field, tags sorted)", () => {
    expect(dashwireSeriesId(7)).toBe("bench_cpu.usage,host=host-007,region=eu-west");
  });

  it("reports a row per target, the ratio and the drop check", () => {
    const wrk = parseWrkOutput(WRK_OUTPUT);
    const figures = (pointsPerSec: number, stored: number): IngestFigures => ({
      self: "{}",
      window: wrk,
      pointsPerSec,
      pointsPerCpuSecond: pointsPerCpuSecond(pointsPerSec, 99),
      server: { cpuPct: 99, waitPct: 0, rssAvgMB: 120, rssPeakMB: 150, baselineRssMB: 60, endRssMB: 140, processes: 1 },
      drop: dropCheck(Array(100).fill(stored), 900, 907, w),
      timestamps: { first: 0, end: 1 },
    });
    const outcome = (name: "dashwire" | "influxdb", f: IngestFigures): IngestOutcome => ({
      target: name,
      label: INGEST_TARGETS[name].label,
      durability: name === "dashwire" ? DASHWIRE_DURABILITY.memory : INGEST_TARGETS[name].durability(),
      ingest: f,
    });
    const md = renderIngestMarkdown({
      scenario: "ingest",
      workload: "test",
      options: { ...benchDefaults, scenario: "ingest" },
      environment: collectEnvironment("test"),
      notes: [],
      targets: [outcome("dashwire", figures(150_000, 900 * 50 - 1)), outcome("influxdb", figures(300_000, 900 * 50))],
    });
    expect(md).toContain("| dashwire (--workers 1) | no | 150,000 | 900 / 3 | 53 ms | 151 ms | 99 % | 151,515 |");
    expect(md).toContain("4,499,900 / 4,500,000: **100 missing** in 100 series");
    expect(md).toMatch(/\| InfluxDB 1\.6 [^|]*\| yes \| 300,000 \|.*4,500,000 \/ 4,500,000 ✓/);
    expect(md).toContain("**dashwire / InfluxDB: 0.50×** the points/s accepted; 0.50× the points per CPU-second.");
  });

  it("reads dashwire's durability from its own start --help: --sync came with the SQLite store", () => {
    const memory = "      --data-dir <dir>       where dashboards are saved (default .data)\n      --max-series <n>";
    const sqlite =
      "      --store <url>          sqlite (default) | postgres://…\n" +
      "      --sync <mode>          SQLite durability: full (default; an ack survives power loss) | normal";
    expect(storeKindOf(memory)).toBe("memory");
    expect(storeKindOf(sqlite)).toBe("sqlite");
    expect(DASHWIRE_DURABILITY[storeKindOf(sqlite)].onAck).toBe("yes");
    expect(DASHWIRE_DURABILITY[storeKindOf(memory)].onAck).toBe("no");
  });
});
