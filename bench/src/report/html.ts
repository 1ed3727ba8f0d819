import type { TargetRun } from "../run/target-run.js";
import type { TargetOutcome } from "../scenarios/scenario.js";
import type { BenchReport } from "./bench-report.js";
import { escapeHtml } from "./format.js";
import { mainRun, renderMarkdown } from "./markdown.js";
import { type ChartSeries, lineChart, PALETTE } from "./svg-chart.js";

/** Id of the chart the PNG is taken of. */
export const MAIN_CHART_ID = "main-chart";

type Metric = "p99" | "serverCpuPct" | "rssMB" | "deliveries" | "loadCpuPct" | "connected" | "externalCpuPct";

/** The runs drawn per target: capacity draws its main step, the others every run (variants). */
function chartRuns(t: TargetOutcome): TargetRun[] {
  const main = mainRun(t);
  if (t.capacity) return main ? [main] : [];
  return t.runs;
}

function seriesOf(targets: TargetOutcome[], metric: Metric): ChartSeries[] {
  const out: ChartSeries[] = [];
  for (const t of targets) {
    for (const run of chartRuns(t)) {
      if (!run.ok || run.series.length === 0) continue;
      out.push({
        name: run.variant ? `${t.label} (${run.variant})` : t.label,
        color: PALETTE[out.length % PALETTE.length] as string,
        points: run.series
          .filter((s) => s.phase !== "connecting" || metric === "rssMB" || metric === "connected")
          .map((s) => [s.t, s[metric] ?? 0]),
      });
    }
  }
  return out;
}

/** Renders the report as one self-contained HTML page with inline SVG charts. */
export function renderHtml(report: BenchReport): string {
  const t = report.targets;
  const idle = report.scenario === "idle";
  const charts = [
    idle
      ? ""
      : `<figure id="${MAIN_CHART_ID}">${lineChart(seriesOf(t, "p99"), {
          title: `${report.scenario}: p99 latency per second (from scheduled send time)`,
          yLabel: "ms (log)",
          xLabel: "seconds since server start",
          logY: true,
        })}</figure>`,
    `<figure${idle ? ` id="${MAIN_CHART_ID}"` : ""}>${lineChart(seriesOf(t, "rssMB"), {
      title: "Server RSS (process tree)",
      yLabel: "MB",
      xLabel: "seconds since server start",
    })}</figure>`,
    `<figure>${lineChart(seriesOf(t, "serverCpuPct"), {
      title: "Server CPU (process tree, % of one core)",
      yLabel: "%",
      xLabel: "seconds since server start",
    })}</figure>`,
    idle
      ? ""
      : `<figure>${lineChart(seriesOf(t, "deliveries"), {
          title: "Deliveries received per second",
          yLabel: "deliveries/s",
          xLabel: "seconds since server start",
        })}</figure>`,
    report.scenario === "reconnect-storm"
      ? `<figure>${lineChart(seriesOf(t, "connected"), {
          title: "Clients connected (the storm: all dropped at once, then reconnecting)",
          yLabel: "clients",
          xLabel: "seconds since server start",
        })}</figure>`
      : "",
    report.scenario === "multi-node"
      ? `<figure>${lineChart(seriesOf(t, "externalCpuPct"), {
          title: "Redis CPU (shared server, % of one core)",
          yLabel: "%",
          xLabel: "seconds since server start",
        })}</figure>`
      : "",
    `<figure>${lineChart(seriesOf(t, "loadCpuPct"), {
      title: "Load generator CPU (% of its core)",
      yLabel: "%",
      xLabel: "seconds since server start",
    })}</figure>`,
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>dashwire benchmark: ${escapeHtml(report.scenario)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:24px;color:#111;max-width:980px}
pre{background:#f6f8fa;padding:12px;overflow:auto;white-space:pre-wrap;font-size:12px}
figure{margin:16px 0}
</style></head><body>
<h1>dashwire benchmark: ${escapeHtml(report.scenario)}</h1>
<p>${escapeHtml(report.workload)}</p>
${charts.join("\n")}
<h2>Report</h2>
<pre>${escapeHtml(renderMarkdown(report))}</pre>
</body></html>
`;
}
