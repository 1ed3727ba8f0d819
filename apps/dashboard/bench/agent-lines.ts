/**
 * Micro-benchmark of the Graphite and StatsD input paths, in process, without sockets or the
 * store: Graphite lines parsed into points (`parseGraphiteLines`, 64 KiB batches as a connection
 * cuts them), and StatsD lines parsed and aggregated (`parseStatsdLine` + `StatsdAggregator.add`,
 * counters, gauges and timers over `keys` series, a flush per 100,000 lines).
 *
 *   npx tsx apps/dashboard/bench/agent-lines.ts [lines=500000] [keys=1000]
 *
 * Figures are CPU time (user + system of this process), steadier than wall time on a shared
 * machine; run it pinned (`taskset -c 0`).
 */
import { loadavg } from "node:os";
import { parseGraphiteLines } from "../src/ingest/graphite-lines.js";
import { StatsdAggregator } from "../src/ingest/statsd-aggregator.js";
import { parseStatsdLine } from "../src/ingest/statsd-lines.js";

const [lines = 500_000, keys = 1000] = process.argv.slice(2).map(Number);

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function measure(what: string, run: () => number): void {
  run(); // warm-up
  const t0 = cpuMs();
  const n = run();
  const ms = cpuMs() - t0;
  console.log(
    `${what}: ${n} lines in ${ms.toFixed(0)} ms CPU = ${Math.round((n / ms) * 1000).toLocaleString("en")} lines/s`,
  );
}

const ts = Math.floor(Date.now() / 1000);
const graphite = Buffer.from(
  Array.from({ length: lines }, (_, i) => `servers.host-${i % keys}.cpu.load ${(i % 100) / 10} ${ts}\n`).join(""),
);
const tagged = Buffer.from(
  Array.from({ length: lines }, (_, i) => `cpu.load;host=host-${i % keys};dc=eu ${(i % 100) / 10} ${ts}\n`).join(""),
);

/** Parses `body` in ~64 KiB batches cut at newlines, as a connection does. */
function graphiteRun(body: Buffer): () => number {
  return () => {
    let points = 0;
    for (let start = 0, line = 1; start < body.length; ) {
      const end = body.lastIndexOf(10, Math.min(body.length, start + 65_536) - 1) + 1;
      const batch = parseGraphiteLines(body.subarray(start, end), line);
      points += batch.parsed.points.length;
      line = batch.nextLine;
      start = end;
    }
    return points;
  };
}

const types = ["c", "g", "ms"];
const statsd = Array.from(
  { length: lines },
  (_, i) => `app.${types[i % 3]}.m${i % keys}:${i % 100}|${types[i % 3]}${i % 5 === 0 ? "|#route:/a,env:prod" : ""}`,
);

console.log(`node ${process.version}, load average ${loadavg()[0]?.toFixed(1)}, ${lines} lines over ${keys} series`);
measure("graphite plain", graphiteRun(graphite));
measure("graphite tagged", graphiteRun(tagged));
measure("statsd parse + aggregate", () => {
  const agg = new StatsdAggregator({ maxKeys: keys * 4, maxSetMembers: 100_000 });
  let taken = 0;
  for (let i = 0; i < statsd.length; i++) {
    const s = parseStatsdLine(statsd[i] as string);
    if (s !== null && typeof s !== "string") taken += agg.add(s).taken;
    if (i % 100_000 === 99_999) agg.flush(Date.now());
  }
  agg.flush(Date.now());
  return taken;
});
