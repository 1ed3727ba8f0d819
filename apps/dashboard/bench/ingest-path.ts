/**
 * Micro-benchmark of the ingest path, in process, without HTTP: the line-protocol parser alone,
 * then parse + write to the SQLite store (durable, `synchronous=FULL`), on the bodies of the
 * `ingest` scenario (bench/wrk/ingest.lua: 5,000 lines over 100 series, every point new).
 *
 *   npx tsx apps/dashboard/bench/ingest-path.ts [bodies=200] [lines=5000] [series=100]
 *
 * Figures are CPU time (user + system of this process) per point, steadier than wall time on a
 * shared machine; run it pinned (`taskset -c 0`) and read the load average it prints.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { ingestPoints } from "../src/ingest/ingest.js";
import { parseLineProtocol } from "../src/ingest/line-protocol.js";
import { MetricsWriter } from "../src/store/metrics-writer.js";
import { SqliteStore } from "../src/store/sqlite-store.js";

const [bodies = 200, lines = 5000, series = 100] = process.argv.slice(2).map(Number);
const per = Math.floor(lines / series);

/** Body `b` as the Lua script makes it (values 0.0–99.9, 1 ms apart, starting `base`). */
function body(base: number, b: number): Buffer {
  const parts: string[] = [];
  const first = base + b * per;
  for (let j = 0; j < per; j++) {
    const ts = first + j;
    for (let s = 0; s < series; s++) {
      const v = ((((j + s + 1) % 100) + 1) * 37) % 1000;
      parts.push(
        `bench_cpu,host=host-${String(s).padStart(3, "0")},region=eu-west usage=${(v / 10).toFixed(1)} ${ts}\n`,
      );
    }
  }
  return Buffer.from(parts.join(""));
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function report(what: string, points: number, ms: number): void {
  const perPoint = (ms * 1000) / points;
  console.log(
    `${what.padEnd(28)} ${points.toLocaleString("en")} points  ${ms.toFixed(0)} ms CPU  ${perPoint.toFixed(2)} µs/point  ${Math.round(points / (ms / 1000)).toLocaleString("en")} points per CPU-s`,
  );
}

const now = Date.now();
// Inside the raw window, like the scenario (10 minutes back), 1 ms a point per series.
const base = Math.floor((now - 600_000) / 1000) * 1000;
const made = Array.from({ length: bodies }, (_, b) => body(base, b));
console.log(
  `load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}; ${bodies} bodies of ${per * series} points`,
);

// Warm-up, then the parser alone.
for (let i = 0; i < Math.min(20, bodies); i++) parseLineProtocol(made[i] as Buffer, "ms");
let t0 = cpuMs();
let n = 0;
for (const b of made) n += parseLineProtocol(b, "ms").points.length;
report("parse", n, cpuMs() - t0);

const dir = mkdtempSync(join(tmpdir(), "dashwire-ingest-bench-"));
try {
  for (const sync of ["full", "normal"] as const) {
    const store = new SqliteStore({ dataDir: join(dir, sync), sync });
    const writer = new MetricsWriter(store, { maxSeries: 10_000, futureSkewMs: 5000, now: Date.now });
    t0 = cpuMs();
    const wall = performance.now();
    n = 0;
    for (const b of made) n += (await ingestPoints(writer, parseLineProtocol(b, "ms"), "line")).accepted;
    const ms = cpuMs() - t0;
    report(`parse + write (sync ${sync})`, n, ms);
    console.log(`  wall ${(performance.now() - wall).toFixed(0)} ms`);
    await store.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
