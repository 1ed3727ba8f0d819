/** Reports of the storage scenarios: `report.md` (a row per target) and `report.json` (everything). */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { BenchOptions, IngestScenarioName } from "../bench-options.js";
import type { Environment } from "../report/environment.js";
import { int, ms } from "../report/format.js";
import { reportFooter } from "../report/markdown.js";
import type { DropCheck } from "./ingest-math.js";
import { ratio } from "./ingest-math.js";
import type { IngestFigures } from "./ingest-run.js";
import type { Durability, IngestTargetName } from "./ingest-target.js";
import type { QueryFigures, RestartFigures } from "./store-figures.js";

/** What one target did in a storage scenario (one of the figures, or why there is none). */
export interface IngestOutcome {
  target: IngestTargetName;
  label: string;
  durability: Durability;
  /** Why it was not run (not installed). */
  skipped?: string;
  /** Why the run failed. */
  error?: string;
  ingest?: IngestFigures;
  restart?: RestartFigures;
  query?: QueryFigures;
}

/** The whole result of one storage-scenario invocation. */
export interface IngestReport {
  scenario: IngestScenarioName;
  workload: string;
  options: BenchOptions;
  environment: Environment;
  notes: string[];
  targets: IngestOutcome[];
}

const MB = (n: number) => `${Math.round(n)} MB`;

/** "3,250,000 of 3,250,000 ✓", or what is missing. */
export function dropCell(d: DropCheck): string {
  const head = `${int(d.stored)} / ${int(d.acknowledged)}`;
  if (d.missing > 0) return `${head}: **${int(d.missing)} missing** in ${d.seriesShort} series`;
  if (d.overcounted > 0) return `${head}: **${int(d.overcounted)} counted twice**`;
  return `${head} ✓`;
}

function notRun(t: IngestOutcome, columns: number): string {
  const why = (t.skipped ?? t.error ?? "no result").split("\n")[0];
  return `| ${t.label} | not run: ${why} |${" |".repeat(columns - 2)}`;
}

function ingestTable(targets: IngestOutcome[]): string[] {
  const rows = [
    "| Server | Durable on ack | Points/s accepted | Requests 2xx / other | p50 | p99 | Server CPU | Points per CPU-second | Server RSS avg (peak) | Stored / acknowledged | wrk CPU |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const t of targets) {
    const f = t.ingest;
    if (!f) {
      rows.push(notRun(t, 11));
      continue;
    }
    const w = f.window;
    const other = Object.values(w.statuses).reduce((a, b) => a + b, 0);
    rows.push(
      `| ${t.label} | ${t.durability.onAck} | ${int(f.pointsPerSec)} | ${int(w.ok)} / ${int(other)} | ${ms(w.latencyMs.p50)} | ` +
        `${ms(w.latencyMs.p99)} | ${f.server.cpuPct.toFixed(0)} % | ${f.pointsPerCpuSecond === undefined ? "–" : int(f.pointsPerCpuSecond)} | ` +
        `${MB(f.server.rssAvgMB)} (${MB(f.server.rssPeakMB)}) | ` +
        `${dropCell(f.drop)} | ${Math.round(w.cpuPct)} % |`,
    );
  }
  const figure = (name: IngestTargetName) => targets.find((t) => t.target === name)?.ingest;
  for (const [name, label] of [
    ["dashwire", "dashwire"],
    ["dashwire-pg", "dashwire on PostgreSQL"],
  ] as const) {
    const r = ratio(figure(name)?.pointsPerSec, figure("influxdb")?.pointsPerSec);
    const perCpu = ratio(figure(name)?.pointsPerCpuSecond, figure("influxdb")?.pointsPerCpuSecond);
    if (r === undefined) continue;
    rows.push(
      "",
      `**${label} / InfluxDB: ${r.toFixed(2)}×** the points/s accepted` +
        (perCpu === undefined ? "." : `; ${perCpu.toFixed(2)}× the points per CPU-second.`),
    );
  }
  rows.push(
    "",
    "Points/s accepted = 2xx answers × points per body / the window. Points per CPU-second = that rate / the " +
      "server's CPU share: what one core buys, the figure to compare when a server did not get a whole core " +
      "(see the notes for how long each waited for it). p50/p99: wrk's request latency (closed loop: each " +
      "connection sends its next body when the last is answered). Stored / acknowledged: after the run, the target's own " +
      "query API counts the points of every series (warm-up and window); every acknowledged point must be there, " +
      "and no point may be counted twice (a point of a body in flight when wrk stopped may be stored beyond the acknowledged).",
  );
  return rows;
}

function restartTable(targets: IngestOutcome[]): string[] {
  const rows = [
    "| Server | Durable on ack | Stored before | Stop (SIGTERM) | Up again | A query returns them all after | Kept after the restart | RSS after |",
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const t of targets) {
    const f = t.restart;
    if (!f) {
      rows.push(notRun(t, 9));
      continue;
    }
    const served =
      f.servedS === undefined
        ? `never (${int(f.after.stored)} of ${int(f.after.acknowledged)} served)`
        : ms(f.servedS * 1000);
    rows.push(
      `| ${t.label} | ${t.durability.onAck} | ${dropCell(f.before)} | ${ms(f.stopS * 1000)} | ${ms(f.upS * 1000)} | ${served} | ` +
        `${dropCell(f.after)} | ${MB(f.rssAfterMB)} |`,
    );
  }
  rows.push(
    "",
    "Times from the start of the new process. A query returns them all: the count of every series through the target's " +
      "query API, repeated until it equals what was acknowledged before the restart (given up once it stays unchanged for 5 s).",
  );
  return rows;
}

function queryTable(targets: IngestOutcome[]): string[] {
  const rows = [
    "| Server | Query p50 / p99 | Round of all series p50 / p99 | All series in one request p50 / p99 | Rounds | Buckets per answer (one request: per series) | Server CPU | Data stored / acknowledged | Errors |",
    "|---|---|---|---|---|---|---|---|---|",
  ];
  for (const t of targets) {
    const f = t.query;
    if (!f) {
      rows.push(notRun(t, 9));
      continue;
    }
    const c = f.client;
    rows.push(
      `| ${t.label} | ${ms(c.perQuery.p50)} / ${ms(c.perQuery.p99)} | ${ms(c.perRound.p50)} / ${ms(c.perRound.p99)} | ` +
        `${ms(c.perOneRequest.p50)} / ${ms(c.perOneRequest.p99)} | ` +
        `${int(c.rounds)} | ${c.bucketsAvg} (${c.oneRequestBucketsAvg}) | ${f.server.cpuPct.toFixed(0)} % | ${dropCell(f.loaded)} | ` +
        `${c.errors}${c.errorSamples.length ? ` (${c.errorSamples[0]})` : ""} |`,
    );
  }
  rows.push(
    "",
    "A query: one series' last 15 minutes as 1 s buckets (count, sum, min, max, last), on one keep-alive connection. " +
      "A round: one query per series, one after the other; its latency is the sum of its queries'. " +
      "All series in one request: after each round, the same window of every series asked for at once " +
      "(dashwire: `POST /api/v1/query`; InfluxDB: one `SELECT … GROUP BY time(1s),host`).",
  );
  return rows;
}

/** Renders a storage report as Markdown. */
export function renderIngestMarkdown(report: IngestReport): string {
  const o = report.options;
  const tables =
    report.scenario === "ingest"
      ? ingestTable(report.targets)
      : report.scenario === "ingest-restart"
        ? restartTable(report.targets)
        : queryTable(report.targets);
  const timing = report.scenario === "ingest-restart" ? "" : `; ${o.warmupS} s warm-up, ${o.durationS} s measured`;
  const durability = report.targets.map(
    (t) => `- ${t.label}: durable on ack: ${t.durability.onAck} (${t.durability.how}).`,
  );
  const self = report.targets.flatMap((t) => {
    const s = t.ingest?.self ?? t.restart?.self ?? t.query?.self;
    return s ? [`- ${t.label}: ${s}`] : [];
  });
  return [
    `# dashwire benchmark: ${report.scenario}`,
    "",
    `Workload: ${report.workload}. Server pinned to CPU ${o.serverCpus}, wrk and the query client to CPU ${o.loadCpus}${timing}.`,
    "",
    ...tables,
    "",
    "Durability:",
    "",
    ...durability,
    "",
    ...(self.length ? ["What each server said about itself:", "", ...self, ""] : []),
    ...reportFooter(report.notes, report.environment),
  ].join("\n");
}

/** Writes `report.md` and `report.json` into `dir`; returns the folder. */
export function writeIngestReport(dir: string, report: IngestReport): string {
  const out = resolve(dir);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "report.md"), renderIngestMarkdown(report));
  writeFileSync(join(out, "report.json"), `${JSON.stringify(report, null, 2)}\n`);
  return out;
}
