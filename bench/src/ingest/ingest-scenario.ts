/**
 * The storage scenarios (`ingest`, `ingest-restart`, `ingest-query`) from the CLI: each target in
 * turn, a progress bar, then `report.md` and `report.json` and the Markdown table on stdout.
 */
import { type BenchOptions, cpuList, type IngestScenarioName } from "../bench-options.js";
import { readCpuJiffies, stealShare } from "../metrics/proc-sampler.js";
import { ProgressBar } from "../progress-bar.js";
import type { Environment } from "../report/environment.js";
import { type IngestFigures, runIngest } from "./ingest-run.js";
import { type IngestReport, type IngestOutcome, writeIngestReport, renderIngestMarkdown } from "./ingest-report.js";
import type { StoreProgress } from "./ingest-steps.js";
import type { IngestTarget } from "./ingest-target.js";
import { INGEST_TARGETS } from "./ingest-targets.js";
import { type QueryFigures, type RestartFigures, runQueryLatency, runRestart } from "./store-figures.js";
import { wrkMissing } from "./wrk-run.js";

/** wrk connections of `ingest` when `--connections` is not given: the peer figure's 4. */
const DEFAULT_CONNECTIONS = 4;

/** One line saying what a storage scenario does, with the numbers in force. */
export function describeIngest(scenario: IngestScenarioName, o: BenchOptions): string {
  const body = `bodies of ${o.lines.toLocaleString("en-US")} line-protocol points over ${o.series} series`;
  switch (scenario) {
    case "ingest":
      return `wrk -t1 -c${o.connections || DEFAULT_CONNECTIONS} POSTing ${body}, every point new (1 ms apart per series)`;
    case "ingest-restart":
      return `${o.points.toLocaleString("en-US")} points stored (${body}), the server stopped (SIGTERM) and started again on the same data`;
    case "ingest-query":
      return `14.5 minutes of 10 points/s for each of ${o.series} series, then rounds of one 15-minute 1 s query per series, one after the other`;
  }
}

/** Seconds one target takes, roughly (progress bar). */
function estimateS(scenario: IngestScenarioName, o: BenchOptions): number {
  if (scenario === "ingest") return 4 + o.warmupS + o.durationS;
  if (scenario === "ingest-restart") return 8 + o.points / 100_000;
  return 14 + o.warmupS + o.durationS;
}

/** Runs one storage scenario against one target. */
function runOne(
  scenario: IngestScenarioName,
  target: IngestTarget,
  o: BenchOptions,
  progress: StoreProgress,
): Promise<{ ingest: IngestFigures } | { restart: RestartFigures } | { query: QueryFigures }> {
  const where = { serverCpus: o.serverCpus, loadCpus: o.loadCpus };
  const shape = { lines: o.lines, series: o.series };
  if (scenario === "ingest") {
    return runIngest(
      target,
      {
        ...where,
        workload: { ...shape, strideMs: 1 },
        warmupS: o.warmupS,
        durationS: o.durationS,
        connections: o.connections || DEFAULT_CONNECTIONS,
      },
      progress,
    ).then((ingest) => ({ ingest }));
  }
  if (scenario === "ingest-restart")
    return runRestart(target, { ...where, ...shape, points: o.points }, progress).then((restart) => ({ restart }));
  return runQueryLatency(target, { ...where, ...shape, warmupS: o.warmupS, durationS: o.durationS }, progress).then(
    (query) => ({ query }),
  );
}

/** What a reader must know to trust an outcome's figures (a waiting server, a saturated wrk). */
function outcomeNotes(t: IngestOutcome): string[] {
  const notes: string[] = [];
  const server = t.ingest?.server ?? t.query?.server;
  if (server && server.waitPct >= 5) {
    notes.push(
      `${t.label}: the server was runnable but waiting for its core ${Math.round(server.waitPct)} % of the window ` +
        "(other processes on it): its figures include that wait.",
    );
  }
  const wrk = t.ingest?.window;
  if (wrk && wrk.cpuPct > 90) notes.push(`${t.label}: wrk's core was saturated: its figures are a floor.`);
  if (wrk && wrk.ahead > 0)
    notes.push(
      `${t.label}: ${wrk.ahead} bodies had timestamps ahead of the clock (the run outpaced its 10-minute lookback).`,
    );
  return notes;
}

/** Runs `options.scenario` (a storage one) on every target; writes the reports; resolves with the exit code. */
export async function runIngestScenario(
  options: BenchOptions,
  scenario: IngestScenarioName,
  out: string,
  environment: Environment,
  notes: string[],
): Promise<number> {
  const bar = new ProgressBar();
  const workload = describeIngest(scenario, options);
  console.error(`bench: ${scenario}: ${workload}`);
  const perTarget = estimateS(scenario, options);
  const outcomes: IngestOutcome[] = [];
  const steal: string[] = [];
  const measuredCpus = [...cpuList(options.serverCpus), ...cpuList(options.loadCpus)];
  for (const [index, name] of options.ingestTargets.entries()) {
    const target = INGEST_TARGETS[name];
    const outcome: IngestOutcome = { target: name, label: target.label, durability: target.durability() };
    outcomes.push(outcome);
    const why = wrkMissing() ?? target.unavailable();
    if (why) {
      console.error(`bench: skipping ${name}: ${why}`);
      outcome.skipped = why;
      continue;
    }
    const started = performance.now();
    const progress: StoreProgress = (step) => {
      const own = Math.min(0.99, (performance.now() - started) / 1000 / perTarget);
      bar.update((index + own) / options.ingestTargets.length, `${name} ${step}`);
    };
    const before = readCpuJiffies(measuredCpus);
    try {
      Object.assign(outcome, await runOne(scenario, target, options, progress));
    } catch (error) {
      outcome.error = error instanceof Error ? error.message : String(error);
      console.error(`bench: ${name} failed: ${outcome.error}`);
    }
    steal.push(`${target.label} ${stealShare(before, readCpuJiffies(measuredCpus)).toFixed(1)} %`);
    bar.done();
    notes.push(...outcomeNotes(outcome));
  }
  if (steal.length > 0)
    notes.push(`CPU steal on the measured cores (time the hypervisor ran other guests there): ${steal.join(", ")}.`);
  const report: IngestReport = { scenario, workload, options, environment, notes, targets: outcomes };
  writeIngestReport(out, report);
  console.log(renderIngestMarkdown(report));
  console.error(`bench: reports in ${out} (report.md, report.json)`);
  return outcomes.some((t) => t.ingest || t.restart || t.query) ? 0 : 1;
}
